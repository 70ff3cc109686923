/* SPDX-License-Identifier: Apache-2.0 */
/* Blocking work off the workers. A system call that may block for long
 * (a read on a network or FUSE file system that hangs), or long work (a
 * compile), would freeze every cell of the worker thread it runs on; it is
 * handed to a pool of offload threads instead, and the calling cell blocks
 * on its scheduler like any blocking host call, so its neighbours keep
 * running.
 *
 * A pool starts its threads on first use, up to the count its function
 * says, and keeps them. offload_file_pool, for calls on slow files, has
 * MINOS_OFFLOAD_THREADS threads (4 by default); the compile pool is
 * wasm/compile_pool.c's. A cell has at most one job at a time (it waits
 * for it).
 *
 * A job outlives the cell that started it: a cell asked to end while it
 * waits lets go of the job; one no thread has taken yet is dropped, one
 * under way finishes on its thread (a hung call holds that thread until
 * it returns); either way the job's `release` is called, so
 * the job's argument block must own everything the call touches (its own
 * buffer and its own dup of the descriptor, never guest memory). */
#ifndef MINOS_CORE_OFFLOAD_H
#define MINOS_CORE_OFFLOAD_H

#include <pthread.h>
#include <stdbool.h>

#include "core/waiter.h"

typedef struct offload_job offload_job;

typedef struct offload_pool {
  pthread_mutex_t lock;
  pthread_cond_t filled;
  offload_job *head, *tail; /* the queue */
  unsigned thread_count, idle_threads;
  unsigned (*wanted_threads)(void);
} offload_pool;

#define OFFLOAD_POOL_INITIALIZER(wanted)                                                     \
  {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, wanted}

extern offload_pool offload_file_pool;

typedef enum offload_outcome {
  OFFLOAD_DONE,      /* run(argument) returned; the caller owns argument again */
  OFFLOAD_ABANDONED, /* the cell was asked to end; the pool releases argument */
  OFFLOAD_REFUSED,   /* out of memory or no thread: nothing ran; the caller owns argument */
} offload_outcome;

/* Which files' calls go to the pool: MINOS_SLOW_FILES=all (every file,
 * to use the pool on any machine), =none (no file: for file systems known
 * not to hang, and to compare), unset: by file system type. */
typedef enum offload_files {
  OFFLOAD_FILES_BY_TYPE,
  OFFLOAD_FILES_ALL,
  OFFLOAD_FILES_NONE,
  OFFLOAD_FILES_MALFORMED, /* refused at start */
} offload_files;
offload_files offload_files_policy(void);

/* Whether MINOS_OFFLOAD_THREADS and MINOS_SLOW_FILES, if set, are well
 * formed; logs why not. */
bool offload_check_configuration(void);

/* Runs run(argument) on a thread of the pool while `self` waits. */
offload_outcome offload_run(offload_pool *pool, waiter *self, void (*run)(void *argument),
                            void (*release)(void *argument), void *argument);

/* Runs run(argument) on an offload thread, then release(argument), with
 * nobody waiting (a close that may flush to a server). False if it could
 * not be queued: nothing ran, the caller still owns argument. */
bool offload_detach(offload_pool *pool, void (*run)(void *argument), void (*release)(void *argument),
                    void *argument);

#endif
