/* SPDX-License-Identifier: Apache-2.0 */
/* What every compute program shares: its clock and its one argument.
 * Each program is built twice, natively and for wasm32-wasi, from the
 * same source; this header is part of both builds. */
#ifndef MINOS_BENCH_COMPUTE_KERNEL_H
#define MINOS_BENCH_COMPUTE_KERNEL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t monotonic_nanoseconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* argv[1], a positive whole number, or default_size without it; `what`
 * names it in the usage line. */
static long size_argument(int argc, char **argv, long default_size, const char *what) {
  if (argc < 2) return default_size;
  char *end;
  long size = strtol(argv[1], &end, 10);
  if (*end != '\0' || size <= 0) {
    fprintf(stderr, "usage: %s [%s]\n", argv[0], what);
    exit(2);
  }
  return size;
}

#endif
