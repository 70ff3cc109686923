/* SPDX-License-Identifier: Apache-2.0 */
/* echo: what comes in goes back out, line by line. A plain WASI program:
 * under a tcp trigger its stdin and stdout are one connection, and each
 * connection gets a fresh cell of its own. */
#include <stdio.h>

int main(void) {
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    fputs(line, stdout);
    fflush(stdout);
  }
  return 0;
}
