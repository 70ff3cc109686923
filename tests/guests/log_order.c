/* SPDX-License-Identifier: Apache-2.0 */
/* A cell whose last words must reach the log before its end does:
 *
 *   log_order exit|crash [LINES]   LINES lines (default 20) on stdout and
 *                                  stderr in turn, "out N" and "err N", then
 *                                  "last words" on stderr without a newline,
 *                                  then at once exit 0 or a trap
 *   log_order count [LINES]        "count N" on stdout, N from 1 to LINES
 *                                  (default: forever), 100 lines a second
 *
 * Built for wasm32-wasi and as a native program alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void talk_then_end(const char *how, long lines) {
  for (long i = 1; i <= lines; i++) {
    if (i % 2) printf("out %ld\n", i);
    else fprintf(stderr, "err %ld\n", i);
  }
  fflush(stdout);
  fputs("last words", stderr);
  fflush(stderr);
  if (strcmp(how, "crash") == 0) __builtin_trap();
  exit(0);
}

static void count(long lines) {
  struct timespec pause = {0, 10 * 1000000};
  for (long i = 1; lines == 0 || i <= lines; i++) {
    printf("count %ld\n", i);
    fflush(stdout);
    nanosleep(&pause, NULL);
  }
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  long lines = argc > 2 ? atol(argv[2]) : 0;
  if (strcmp(what, "exit") == 0 || strcmp(what, "crash") == 0) {
    talk_then_end(what, lines ? lines : 20);
  } else if (strcmp(what, "count") == 0) {
    count(lines);
  } else {
    fprintf(stderr, "log_order: unknown action '%s'\n", what);
    return 2;
  }
  return 0;
}
