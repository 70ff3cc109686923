/* SPDX-License-Identifier: Apache-2.0 */
/* A runtime: the worker threads that run cells. Worker count defaults to
 * the number of cores; a worker's thread starts when the first cell is
 * placed on it, so a runtime that runs one cell costs one thread. */
#ifndef MINOS_CORE_RUNTIME_H
#define MINOS_CORE_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/account.h"
#include "core/cell.h"
#include "core/scheduler.h"

/* The least a runtime lets live at once, whatever its memory. */
#define RUNTIME_MINIMUM_MAX_CELLS ((uint64_t)1024)

typedef enum cell_placement {
  PLACE_ANY = 0,         /* its creator's worker, moved to an idle one if that is
                            busy; from outside the workers, the least busy one */
  PLACE_SAME_WORKER = 1, /* next to `near` */
  PLACE_OTHER_WORKER = 2 /* away from `near`, if there is another */
} cell_placement;

struct reactor;

typedef struct runtime {
  scheduler *workers;
  unsigned worker_count;
  pthread_mutex_t start_lock; /* serialises thread starts, and the reactor's */
  atomic_bool all_started;    /* every worker has its thread */
  struct reactor *reactor;    /* sockets, started on first use */
  /* Every cell of the runtime is counted here, through its tree: the
   * live cells (runtime_set_max_cells) and the host descriptors they hold
   * (the process's limit, less a reserve for the runtime itself). */
  account *root;
  uint64_t cell_host_fds; /* a top-level cell's share of host descriptors */
} runtime;

/* worker_count 0: the number of online cores, or MINOS_WORKERS (1 to 256;
 * anything else: MINOS_EUSAGE, with the reason logged). Raises
 * the process's soft descriptor limit to its hard limit. */
minos_status runtime_init(runtime *runtime, unsigned worker_count);
/* The host descriptors a runtime started now in this process would let
 * its cells hold: all together, and each top-level cell (its
 * cell_host_fds); for checking a spec before it runs. */
void runtime_descriptor_shares(uint64_t *for_cells, uint64_t *per_cell);
/* Live cells in the whole runtime; the default is one per 8 KiB of
 * physical memory (runtime_default_max_cells), at least 1,024. */
void runtime_set_max_cells(runtime *runtime, uint64_t max_cells);
uint64_t runtime_default_max_cells(void);
/* Starts the cell on a worker chosen by `placement` relative to `near`
 * (which may be NULL). */
minos_status runtime_place(runtime *runtime, cell *item, cell_placement placement, const cell *near);
/* The runtime's socket reactor (core/reactor.h), started on first use, so
 * a runtime whose cells use no network has no reactor thread. */
minos_status runtime_reactor(runtime *runtime, struct reactor **out);
/* Waits until every cell has ended, then stops and joins the workers, then
 * the reactor (closing the sockets it still has). */
void runtime_shutdown(runtime *runtime);

/* The runtime the calling cell's worker belongs to. */
runtime *runtime_of(const cell *item);

#endif
