/* SPDX-License-Identifier: Apache-2.0 */
/* A statically linked native program: it needs no file to load. */
#include <stdio.h>

int main(void) {
  puts("hello from a static native program");
  return 0;
}
