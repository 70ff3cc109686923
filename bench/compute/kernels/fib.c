/* SPDX-License-Identifier: Apache-2.0 */
// Recursive Fibonacci: measures call overhead and the cost of a deep,
// branchy call tree, which wasm2c turns into ordinary C calls plus a
// stack-depth check per call.
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel.h"

static uint64_t fibonacci(unsigned n) {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

int main(int argc, char **argv) {
  // n comes from argv so the compiler cannot fold the whole call tree away.
  unsigned n = (unsigned)size_argument(argc, argv, 43, "n");
  if (n > 90) {
    fprintf(stderr, "fib: n must be at most 90\n");
    return 2;
  }

  int64_t start = monotonic_nanoseconds();
  uint64_t result = fibonacci(n);
  int64_t elapsed = monotonic_nanoseconds() - start;

  printf("kernel=fib ns=%lld checksum=%llu\n", (long long)elapsed,
         (unsigned long long)result);
  return 0;
}
