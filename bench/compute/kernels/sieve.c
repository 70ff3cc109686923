/* SPDX-License-Identifier: Apache-2.0 */
// Sieve of Eratosthenes over odd numbers, one bit per number: measures
// tight loops of shifts, masks and strided stores into a large array.
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel.h"

// Bit i of the set stands for the odd number 2i+1; a set bit means composite.
static int is_marked(const uint64_t *composite, uint32_t index) {
  return (int)((composite[index >> 6] >> (index & 63)) & 1);
}

static void mark(uint64_t *composite, uint32_t index) {
  composite[index >> 6] |= (uint64_t)1 << (index & 63);
}

int main(int argc, char **argv) {
  uint32_t limit = (uint32_t)size_argument(argc, argv, 300000000, "limit");
  if (limit < 3) limit = 3;
  uint32_t last_index = (limit - 1) / 2;
  size_t word_count = (size_t)last_index / 64 + 1;
  uint64_t *composite = calloc(word_count, sizeof *composite);
  if (composite == NULL) {
    fprintf(stderr, "sieve: out of memory\n");
    return 1;
  }

  int64_t start = monotonic_nanoseconds();
  for (uint32_t index = 1;; index++) {
    uint64_t prime = 2 * (uint64_t)index + 1;
    if (prime * prime > limit) break;
    if (is_marked(composite, index)) continue;
    // Odd multiples of p are p apart in index space; start at p*p.
    for (uint64_t multiple = (prime * prime - 1) / 2; multiple <= last_index;
         multiple += prime)
      mark(composite, (uint32_t)multiple);
  }
  // Folding every prime into the checksum makes it depend on each bit.
  uint64_t prime_count = 1;
  uint64_t checksum = 2;
  for (uint32_t index = 1; index <= last_index; index++) {
    if (is_marked(composite, index)) continue;
    prime_count++;
    checksum = checksum * 1000003 + (2 * (uint64_t)index + 1);
  }
  int64_t elapsed = monotonic_nanoseconds() - start;

  printf("kernel=sieve ns=%lld checksum=%016llx\n", (long long)elapsed,
         (unsigned long long)(checksum ^ prime_count));
  free(composite);
  return 0;
}
