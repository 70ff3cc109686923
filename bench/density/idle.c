/* SPDX-License-Identifier: Apache-2.0 */
/* An idle cell: says it is ready (one byte on stdout), then blocks in a
 * channel read on stdin until the host closes it. */
#include <minos.h>

int main(void) {
  char byte = 'r';
  if (minos_write(1, &byte, 1) != 1) return 1;
  int32_t in = 0, from;
  return minos_read(&in, 1, &byte, 1, &from) == 0 ? 0 : 2;
}
