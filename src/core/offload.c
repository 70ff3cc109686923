/* SPDX-License-Identifier: Apache-2.0 */
#include "core/offload.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/log.h"
#include "core/sync.h"

#define DEFAULT_OFFLOAD_THREADS 4
#define MAXIMUM_OFFLOAD_THREADS 64

struct offload_job {
  struct offload_job *next; /* in the queue */
  bool started;             /* taken off the queue by a thread (pool lock) */
  void (*run)(void *argument);
  void (*release)(void *argument);
  void *argument;
  /* Shared by the waiting cell and the offload thread, under lock. */
  spinlock lock;
  bool done, abandoned;
  waiter *waiting;
};

/* The job is done: its cell is woken, or, if it let go (abandon), the
 * job and its argument are freed here. */
static void finish_job(offload_job *job) {
  spinlock_lock(&job->lock);
  job->done = true;
  bool abandoned = job->abandoned;
  /* Woken under the lock: a waiter that gives up clears itself under it. */
  if (job->waiting) waiter_wake(job->waiting);
  spinlock_unlock(&job->lock);
  if (!abandoned) return;
  if (job->release) job->release(job->argument);
  free(job);
}

static void *offload_thread(void *argument) {
  offload_pool *pool = argument;
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    while (!pool->head) {
      pool->idle_threads++;
      pthread_cond_wait(&pool->filled, &pool->lock);
      pool->idle_threads--;
    }
    offload_job *job = pool->head;
    pool->head = job->next;
    if (!pool->head) pool->tail = NULL;
    job->started = true;
    pthread_mutex_unlock(&pool->lock);
    job->run(job->argument);
    finish_job(job);
    pthread_mutex_lock(&pool->lock);
  }
  return NULL;
}

/* MINOS_OFFLOAD_THREADS, or the default; 0 if malformed. */
static unsigned configured_threads(void) {
  const char *text = getenv("MINOS_OFFLOAD_THREADS");
  if (!text) return DEFAULT_OFFLOAD_THREADS;
  char *end;
  long count = strtol(text, &end, 10);
  bool whole = text[0] >= '0' && text[0] <= '9' && *end == '\0';
  return whole && count >= 1 && count <= MAXIMUM_OFFLOAD_THREADS ? (unsigned)count : 0;
}

offload_files offload_files_policy(void) {
  const char *forced = getenv("MINOS_SLOW_FILES");
  if (!forced) return OFFLOAD_FILES_BY_TYPE;
  if (strcmp(forced, "all") == 0) return OFFLOAD_FILES_ALL;
  if (strcmp(forced, "none") == 0) return OFFLOAD_FILES_NONE;
  return OFFLOAD_FILES_MALFORMED;
}

bool offload_check_configuration(void) {
  if (!configured_threads()) {
    log_error("MINOS_OFFLOAD_THREADS: '%s' is not a whole number from 1 to %d",
              getenv("MINOS_OFFLOAD_THREADS"), MAXIMUM_OFFLOAD_THREADS);
    return false;
  }
  if (offload_files_policy() == OFFLOAD_FILES_MALFORMED) {
    log_error("MINOS_SLOW_FILES: '%s' is neither 'all' nor 'none'", getenv("MINOS_SLOW_FILES"));
    return false;
  }
  return true;
}

/* A malformed setting was refused at start (runtime_init); one changed
 * since gets the default. */
static unsigned file_threads(void) {
  unsigned count = configured_threads();
  return count ? count : DEFAULT_OFFLOAD_THREADS;
}

offload_pool offload_file_pool = OFFLOAD_POOL_INITIALIZER(file_threads);

/* With the pool's lock held: one thread more while jobs wait with none
 * idle. Threads stay for the life of the process. */
static bool grow_pool(offload_pool *pool) {
  if (pool->idle_threads > 0 || pool->thread_count >= pool->wanted_threads())
    return pool->thread_count > 0;
  pthread_attr_t attributes;
  pthread_t thread;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  bool started = pthread_create(&thread, &attributes, offload_thread, pool) == 0;
  pthread_attr_destroy(&attributes);
  if (started) pool->thread_count++;
  return started || pool->thread_count > 0;
}

static bool enqueue(offload_pool *pool, offload_job *job) {
  pthread_mutex_lock(&pool->lock);
  bool served = grow_pool(pool);
  if (served) {
    if (pool->tail) pool->tail->next = job;
    else pool->head = job;
    pool->tail = job;
    pthread_cond_signal(&pool->filled);
  }
  pthread_mutex_unlock(&pool->lock);
  return served;
}

/* True once the job is done; false if the cell was asked to end first. */
static bool wait_for(offload_job *job, waiter *self) {
  for (;;) {
    spinlock_lock(&job->lock);
    bool done = job->done;
    bool ending = !done && self->cell && atomic_load(&self->cell->end_request);
    job->waiting = done || ending ? NULL : self;
    spinlock_unlock(&job->lock);
    if (done) return true;
    if (ending) return false;
    waiter_sleep(self, DEADLINE_NEVER);
  }
}

/* With the pool's lock held: takes a job no thread has started off the
 * queue. */
static bool unqueue(offload_pool *pool, offload_job *job) {
  if (job->started) return false;
  offload_job **link = &pool->head, *previous = NULL;
  while (*link && *link != job) {
    previous = *link;
    link = &(*link)->next;
  }
  if (!*link) return false;
  *link = job->next;
  if (pool->tail == job) pool->tail = previous;
  return true;
}

/* The cell lets go of its job. One no thread has taken yet is dropped, so
 * the jobs of killed cells do not pile up behind calls that hang; one
 * under way is left to its thread to finish and free, unless it is done
 * already. Who frees is decided under the locks, exactly once. */
static void abandon(offload_pool *pool, offload_job *job) {
  pthread_mutex_lock(&pool->lock);
  bool dropped = unqueue(pool, job);
  pthread_mutex_unlock(&pool->lock);
  bool done = true;
  if (!dropped) {
    spinlock_lock(&job->lock);
    done = job->done;
    job->abandoned = !done;
    spinlock_unlock(&job->lock);
  }
  if (!done) return; /* its thread frees it */
  if (job->release) job->release(job->argument);
  free(job);
}

offload_outcome offload_run(offload_pool *pool, waiter *self, void (*run)(void *argument),
                            void (*release)(void *argument), void *argument) {
  offload_job *job = calloc(1, sizeof *job);
  if (!job) return OFFLOAD_REFUSED;
  *job = (offload_job){.run = run, .release = release, .argument = argument};
  if (!enqueue(pool, job)) {
    free(job);
    return OFFLOAD_REFUSED;
  }
  if (!wait_for(job, self)) {
    abandon(pool, job);
    return OFFLOAD_ABANDONED;
  }
  free(job);
  return OFFLOAD_DONE;
}

bool offload_detach(offload_pool *pool, void (*run)(void *argument),
                    void (*release)(void *argument), void *argument) {
  offload_job *job = calloc(1, sizeof *job);
  if (!job) return false;
  /* Abandoned from the start: its thread frees it when done. */
  *job = (offload_job){.run = run, .release = release, .argument = argument, .abandoned = true};
  if (enqueue(pool, job)) return true;
  free(job);
  return false;
}
