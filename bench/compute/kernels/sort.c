/* SPDX-License-Identifier: Apache-2.0 */
// Quicksort of pseudo-random 32-bit integers, written out rather than
// calling qsort so the benchmark measures compiled guest code, not the
// host's or wasi-libc's sort: unpredictable branches, swaps and recursion.
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel.h"

static uint64_t next_random(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 0x2545f4914f6cdd1dull;
}

static void swap(uint32_t *first, uint32_t *second) {
  uint32_t saved = *first;
  *first = *second;
  *second = saved;
}

static void insertion_sort(uint32_t *values, size_t count) {
  for (size_t i = 1; i < count; i++) {
    uint32_t value = values[i];
    size_t j = i;
    for (; j > 0 && values[j - 1] > value; j--) values[j] = values[j - 1];
    values[j] = value;
  }
}

static void quicksort(uint32_t *values, size_t count) {
  // Recursing only into the smaller side bounds the stack depth by
  // log2(count), which matters inside a wasm cell with a fixed stack.
  while (count > 16) {
    size_t middle = count / 2, last = count - 1;
    // Median of three, left in values[middle], guards against sorted input.
    if (values[middle] < values[0]) swap(&values[middle], &values[0]);
    if (values[last] < values[0]) swap(&values[last], &values[0]);
    if (values[last] < values[middle]) swap(&values[last], &values[middle]);
    uint32_t pivot = values[middle];

    // Hoare partition: stops at elements equal to the pivot, so runs of
    // duplicates still split evenly.
    size_t left = 0, right = last;
    for (;;) {
      while (values[left] < pivot) left++;
      while (values[right] > pivot) right--;
      if (left >= right) break;
      swap(&values[left], &values[right]);
      left++;
      right--;
    }
    size_t lower_count = right + 1;
    if (lower_count < count - lower_count) {
      quicksort(values, lower_count);
      values += lower_count;
      count -= lower_count;
    } else {
      quicksort(values + lower_count, count - lower_count);
      count = lower_count;
    }
  }
  insertion_sort(values, count);
}

int main(int argc, char **argv) {
  size_t count = (size_t)size_argument(argc, argv, 6000000, "count");
  uint32_t *values = malloc(count * sizeof *values);
  if (values == NULL) {
    fprintf(stderr, "sort: out of memory\n");
    return 1;
  }
  uint64_t state = 0x853c49e6748fea9bull;
  for (size_t i = 0; i < count; i++) values[i] = (uint32_t)(next_random(&state) >> 32);

  int64_t start = monotonic_nanoseconds();
  quicksort(values, count);
  int64_t elapsed = monotonic_nanoseconds() - start;

  // Position-weighted, so a wrong order changes the checksum even when the
  // multiset of values is right.
  uint64_t checksum = 0;
  for (size_t i = 0; i < count; i++) {
    if (i > 0 && values[i - 1] > values[i]) {
      fprintf(stderr, "sort: output is not sorted at index %zu\n", i);
      return 1;
    }
    checksum = checksum * 0x100000001b3ull + values[i];
  }
  printf("kernel=sort ns=%lld checksum=%016llx\n", (long long)elapsed,
         (unsigned long long)checksum);
  free(values);
  return 0;
}
