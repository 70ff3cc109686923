/* SPDX-License-Identifier: Apache-2.0 */
/* A scheduler runs many cells on one OS thread (a worker): each cell runs
 * on its own stack until it blocks, yields, is preempted or ends, then the
 * scheduler picks the next ready one. Once it has run, a cell stays on
 * its worker (its native stack may hold the worker's thread-local
 * addresses); a cell that has not run yet may move: a cell placed on its
 * creator's worker waits in that worker's `fresh` queue, from which an
 * idle worker takes it when its creator's worker is busy. Other threads
 * hand a worker work through an inbox: a cell woken from another worker,
 * or a cell started there. */
#ifndef MINOS_CORE_SCHEDULER_H
#define MINOS_CORE_SCHEDULER_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/cell.h"
#include "core/sync.h"

typedef struct scheduler {
  execution_context home; /* the scheduler loop's own context on the thread's stack */
  /* Touched by the worker's own thread only. Cells that were woken, are
   * new or yielded wait in `ready`; cells the tick took the CPU from wait
   * in `preempted`, and run when nothing else is ready or once they have
   * waited a whole tick: a spinner gets at most half of a busy worker,
   * and a cell that only ever blocks briefly never waits behind it. */
  cell *ready_head, *ready_tail;
  cell *preempted_head, *preempted_tail;
  bool overdue_went_ahead; /* the last pick was a preempted cell ahead of woken ones */
  cell *current;
  unsigned hand_offs; /* cells switched straight to since the loop last ran */
  atomic_size_t live_cells;
  /* Cells made ready by other threads. */
  spinlock inbox_lock;
  cell *inbox_head, *inbox_tail;
  atomic_bool inbox_filled;
  atomic_uint inbox_sequence; /* futex word: bumped on every hand-over */
  atomic_bool sleeping;
  /* Cells that have not run their own code yet, which may move to an
   * idle peer while they wait: under fresh_lock. */
  /* On a line of their own: idle peers read them while this worker
   * writes its queues. */
  alignas(64) spinlock fresh_lock;
  cell *fresh_head, *fresh_tail;
  atomic_size_t fresh_count;
  atomic_bool busy; /* a CPU-bound cell holds or waits for this worker */
  atomic_bool idle; /* looking for work: it takes busy peers' new cells */
  alignas(64) unsigned ready_since_fresh; /* ready cells taken while fresh ones waited */
  struct scheduler *peers; /* the runtime's workers, this one among them */
  unsigned peer_count;
  /* Blocked cells with a deadline: a binary min-heap on cell->deadline. */
  cell **timers;
  size_t timer_count, timer_capacity;
  /* Preemption: the tick compares these to see a cell that ran a whole tick. */
  uint64_t switches, switches_at_tick;
  /* Called on the scheduler's stack after a cell has ended and released
   * everything it held, before its owner learns of the end. */
  void (*on_end)(cell *cell, void *user);
  void *user;
  atomic_bool stopping; /* leave the loop once no cell is left */
  unsigned index;       /* in its runtime */
  struct runtime *runtime;
  pthread_t thread;
  bool has_thread;
} scheduler;

minos_status scheduler_init(scheduler *scheduler);
void scheduler_destroy(scheduler *scheduler);
/* From any thread: the cell joins this scheduler, ready to run. */
void scheduler_start(scheduler *scheduler, cell *cell);
/* From a cell on this scheduler's worker: the new cell joins it, and may
 * move to an idle peer if this worker is busy. */
void scheduler_start_here(scheduler *scheduler, cell *cell);
/* cell_wake for a cell parked where nothing of a worker is on its stack
 * (before its start): made ready on the calling worker, as a new cell. */
void scheduler_wake_here(cell *cell);
/* Runs cells on the calling thread until none is left (stand-alone use),
 * or, for a runtime's worker, until none is left after scheduler_stop. */
void scheduler_run(scheduler *scheduler);
void scheduler_stop(scheduler *scheduler);
/* The scheduler running on this thread, or NULL. */
scheduler *scheduler_of_thread(void);

/* From a cell: let the others run. */
void scheduler_yield(cell *cell);
/* From the preemption tick, on the cell's stack: the same, to the back of
 * the preempted queue. */
void scheduler_preempt(cell *cell);
/* From a cell: sleep until woken or the deadline (monotonic ns) passes. It
 * may return early, so callers re-check their condition in a loop. It
 * never ends the cell: a cell asked to end is woken, and the host call it
 * is in returns and honours the request (cell_honour_end_request). */
void scheduler_block_until(cell *cell, uint64_t deadline);
static inline void scheduler_block(cell *item) { scheduler_block_until(item, DEADLINE_NEVER); }
/* From any thread: makes a blocked cell ready, or makes its next block
 * return at once if it is not blocked yet. */
void cell_wake(cell *cell);

/* Internal to core: hand control back to the loop. */
void scheduler_switch_out(cell *cell);
__attribute__((noreturn)) void scheduler_leave_for_good(cell *cell);
/* Internal to core: whether another cell is waiting for this worker. */
bool scheduler_has_other_work(scheduler *scheduler);
/* From the tick: the running cell had a whole tick, so the worker is busy
 * and its new cells go to an idle peer, which is woken. Async-signal-safe. */
void scheduler_note_busy(scheduler *scheduler);

#endif
