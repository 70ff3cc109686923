/* SPDX-License-Identifier: Apache-2.0 */
/* Something that can sleep until another thread wakes it: a cell (which
 * parks on its scheduler, a context switch) or a host thread (which sleeps
 * on a futex). Channels and cell ends keep waiters, so host threads of an
 * embedding application and cells wait on them the same way. A third kind
 * never sleeps: an event loop (the socket reactor) watches many channels
 * at once, and its waiters only call a function when woken. */
#ifndef MINOS_CORE_WAITER_H
#define MINOS_CORE_WAITER_H

#include <stdatomic.h>
#include <stdint.h>

struct cell;

typedef struct waiter {
  struct cell *cell; /* NULL: a host thread or a callback */
  /* Set: waking calls it instead, from the waking thread and under the
   * lock the waiter was registered under, so it must be short and must
   * not block or take that lock again. */
  void (*callback)(struct waiter *waiter);
  atomic_uint signalled;
} waiter;

/* A waiter for the calling host thread (not a cell). */
void waiter_init_host(waiter *waiter);
/* A waiter that is never slept on: waking it calls `wake`. */
void waiter_init_callback(waiter *waiter, void (*wake)(struct waiter *woken));
/* From any thread. The caller keeps the waiter alive for the call, which
 * in practice means waking it under the lock it was registered under. */
void waiter_wake(waiter *waiter);
/* Sleeps until woken or until the deadline (monotonic ns); may return
 * early, so callers re-check what they wait for in a loop. */
void waiter_sleep(waiter *waiter, uint64_t deadline);

#endif
