/* SPDX-License-Identifier: Apache-2.0 */
// The smallest useful guest: start-up and exit cost, nothing else.
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  return 0;
}
