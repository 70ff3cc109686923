/* SPDX-License-Identifier: Apache-2.0 */
/* The child the guest API tests start (api_children, api_spinner, ...).
 * It gets no arguments: its parent passes a command channel as its first
 * descriptor (0) holding one line, the command, and maybe data after it.
 *
 *   exit N         exit with N
 *   trap KIND      end in that trap (the kinds of traps.c)
 *   spin           loop for ever, burning CPU (first writing "s" to fd 1,
 *                  if it has one)
 *   block          wait for ever on a channel nobody writes, burning nothing
 *   echo           copy the rest of fd 0 to fd 1 (minos read/write), exit 0
 *   wasi-echo      the same through WASI read()/write(), then printf a count
 *   sink           count and hash the rest of fd 0; write "COUNT HASH\n" to fd 1
 *   hello          printf "hello from child" (fd 1, as WASI stdout)
 *   numbering      fds 1, 2 are write ends, 3 a read end (see below)
 *   spawn-block    fd 1: a finished read end holding this module's code,
 *                  fd 2: a write end; start a grandchild that blocks holding
 *                  fd 2, and exit 0 without waiting for it
 *   spawn-block-stay  the same, then write "ready\n" to fd 3 (a write end)
 *                  and block until killed
 *   memory MIB     exit 0 if MIB MiB can be allocated, 3 if not
 *   sleep MS       sleep (WASI poll_oneoff on a clock), then exit 0
 *
 * It exits 99 (or traps) when something the parent arranged is not there. */
#include <limits.h>
#include <minos.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*unary_function)(int);

static volatile int zero = 0;
static volatile int minus_one = -1;
static volatile double not_a_number = __builtin_nan("");
static volatile int forever = 1;

__attribute__((noinline)) static int divide(int a, int b) { return a / b; }
__attribute__((noinline)) static int load_far_away(void) {
  return *(volatile int *)(uintptr_t)0xfffffff0u;
}
__attribute__((noinline)) static int recurse_forever(int depth) {
  if (!forever) return depth;
  return recurse_forever(depth + 1) * 3 + recurse_forever(depth + 2);
}
__attribute__((noinline)) static int add_one(int a) { return a + 1; }
__attribute__((noinline)) static int add(int a, int b) { return a + b; }
__attribute__((noinline)) static int call_through(void *pointer, int argument) {
  return ((unary_function)pointer)(argument);
}
__attribute__((noinline)) static int to_integer(double value) {
  return __builtin_wasm_trunc_s_i32_f64(value);
}

static int trap(const char *kind) {
  int result = add_one(0);
  if (strcmp(kind, "unreachable") == 0) __builtin_trap();
  else if (strcmp(kind, "divide-by-zero") == 0) result = divide(1, zero);
  else if (strcmp(kind, "integer-overflow") == 0) result = divide(INT_MIN, minus_one);
  else if (strcmp(kind, "memory") == 0) result = load_far_away();
  else if (strcmp(kind, "stack") == 0) result = recurse_forever(0);
  else if (strcmp(kind, "null-function") == 0) result = call_through(NULL, 1);
  else if (strcmp(kind, "type-mismatch") == 0) result = call_through((void *)add, 1);
  else if (strcmp(kind, "table-bounds") == 0) result = call_through((void *)(uintptr_t)0x7fffff, 1);
  else if (strcmp(kind, "conversion") == 0) result = to_integer(not_a_number);
  return 90 + (result & 1); /* survived: the parent sees an exit, not a fault */
}

/* Reads fd 0 byte by byte up to the newline, so what follows stays in the
 * channel for the command. */
static int read_command(char *line, size_t size) {
  size_t length = 0;
  int32_t in = 0;
  while (length + 1 < size) {
    int32_t from;
    char c;
    int32_t n = minos_read(&in, 1, &c, 1, &from);
    if (n <= 0) break;
    if (c == '\n') {
      line[length] = 0;
      return 0;
    }
    line[length++] = c;
  }
  line[length] = 0;
  return -1;
}

static int copy_minos(int32_t in, int32_t out) {
  static char buffer[4096];
  for (;;) {
    int32_t from;
    int32_t n = minos_read(&in, 1, buffer, sizeof buffer, &from);
    if (n < 0) return 99;
    if (n == 0) return 0;
    for (int32_t done = 0; done < n;) {
      int32_t w = minos_write(out, buffer + done, (uint32_t)(n - done));
      if (w <= 0) return 99;
      done += w;
    }
  }
}

static int wasi_echo(void) {
  static char buffer[4096];
  long total = 0;
  for (;;) {
    ssize_t n = read(0, buffer, sizeof buffer);
    if (n < 0) return 98;
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(1, buffer + done, (size_t)(n - done));
      if (w <= 0) return 97;
      done += w;
    }
    total += n;
  }
  printf("wasi-echo copied %ld bytes\n", total);
  return fflush(stdout) == 0 ? 0 : 96;
}

static int sink(void) {
  static unsigned char buffer[4096];
  uint32_t count = 0, hash = 2166136261u;
  int32_t in = 0;
  for (;;) {
    int32_t from;
    int32_t n = minos_read(&in, 1, buffer, sizeof buffer, &from);
    if (n < 0) return 99;
    if (n == 0) break;
    for (int32_t i = 0; i < n; i++) hash = (hash ^ buffer[i]) * 16777619u;
    count += (uint32_t)n;
  }
  char line[64];
  int length = snprintf(line, sizeof line, "%u %08x\n", count, hash);
  return minos_write(1, line, (uint32_t)length) == length ? 0 : 99;
}

