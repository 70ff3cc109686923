/* SPDX-License-Identifier: Apache-2.0 */
/* spawner: starts a child cell for each module it receives on stdin.
 *
 *   for m in a.wasm b.wasm; do wc -c <$m; cat $m; done | minos run spawner.wasm
 *
 * stdin is a channel carrying frames: a line with a module's size in
 * bytes, then that many bytes of code. For each frame the spawner copies
 * the code into a channel of its own and creates the child from it
 * (cnew), then passes it two descriptors: a channel holding a job line as
 * its stdin (0) and a channel back to the spawner as its stdout (1). It
 * prints what the child wrote, prefixed with the child's number, and how
 * the child ended. A child that traps ends alone; the spawner goes on. */
#include <minos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *error_name(int32_t rc) {
  static const char *const names[] = {"ok", "bad descriptor", "closed", "not permitted",
                                      "limit", "timed out", "bad pointer", "invalid argument",
                                      "out of memory", "would block", "not a valid module",
                                      "initialisation failed", "peer restarted", "runtime error"};
  return rc < 0 && -rc < (int32_t)(sizeof names / sizeof names[0]) ? names[-rc] : "error";
}

static int write_all(int32_t wfd, const void *data, uint32_t length) {
  for (uint32_t done = 0; done < length;) {
    int32_t n = minos_write(wfd, (const char *)data + done, length - done);
    if (n <= 0) return -1;
    done += (uint32_t)n;
  }
  return 0;
}

/* One child: code from `code` (a finished read end). Returns 0 if it exited 0. */
static int run_child(int number, int32_t code) {
  minos_arch_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.size = sizeof spec;
  spec.arch = MINOS_ARCH_WASM;
  spec.cpu_time_ns = 5000000000ull; /* 5 s of CPU at most */
  int32_t cid = minos_cnew(code, &spec, sizeof spec);
  if (cid < 0) {
    printf("[%d] not started: %s\n", number, error_name(cid));
    return 1;
  }
  int32_t in[2], out[2];
  if (minos_pipe(0, in) != 0 || minos_pipe(0, out) != 0) return 1;
  if (minos_rpass(in[1], cid) != 0 || minos_wpass(out[0], cid) != 1) return 1;
  char job[64];
  int length = snprintf(job, sizeof job, "job %d\n", number);
  write_all(in[0], job, (uint32_t)length); /* fits in the channel: no need to wait */
  minos_wclose(in[0]);
  minos_cstart(cid);

  /* Its output, line by line, until it ends (its stdout is finished). */
  char line[256];
  size_t used = 0;
  for (;;) {
    int32_t from;
    int32_t n = minos_read(&out[1], 1, line + used, (uint32_t)(sizeof line - 1 - used), &from);
    if (n < 0) break;
    used += (size_t)n;
    char *newline;
    while ((newline = memchr(line, '\n', used)) || (n == 0 && used > 0) ||
           used == sizeof line - 1) {
      size_t take = newline ? (size_t)(newline - line) + 1 : used;
      printf("[%d] %.*s%s", number, (int)take, line, newline ? "" : "\n");
      memmove(line, line + take, used - take);
      used -= take;
    }
    if (n == 0) break;
  }
  minos_rclose(out[1]);

  minos_cell_status status;
  if (minos_cwait(cid, &status) != 0) return 1;
  if (status.fault == MINOS_FAULT_NONE) {
    printf("[%d] exited %u\n", number, status.exit_code);
    return status.exit_code != 0;
  }
  printf("[%d] ended: %s\n", number, minos_fault_text(status.fault));
  return 1;
}

/* Reads the frame header "SIZE\n" from stdin; -1 at the end. */
static long read_size(void) {
  char text[24];
  size_t length = 0;
  int32_t in = 0;
  for (;;) {
    int32_t from;
    char c;
    int32_t n = minos_read(&in, 1, &c, 1, &from);
    if (n <= 0) return length ? -2 : -1;
    if (c == '\n') break;
    if (c == ' ' || c == '\t') continue;
    if (c < '0' || c > '9' || length + 1 >= sizeof text) return -2;
    text[length++] = c;
  }
  text[length] = 0;
  return length ? atol(text) : -2;
}

int main(void) {
  static unsigned char buffer[65536];
  int children = 0, failures = 0;
  for (;;) {
    long size = read_size();
    if (size == -1) break;
    if (size <= 0 || size > (long)MINOS_CHANNEL_MAX_CAPACITY) {
      fprintf(stderr, "spawner: bad frame header on stdin\n");
      return 2;
    }
    /* Copy the frame into a channel of exactly its size, then cnew from it. */
    int32_t code[2];
    if (minos_pipe((uint32_t)size, code) != 0) return 1;
    for (long left = size; left > 0;) {
      int32_t from, in = 0;
      uint32_t want = left < (long)sizeof buffer ? (uint32_t)left : sizeof buffer;
      int32_t n = minos_read(&in, 1, buffer, want, &from);
      if (n <= 0 || write_all(code[0], buffer, (uint32_t)n) != 0) {
        fprintf(stderr, "spawner: stdin ended inside a module\n");
        return 2;
      }
      left -= n;
    }
    minos_wclose(code[0]);
    children++;
    printf("spawner: child %d, %ld bytes of code\n", children, size);
    failures += run_child(children, code[1]);
    fflush(stdout);
  }
  printf("spawner: %d children, %d exited 0, %d did not\n", children, children - failures,
         failures);
  return 0;
}
