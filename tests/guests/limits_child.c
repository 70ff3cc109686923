/* SPDX-License-Identifier: Apache-2.0 */
/* The child of the limits tests (limits_tree.c). Its parent passes a
 * command channel as its descriptor 0 holding one line, then maybe more
 * ends:
 *
 *   grab           allocate 256 KiB blocks until malloc fails; write the
 *                  KiB it holds ("N\n") to fd 1, then hold them until fd 0
 *                  is finished
 *   wait           wait until fd 0 is finished, then exit 0
 *   spin           burn CPU for ever
 *   pipes CAPACITY create pipes until one fails; write "N STATUS\n" (how
 *                  many, and the error) to fd 1
 *   spinners N     fd 1: a finished read end holding this module's code;
 *                  start N children spinning (limits inherited), wait for
 *                  them all, work a little (about 100 ms), exit 0
 *   children       fd 1: the same code; fd 2: a write end; create waiting
 *                  children until cnew fails, write "N STATUS\n" to fd 2,
 *                  exit 0 (they end with it)
 *
 * It exits 99 when something the parent arranged is not there. */
#include <stdlib.h>
#include <string.h>

#include "api_common.h"

static volatile int forever = 1;

static int read_command(char *line, size_t size) {
  size_t length = 0;
  int32_t in = 0;
  while (length + 1 < size) {
    int32_t from;
    char c;
    if (minos_read(&in, 1, &c, 1, &from) <= 0) break;
    if (c == '\n') break;
    line[length++] = c;
  }
  line[length] = 0;
  return length ? 0 : -1;
}

/* Until fd 0 is finished. */
static void wait_for_input_end(void) {
  char buffer[64];
  int32_t in = 0, from;
  while (minos_read(&in, 1, buffer, sizeof buffer, &from) > 0) {
  }
}

static int report_line(int32_t fd, const char *text) {
  return write_all(fd, text, (uint32_t)strlen(text)) == (int32_t)strlen(text) ? 0 : 99;
}

/* Kept where the compiler must assume they are read, or it may drop
 * the allocations altogether. */
static char *volatile grabbed[256]; /* 64 MiB at most */

static int grab(void) {
  enum { BLOCK = 256 * 1024 };
  unsigned long held = 0;
  for (size_t i = 0; i < sizeof grabbed / sizeof grabbed[0]; i++) {
    char *block = malloc(BLOCK);
    if (!block) break;
    memset(block, 1, BLOCK); /* really used */
    grabbed[i] = block;
    held += BLOCK / 1024;
  }
  char line[32];
  snprintf(line, sizeof line, "%lu\n", held);
  if (report_line(1, line) != 0) return 99;
  wait_for_input_end();
  return 0;
}

static int pipes(uint32_t capacity) {
  int32_t ends[2], made = 0, rc;
  while ((rc = minos_pipe(capacity, ends)) == 0) made++;
  char line[48];
  snprintf(line, sizeof line, "%d %s\n", made, status_name(rc));
  return report_line(1, line);
}

static unsigned char *own_code(uint32_t *size) {
  static unsigned char code[1 << 20];
  int32_t got = read_all(1, code, sizeof code);
  if (got <= 0) exit(99);
  *size = (uint32_t)got;
  return code;
}

static int spinners(int count) {
  uint32_t size;
  unsigned char *code = own_code(&size);
  minos_arch_spec spec = default_spec();
  int32_t cids[16];
  if (count > 16) return 99;
  for (int i = 0; i < count; i++) {
    struct child c = child_new(code, size, &spec, "spin");
    minos_wclose(c.in);
    minos_cstart(c.cid);
    cids[i] = c.cid;
  }
  for (int i = 0; i < count; i++) {
    minos_cell_status status;
    minos_cwait(cids[i], &status);
  }
  /* About 100 ms of work of its own: far less than the 300 ms it was
   * given, so it survives it only if its children did not spend them. */
  static volatile unsigned long counter;
  for (unsigned long i = 0; i < 100000000ul; i++) counter++;
  return 0;
}

static int children(void) {
  uint32_t size;
  unsigned char *code = own_code(&size);
  minos_arch_spec spec = default_spec();
  int32_t made = 0, rc;
  while ((rc = cnew_bytes(code, size, &spec)) > 0) made++;
  char line[48];
  snprintf(line, sizeof line, "%d %s\n", made, status_name(rc));
  return report_line(2, line);
}

int main(void) {
  char command[64];
  if (read_command(command, sizeof command) != 0) return 99;
  if (strcmp(command, "grab") == 0) return grab();
  if (strcmp(command, "wait") == 0) {
    wait_for_input_end();
    return 0;
  }
  if (strcmp(command, "spin") == 0) {
    while (forever) {
    }
    return 0;
  }
  if (strncmp(command, "pipes ", 6) == 0) return pipes((uint32_t)atoi(command + 6));
  if (strncmp(command, "spinners ", 9) == 0) return spinners(atoi(command + 9));
  if (strcmp(command, "children") == 0) return children();
  return 99;
}
