/* SPDX-License-Identifier: Apache-2.0 */
/* Native benchmark helpers: the time-stamp counter, its frequency measured
 * against CLOCK_MONOTONIC, and monotonic nanoseconds.
 *
 * Cycles here are TSC ticks (constant rate on every x86-64 of the last
 * decade), the unit IPC papers quote; wasm guests have no TSC, so their
 * runners convert nanoseconds with the frequency measured here. */
#ifndef MINOS_BENCH_TSC_H
#define MINOS_BENCH_TSC_H

#include <stdint.h>
#include <time.h>

static inline uint64_t bench_rdtsc(void) { return __builtin_ia32_rdtsc(); }

static inline int64_t bench_now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* TSC ticks per second, over about 100 ms; the best of a few tries (the
 * shortest bracket of each clock read) is kept so a preemption between
 * the two clocks costs little. */
static inline double bench_tsc_hz(void) {
  double best = 0;
  int64_t best_bracket = -1;
  for (int attempt = 0; attempt < 3; attempt++) {
    uint64_t t0 = bench_rdtsc();
    int64_t n0 = bench_now_ns();
    uint64_t t0b = bench_rdtsc();
    int64_t deadline = n0 + 33 * 1000000;
    while (bench_now_ns() < deadline) {
    }
    uint64_t t1 = bench_rdtsc();
    int64_t n1 = bench_now_ns();
    uint64_t t1b = bench_rdtsc();
    int64_t bracket = (int64_t)((t0b - t0) + (t1b - t1));
    double hz = (double)((t1 + t1b) / 2 - (t0 + t0b) / 2) * 1e9 / (double)(n1 - n0);
    if (best_bracket < 0 || bracket < best_bracket) {
      best_bracket = bracket;
      best = hz;
    }
  }
  return best;
}

#endif
