/* SPDX-License-Identifier: Apache-2.0 */
/* cat: copies stdin to stdout through raw fd_read/fd_write with several
 * iovecs of odd sizes, so scatter/gather and partial transfers are
 * exercised. Prints the byte count on stderr. */
#include "wasi_check.h"

static uint8_t buffer[3][4099];

static int write_all(const uint8_t *bytes, size_t length) {
  while (length > 0) {
    __wasi_ciovec_t pieces[2] = {{bytes, length / 2}, {bytes + length / 2, length - length / 2}};
    __wasi_size_t written;
    if (__wasi_fd_write(1, pieces, 2, &written) != 0 || written == 0) return -1;
    bytes += written;
    length -= written;
  }
  return 0;
}

int main(void) {
  static const size_t sizes[3] = {1, 4099, 977};
  unsigned long long total = 0;
  for (;;) {
    __wasi_iovec_t pieces[3];
    for (int i = 0; i < 3; i++) pieces[i] = (__wasi_iovec_t){buffer[i], sizes[i]};
    __wasi_size_t got;
    __wasi_errno_t error = __wasi_fd_read(0, pieces, 3, &got);
    if (error) {
      fprintf(stderr, "read failed: %d\n", error);
      return 1;
    }
    if (got == 0) break;
    total += got;
    for (int i = 0; i < 3 && got > 0; i++) {
      size_t part = got < sizes[i] ? got : sizes[i];
      if (write_all(buffer[i], part) != 0) {
        fprintf(stderr, "write failed\n");
        return 1;
      }
      got -= part;
    }
  }
  fprintf(stderr, "copied %llu bytes\n", total);
  return 0;
}
