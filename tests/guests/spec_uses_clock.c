/* SPDX-License-Identifier: Apache-2.0 */
/* Imports wasi clock_time_get: a spec must grant it the clock. */
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  printf("%lld\n", (long long)now.tv_sec);
  return 0;
}
