/* SPDX-License-Identifier: Apache-2.0 */
// Dense double-precision matrix multiply, C = A * B with n x n matrices:
// measures floating-point throughput and linear-memory loads and stores.
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel.h"

// xorshift64*: the same sequence on every platform, unlike rand().
static uint64_t next_random(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 0x2545f4914f6cdd1dull;
}

// A value in [-1, 1) built from 53 random bits, so conversion is exact.
static double random_unit(uint64_t *state) {
  return (double)(next_random(state) >> 11) * 0x1.0p-52 - 1.0;
}

static uint64_t mix_checksum(uint64_t checksum, uint64_t value) {
  return (checksum ^ value) * 0x100000001b3ull;
}

int main(int argc, char **argv) {
  size_t n = (size_t)size_argument(argc, argv, 1000, "n");
  double *a = malloc(n * n * sizeof *a);
  double *b = malloc(n * n * sizeof *b);
  double *c = calloc(n * n, sizeof *c);
  if (a == NULL || b == NULL || c == NULL) {
    fprintf(stderr, "matmul: out of memory\n");
    return 1;
  }
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < n * n; i++) a[i] = random_unit(&state);
  for (size_t i = 0; i < n * n; i++) b[i] = random_unit(&state);

  int64_t start = monotonic_nanoseconds();
  // i-k-j order walks B and C row by row; every C element still sums its
  // products in increasing k, so the result is bit-identical everywhere.
  for (size_t i = 0; i < n; i++) {
    double *c_row = c + i * n;
    for (size_t k = 0; k < n; k++) {
      double a_element = a[i * n + k];
      const double *b_row = b + k * n;
      for (size_t j = 0; j < n; j++) c_row[j] += a_element * b_row[j];
    }
  }
  int64_t elapsed = monotonic_nanoseconds() - start;

  uint64_t checksum = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n * n; i++) {
    uint64_t bits;
    memcpy(&bits, &c[i], sizeof bits);
    checksum = mix_checksum(checksum, bits);
  }
  printf("kernel=matmul ns=%lld checksum=%016llx\n", (long long)elapsed,
         (unsigned long long)checksum);
  free(a);
  free(b);
  free(c);
  return 0;
}
