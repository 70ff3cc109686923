/* A scheduler runs many cells on one OS thread: each cell runs on its own
 * stack until it blocks, yields or ends, then the scheduler picks the next
 * ready one. */
#ifndef MINOS_CORE_SCHEDULER_H
#define MINOS_CORE_SCHEDULER_H

#include <stddef.h>

#include "core/cell.h"

typedef struct scheduler {
  execution_context home; /* the scheduler loop's own context on the thread's stack */
  cell *ready_head, *ready_tail;
  cell *current;
  size_t live_cells;
  /* Called on the scheduler's stack after a cell has ended and released
   * everything it held; the cell stays a zombie until cell_reap. */
  void (*on_end)(cell *cell, void *user);
  void *user;
} scheduler;

minos_status scheduler_init(scheduler *scheduler);
void scheduler_start(scheduler *scheduler, cell *cell);
/* Runs cells until none is ready. */
void scheduler_run(scheduler *scheduler);
/* From a cell: let the others run. */
void scheduler_yield(cell *cell);
/* From a cell: sleep until someone wakes it (it may wake spuriously, so
 * callers re-check their condition in a loop). */
void scheduler_block(cell *cell);
/* Makes a blocked cell ready again; no effect on one that is not blocked. */
void scheduler_wake(cell *cell);

/* Internal to core: hand control back to the loop. */
void scheduler_switch_out(cell *cell);
__attribute__((noreturn)) void scheduler_leave_for_good(cell *cell);

#endif
