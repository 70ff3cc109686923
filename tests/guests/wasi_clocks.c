/* SPDX-License-Identifier: Apache-2.0 */
/* Clocks: resolutions, realtime near now, monotonic never going back, and
 * the CPU-time clocks advancing while the guest computes. */
#include <time.h>

#include "wasi_check.h"

static __wasi_timestamp_t now(__wasi_clockid_t clock) {
  __wasi_timestamp_t time = 0;
  CHECK_WASI(__wasi_clock_time_get(clock, 1, &time), 0);
  return time;
}

static volatile uint64_t sink;

/* Computes until `clock` shows 30 ms more, or 5 s have passed on the
 * wall (so a CPU clock that never moves fails instead of hanging). */
static __wasi_timestamp_t spin(__wasi_clockid_t clock) {
  __wasi_timestamp_t start = now(clock), wall = now(__WASI_CLOCKID_MONOTONIC);
  while (now(clock) - start < 30000000 && now(__WASI_CLOCKID_MONOTONIC) - wall < 5000000000ull)
    for (int i = 0; i < 10000; i++) sink = sink * 6364136223846793005ull + 1;
  return now(clock) - start;
}

int main(void) {
  static const __wasi_clockid_t clocks[] = {
      __WASI_CLOCKID_REALTIME, __WASI_CLOCKID_MONOTONIC, __WASI_CLOCKID_PROCESS_CPUTIME_ID,
      __WASI_CLOCKID_THREAD_CPUTIME_ID};
  for (int i = 0; i < 4; i++) {
    __wasi_timestamp_t resolution = 0;
    CHECK_WASI(__wasi_clock_res_get(clocks[i], &resolution), 0);
    CHECK(resolution > 0 && resolution <= 1000000000ull);
  }
  __wasi_timestamp_t unused;
  CHECK_WASI(__wasi_clock_time_get(4, 1, &unused), __WASI_ERRNO_INVAL);
  CHECK_WASI(__wasi_clock_res_get(99, &unused), __WASI_ERRNO_INVAL);

  /* realtime: after 2020-01-01 and before 2100-01-01 */
  __wasi_timestamp_t real = now(__WASI_CLOCKID_REALTIME);
  CHECK(real > 1577836800ull * 1000000000ull && real < 4102444800ull * 1000000000ull);
  CHECK(time(NULL) > 1577836800);

  __wasi_timestamp_t previous = now(__WASI_CLOCKID_MONOTONIC), last = previous;
  int went_back = 0;
  for (int i = 0; i < 10000; i++) {
    __wasi_timestamp_t next = now(__WASI_CLOCKID_MONOTONIC);
    went_back |= next < last;
    last = next;
  }
  CHECK(!went_back && last > previous);

  /* computing shows on both CPU clocks (the process one counts at least
   * what the thread one does) */
  __wasi_timestamp_t process = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
  CHECK(spin(__WASI_CLOCKID_THREAD_CPUTIME_ID) >= 30000000);
  CHECK(now(__WASI_CLOCKID_PROCESS_CPUTIME_ID) - process >= 30000000);
  CHECK(spin(__WASI_CLOCKID_PROCESS_CPUTIME_ID) >= 30000000);

  struct timespec spec;
  CHECK(clock_gettime(CLOCK_MONOTONIC, &spec) == 0 && (spec.tv_sec > 0 || spec.tv_nsec > 0));
  check_exit("wasi_clocks");
}