/* fds 1 and 2 are write ends, 3 a read end holding "three" then finished,
 * and nothing else is held: writes "one|three" to 1 and "two" to 2. Exit
 * 0 if everything was where the parent said. */
static int numbering(void) {
  char three[16] = {0};
  int32_t in = 3, from = -1, got = 0, n;
  while ((n = minos_read(&in, 1, three + got, (uint32_t)(sizeof three - 1 - got), &from)) > 0)
    got += n;
  if (n != 0 || strcmp(three, "three") != 0 || from != 3) return 10;
  char line[32];
  int length = snprintf(line, sizeof line, "one|%s", three);
  if (minos_write(1, line, (uint32_t)length) != length) return 11;
  if (minos_write(2, "two", 3) != 3) return 12;
  if (minos_wclose(4) != -MINOS_EBADF) return 13;   /* a fifth was never passed */
  if (minos_rclose(1) != -MINOS_EPERM) return 14;   /* 1 is a write end */
  if (minos_write(3, "x", 1) != -MINOS_EPERM) return 15; /* 3 is a read end */
  return 0;
}

static int block(void);

static int spawn_block(int stay) {
  minos_arch_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.size = sizeof spec;
  spec.arch = MINOS_ARCH_WASM;
  int32_t cid = minos_cnew(1, &spec, sizeof spec);
  if (cid <= 0) return 20;
  int32_t ends[2];
  if (minos_pipe(0, ends) != 0) return 21;
  if (minos_rpass(ends[1], cid) != 0) return 22;
  if (minos_wpass(2, cid) != 1) return 23;
  if (minos_write(ends[0], "block\n", 6) != 6) return 24;
  if (minos_cstart(cid) != 0) return 25;
  if (!stay) return 0; /* ends while the grandchild still runs */
  if (minos_write(3, "ready\n", 6) != 6) return 26;
  return block(); /* until killed */
}

static int block(void) {
  int32_t ends[2];
  if (minos_pipe(0, ends) != 0) return 30;
  char c;
  int32_t from;
  minos_read(&ends[1], 1, &c, 1, &from); /* nobody will ever write */
  return 31;
}

/* Memory a previous cell of the same worker may have left behind: its
 * bss (this static area), the heap's free space and pages it grew (by
 * memory.grow itself: malloc writes its own bookkeeping into grown pages).
 * "scribble" fills them with a secret, "zeros" exits 0 only if it finds
 * none of it. */
static unsigned char static_area[65536];
enum { GROWN_PAGES = 48, SECRET = 0xa5 };

static unsigned char *grow(void) {
  size_t old_pages = __builtin_wasm_memory_grow(0, GROWN_PAGES);
  return old_pages == SIZE_MAX ? NULL : (unsigned char *)(old_pages * 65536u);
}

static int scribble(void) {
  memset(static_area, SECRET, sizeof static_area);
  unsigned char *grown = grow();
  if (!grown) return 3;
  memset(grown, SECRET, GROWN_PAGES * 65536u);
  return 0;
}

static int count_nonzero(const unsigned char *bytes, size_t size) {
  int found = 0;
  for (size_t i = 0; i < size; i++) found += bytes[i] != 0;
  return found;
}

static int zeros(void) {
  if (count_nonzero(static_area, sizeof static_area)) return 10;
  extern unsigned char __heap_base;
  size_t end = __builtin_wasm_memory_size(0) * 65536u;
  if (count_nonzero(&__heap_base, end - (size_t)(uintptr_t)&__heap_base)) return 11;
  unsigned char *grown = grow();
  if (!grown) return 3;
  return count_nonzero(grown, GROWN_PAGES * 65536u) ? 12 : 0;
}

int main(void) {
  char command[128];
  if (read_command(command, sizeof command) != 0) return 99;
  if (strncmp(command, "exit ", 5) == 0) return atoi(command + 5);
  if (strncmp(command, "trap ", 5) == 0) return trap(command + 5);
  if (strcmp(command, "spin") == 0) {
    volatile unsigned long spins = 0;
    minos_write(1, "s", 1); /* "spinning now", if the parent gave it an fd 1 */
    while (forever) spins++;
    return 32;
  }
  if (strcmp(command, "block") == 0) return block();
  if (strcmp(command, "echo") == 0) return copy_minos(0, 1);
  if (strcmp(command, "wasi-echo") == 0) return wasi_echo();
  if (strcmp(command, "sink") == 0) return sink();
  if (strcmp(command, "hello") == 0) {
    printf("hello from child\n");
    return fflush(stdout) == 0 ? 0 : 96;
  }
  if (strcmp(command, "numbering") == 0) return numbering();
  if (strcmp(command, "spawn-block") == 0) return spawn_block(0);
  if (strcmp(command, "spawn-block-stay") == 0) return spawn_block(1);
  if (strncmp(command, "sleep ", 6) == 0) {
    usleep((useconds_t)atoi(command + 6) * 1000u); /* poll_oneoff with a clock */
    return 0;
  }
  if (strcmp(command, "scribble") == 0) return scribble();
  if (strcmp(command, "zeros") == 0) return zeros();
  if (strncmp(command, "memory ", 7) == 0) {
    size_t bytes = (size_t)atoi(command + 7) << 20;
    char *p = malloc(bytes);
    if (!p) return 3;
    memset(p, 1, bytes);
    return p[bytes - 1] == 1 ? 0 : 4;
  }
  return 99;
}
