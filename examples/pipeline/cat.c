/* SPDX-License-Identifier: Apache-2.0 */
/* cat: stdin to stdout. A plain WASI program: it knows nothing of minos. */
#include <stdio.h>

int main(void) {
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0)
    if (fwrite(buffer, 1, n, stdout) != n) return 1;
  return ferror(stdin) || fflush(stdout) ? 1 : 0;
}
