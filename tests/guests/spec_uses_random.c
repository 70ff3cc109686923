/* SPDX-License-Identifier: Apache-2.0 */
/* Imports wasi random_get: a spec must grant it randomness. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  unsigned char byte = 0;
  getentropy(&byte, 1);
  printf("%u\n", byte);
  return 0;
}
