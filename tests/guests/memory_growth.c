/* SPDX-License-Identifier: Apache-2.0 */
/* Grows linear memory page by page up to the cell's limit: every page
 * granted must be usable and zeroed, and growth past the limit must fail
 * cleanly (memory.grow returns -1) without ending the cell.
 * argv[1]: the number of pages growth should stop at. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: memory_growth EXPECTED_PAGES\n");
    return 64;
  }
  long expected = strtol(argv[1], NULL, 10);
  long pages = (long)__builtin_wasm_memory_size(0);
  for (;;) {
    long previous = (long)__builtin_wasm_memory_grow(0, 1);
    if (previous == -1) break;
    if (previous != pages) {
      printf("grow returned %ld, expected %ld\n", previous, pages);
      return 1;
    }
    volatile unsigned char *page = (unsigned char *)(pages * 65536);
    for (long i = 0; i < 65536; i += 4096) {
      if (page[i] != 0) {
        printf("page %ld not zeroed\n", pages);
        return 1;
      }
      page[i] = (unsigned char)i;
    }
    pages++;
  }
  if (pages != expected) {
    printf("growth stopped at %ld pages, expected %ld\n", pages, expected);
    return 1;
  }
  if (__builtin_wasm_memory_grow(0, 1) != (unsigned long)-1) {
    printf("growth past the limit succeeded on retry\n");
    return 1;
  }
  printf("grew to %ld pages; growth past the limit refused\n", pages);
  return 0;
}
