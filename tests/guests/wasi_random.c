/* SPDX-License-Identifier: Apache-2.0 */
/* random_get: independent draws differ and are not all zero; large and
 * empty requests work. */
#include <stdlib.h>
#include <unistd.h>

#include "wasi_check.h"

int main(void) {
  uint8_t first[32] = {0}, second[32] = {0}, zero[32] = {0};
  CHECK_WASI(__wasi_random_get(first, sizeof first), 0);
  CHECK_WASI(__wasi_random_get(second, sizeof second), 0);
  CHECK(memcmp(first, second, sizeof first) != 0);
  CHECK(memcmp(first, zero, sizeof zero) != 0);
  CHECK(memcmp(second, zero, sizeof zero) != 0);
  CHECK_WASI(__wasi_random_get(first, 0), 0);

  size_t size = 4 << 20;
  uint8_t *big = calloc(1, size);
  CHECK(big != NULL);
  if (big) {
    CHECK_WASI(__wasi_random_get(big, size), 0);
    size_t counts[256] = {0};
    for (size_t i = 0; i < size; i++) counts[big[i]]++;
    int plausible = 1;
    for (int value = 0; value < 256; value++)
      plausible &= counts[value] > size / 256 / 2 && counts[value] < size / 256 * 2;
    CHECK(plausible);
    free(big);
  }
  uint32_t value;
  CHECK(getentropy(&value, sizeof value) == 0);
  check_exit("wasi_random");
}
