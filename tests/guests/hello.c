/* SPDX-License-Identifier: Apache-2.0 */
/* The smallest WASI command: output, and an exit code that is not 0. */
#include <stdio.h>

int main(void) {
  printf("hello from a sealed cell\n");
  return 7;
}
