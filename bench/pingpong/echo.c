/* SPDX-License-Identifier: Apache-2.0 */
/* The far cell of bench/pingpong: fd 0 is a read end, fd 1 a write end
 * (passed in that order by the parent). Sends every byte it gets back, one
 * at a time, until fd 0 is finished. */
#include <minos.h>

int main(void) {
  int32_t in = 0, from;
  char c;
  for (;;) {
    int32_t n = minos_read(&in, 1, &c, 1, &from);
    if (n == 0) return 0;
    if (n != 1) return 10;
    if (minos_write(1, &c, 1) != 1) return 11;
  }
}
