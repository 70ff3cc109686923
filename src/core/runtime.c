/* SPDX-License-Identifier: Apache-2.0 */
#include "core/runtime.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/log.h"
#include "core/offload.h"
#include "core/reactor.h"

runtime *runtime_of(const cell *item) {
  return item->scheduler ? item->scheduler->runtime : NULL;
}

#define MAX_WORKERS 256

/* One per core, or MINOS_WORKERS; a malformed value is an error (0), not
 * silently one worker. */
static unsigned default_worker_count(void) {
  const char *configured = getenv("MINOS_WORKERS");
  if (!configured) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1 ? 1 : cores > MAX_WORKERS ? MAX_WORKERS : (unsigned)cores;
  }
  char *end;
  long count = strtol(configured, &end, 10);
  if (configured[0] >= '0' && configured[0] <= '9' && *end == '\0' && count >= 1 &&
      count <= MAX_WORKERS)
    return (unsigned)count;
  log_error("MINOS_WORKERS: '%s' is not a whole number from 1 to %d", configured, MAX_WORKERS);
  return 0;
}

/* The hard limit is what the administrator allows; the soft one is often
 * left at 1,024 for the sake of select(), which minos does not use. */
static uint64_t hard_descriptor_limit(const struct rlimit *limit) {
  return limit->rlim_max == RLIM_INFINITY ? (uint64_t)1 << 20 : (uint64_t)limit->rlim_max;
}

static uint64_t raise_descriptor_limit(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    struct rlimit raised = {limit.rlim_max, limit.rlim_max};
    if (raised.rlim_cur == RLIM_INFINITY) raised.rlim_cur = 1 << 20;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit.rlim_cur = raised.rlim_cur;
  }
  return limit.rlim_cur == RLIM_INFINITY ? (uint64_t)1 << 20 : (uint64_t)limit.rlim_cur;
}

/* A runtime keeps an eighth of the descriptors, and 64 more, for itself
 * (logs, bridges, compiles, sockets of its own); a top-level cell may
 * hold a quarter of the rest, so one cell (or tree) can never take them
 * all from its neighbours. */
static void descriptor_shares(uint64_t process_limit, uint64_t *for_cells, uint64_t *per_cell) {
  uint64_t reserve = 64 + process_limit / 8;
  *for_cells = process_limit > reserve ? process_limit - reserve : 0;
  *per_cell = *for_cells / 4 > 16 ? *for_cells / 4 : *for_cells;
}

static void share_descriptors(runtime *self, uint64_t process_limit) {
  descriptor_shares(process_limit, &self->root->limit[ACCOUNT_HOST_FDS], &self->cell_host_fds);
}

void runtime_descriptor_shares(uint64_t *for_cells, uint64_t *per_cell) {
  struct rlimit limit;
  uint64_t process_limit = getrlimit(RLIMIT_NOFILE, &limit) == 0 ? hard_descriptor_limit(&limit)
                                                                 : 1024;
  descriptor_shares(process_limit, for_cells, per_cell);
}

uint64_t runtime_default_max_cells(void) {
  /* One per 8 KiB of physical memory, what an idle cell is meant to cost. */
  long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
  uint64_t by_memory =
      pages > 0 && page_size > 0 ? (uint64_t)pages * (uint64_t)page_size / 8192 : 0;
  return by_memory > RUNTIME_MINIMUM_MAX_CELLS ? by_memory : RUNTIME_MINIMUM_MAX_CELLS;
}

void runtime_set_max_cells(runtime *self, uint64_t max_cells) {
  self->root->limit[ACCOUNT_CELLS] = max_cells;
}

