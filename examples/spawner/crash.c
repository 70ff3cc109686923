/* SPDX-License-Identifier: Apache-2.0 */
/* A child for the spawner that crashes after one line: only it ends. */
#include <stdio.h>

int main(void) {
  printf("about to crash\n");
  fflush(stdout);
  __builtin_trap();
}
