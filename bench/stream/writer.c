/* SPDX-License-Identifier: Apache-2.0 */
/* The writing cell of bench/stream: fd 0 is a read end holding the write
 * size (4 bytes, little-endian), fd 1 the data channel's write end. Writes
 * that many bytes per call, again and again, until the reader closes its
 * end (MINOS_ECLOSED), then exits 0. */
#include <minos.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  uint32_t size = 0;
  int32_t in = 0, from;
  if (minos_read(&in, 1, &size, sizeof size, &from) != sizeof size || size == 0) return 10;
  unsigned char *data = malloc(size);
  if (!data) return 11;
  memset(data, 0x5a, size);
  for (;;) {
    int32_t n = minos_write(1, data, size);
    if (n == -MINOS_ECLOSED) return 0;
    if (n <= 0) return 12;
  }
}
