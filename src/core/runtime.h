/* A runtime: the worker threads that run cells. Worker count defaults to
 * the number of cores; a worker's thread starts when the first cell is
 * placed on it, so a runtime that runs one cell costs one thread. */
#ifndef MINOS_CORE_RUNTIME_H
#define MINOS_CORE_RUNTIME_H

#include <pthread.h>

#include "core/cell.h"
#include "core/scheduler.h"

typedef enum cell_placement {
  PLACE_ANY = 0,         /* the least busy worker */
  PLACE_SAME_WORKER = 1, /* next to `near` */
  PLACE_OTHER_WORKER = 2 /* away from `near`, if there is another */
} cell_placement;

struct reactor;

typedef struct runtime {
  scheduler *workers;
  unsigned worker_count;
  pthread_mutex_t start_lock; /* serialises thread starts, and the reactor's */
  struct reactor *reactor;    /* sockets, started on first use */
} runtime;

/* worker_count 0: the number of online cores (or MINOS_WORKERS). */
minos_status runtime_init(runtime *runtime, unsigned worker_count);
/* Starts the cell on a worker chosen by `placement` relative to `near`
 * (which may be NULL). */
minos_status runtime_place(runtime *runtime, cell *item, cell_placement placement, const cell *near);
/* The runtime's socket reactor (net/reactor.h), started on first use, so
 * a runtime whose cells use no network has no reactor thread. */
minos_status runtime_reactor(runtime *runtime, struct reactor **out);
/* Waits until every cell has ended, then stops and joins the workers, then
 * the reactor (closing the sockets it still has). */
void runtime_shutdown(runtime *runtime);

/* The runtime the calling cell's worker belongs to. */
runtime *runtime_of(const cell *item);

#endif
