/* SPDX-License-Identifier: Apache-2.0 */
/* The few synchronisation primitives the core is built on: a spinlock for
 * the short critical sections of channels and cells (never held across a
 * context switch or a system call that can block), futex waits for threads
 * with nothing to run, and the monotonic clock every deadline is measured
 * on. */
#ifndef MINOS_CORE_SYNC_H
#define MINOS_CORE_SYNC_H

#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_NEVER UINT64_MAX

typedef struct spinlock {
  atomic_bool held;
} spinlock;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static inline void spinlock_lock(spinlock *lock) {
  for (unsigned spins = 0;; spins++) {
    if (!atomic_load_explicit(&lock->held, memory_order_relaxed) &&
        !atomic_exchange_explicit(&lock->held, true, memory_order_acquire))
      return;
    /* The holder may have been descheduled by the kernel: let it run. */
    if (spins >= 1000) sched_yield();
    else cpu_relax();
  }
}

static inline void spinlock_unlock(spinlock *lock) {
  atomic_store_explicit(&lock->held, false, memory_order_release);
}

static inline uint64_t monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* now + timeout, saturating at DEADLINE_NEVER. */
static inline uint64_t deadline_after(uint64_t timeout_ns) {
  uint64_t now = monotonic_ns();
  return timeout_ns >= DEADLINE_NEVER - now ? DEADLINE_NEVER : now + timeout_ns;
}

/* Sleeps while *word == expected, until woken or the deadline passes. */
static inline void futex_wait_until(atomic_uint *word, unsigned expected, uint64_t deadline) {
  struct timespec absolute, *limit = NULL;
  if (deadline != DEADLINE_NEVER) {
    absolute = (struct timespec){.tv_sec = (time_t)(deadline / 1000000000u),
                                 .tv_nsec = (long)(deadline % 1000000000u)};
    limit = &absolute;
  }
  /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
  syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, limit,
          NULL, FUTEX_BITSET_MATCH_ANY);
}

static inline void futex_wake_all(atomic_uint *word) {
  syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT32_MAX, NULL, NULL, 0);
}

#endif