minos_status runtime_init(runtime *self, unsigned worker_count) {
  self->reactor = NULL;
  atomic_init(&self->all_started, false); /* a runtime on the stack holds garbage */
  if (!worker_count && !(worker_count = default_worker_count())) return MINOS_EUSAGE;
  if (!offload_check_configuration()) return MINOS_EUSAGE;
  const uint64_t root_limits[ACCOUNT_KIND_COUNT] = {
      [ACCOUNT_MEMORY] = ACCOUNT_UNLIMITED, [ACCOUNT_CPU] = ACCOUNT_UNLIMITED,
      [ACCOUNT_HOST_FDS] = 0, [ACCOUNT_CELLS] = runtime_default_max_cells()};
  self->root = account_new(NULL, root_limits);
  if (!self->root) return MINOS_ENOMEM;
  share_descriptors(self, raise_descriptor_limit());
  self->worker_count = worker_count;
  self->workers = calloc(self->worker_count, sizeof *self->workers);
  if (!self->workers) {
    account_release(self->root);
    return MINOS_ENOMEM;
  }
  pthread_mutex_init(&self->start_lock, NULL);
  for (unsigned i = 0; i < self->worker_count; i++) {
    minos_status status = scheduler_init(&self->workers[i]);
    if (status != MINOS_OK) {
      /* Undone in reverse: nothing started yet. */
      while (i-- > 0) scheduler_destroy(&self->workers[i]);
      free(self->workers);
      pthread_mutex_destroy(&self->start_lock);
      account_release(self->root);
      return status;
    }
    self->workers[i].index = i;
    self->workers[i].runtime = self;
    self->workers[i].peers = self->workers;
    self->workers[i].peer_count = self->worker_count;
  }
  return MINOS_OK;
}

static void *worker_main(void *argument) {
  scheduler_run(argument);
  return NULL;
}

static minos_status ensure_thread(runtime *self, scheduler *worker) {
  pthread_mutex_lock(&self->start_lock);
  minos_status status = MINOS_OK;
  if (!worker->has_thread) {
    /* Set first: scheduler_run reads it to know it serves a runtime. */
    worker->has_thread = true;
    if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0) {
      worker->has_thread = false;
      status = MINOS_ENOMEM;
      log_message(LOG_ERROR, NULL, "cannot start a worker thread");
    }
  }
  pthread_mutex_unlock(&self->start_lock);
  return status;
}

static scheduler *choose(runtime *self, cell_placement placement, const cell *near) {
  if (near && near->scheduler && placement == PLACE_SAME_WORKER) return near->scheduler;
  unsigned avoid = near && near->scheduler && placement == PLACE_OTHER_WORKER
                       ? near->scheduler->index
                       : self->worker_count;
  scheduler *best = NULL;
  for (unsigned i = 0; i < self->worker_count; i++) {
    scheduler *candidate = &self->workers[i];
    if (i == avoid && self->worker_count > 1) continue;
    if (!best || atomic_load(&candidate->live_cells) < atomic_load(&best->live_cells))
      best = candidate;
  }
  return best;
}

/* Every worker that might take a new cell from a busy one must exist. */
static minos_status ensure_all_threads(runtime *self) {
  if (atomic_load_explicit(&self->all_started, memory_order_acquire)) return MINOS_OK;
  for (unsigned i = 0; i < self->worker_count; i++) {
    minos_status status = ensure_thread(self, &self->workers[i]);
    if (status != MINOS_OK) return status;
  }
  atomic_store_explicit(&self->all_started, true, memory_order_release);
  return MINOS_OK;
}

minos_status runtime_place(runtime *self, cell *item, cell_placement placement,
                           const cell *near) {
  /* Created next to its creator, a cell starts with no wake-up of
   * another CPU; it moves to an idle worker only if this one is busy. */
  item->place_anywhere = placement == PLACE_ANY;
  scheduler *here = scheduler_of_thread();
  if (placement == PLACE_ANY && near && here && near->scheduler == here &&
      here->runtime == self && self->worker_count > 1) {
    minos_status status = ensure_all_threads(self);
    if (status != MINOS_OK) return status;
    scheduler_start_here(here, item);
    return MINOS_OK;
  }
  scheduler *worker = choose(self, placement, near);
  minos_status status = ensure_thread(self, worker);
  if (status != MINOS_OK) return status;
  scheduler_start(worker, item);
  return MINOS_OK;
}

minos_status runtime_reactor(runtime *self, reactor **out) {
  pthread_mutex_lock(&self->start_lock);
  minos_status status = self->reactor ? MINOS_OK : reactor_create(&self->reactor);
  *out = self->reactor;
  pthread_mutex_unlock(&self->start_lock);
  return status;
}

void runtime_shutdown(runtime *self) {
  for (unsigned i = 0; i < self->worker_count; i++) scheduler_stop(&self->workers[i]);
  for (unsigned i = 0; i < self->worker_count; i++) {
    scheduler *worker = &self->workers[i];
    if (worker->has_thread) pthread_join(worker->thread, NULL);
    scheduler_destroy(worker);
  }
  free(self->workers);
  self->workers = NULL;
  reactor_free(self->reactor);
  self->reactor = NULL;
  account_release(self->root); /* cells that outlive the runtime keep it */
  self->root = NULL;
  pthread_mutex_destroy(&self->start_lock);
}
