/* Blocking calls off the workers. A system call that may block for long
 * (a read on a network or FUSE file system that hangs) would freeze every
 * cell of the worker thread it runs on; such a call is handed to a small
 * pool of offload threads instead, and the calling cell blocks on its
 * scheduler like any blocking host call, so its neighbours keep running.
 *
 * The pool has MINOS_OFFLOAD_THREADS threads (4 by default), started on
 * first use. A cell has at most one job at a time (it waits for it).
 *
 * A job outlives the cell that started it: a cell asked to end while it
 * waits lets go of the job; one no thread has taken yet is dropped, one
 * under way finishes on its thread (a hung call holds that thread until
 * it returns); either way the job's `release` is called, so
 * the job's argument block must own everything the call touches (its own
 * buffer and its own dup of the descriptor, never guest memory). */
#ifndef MINOS_CORE_OFFLOAD_H
#define MINOS_CORE_OFFLOAD_H

#include <stdbool.h>

#include "core/waiter.h"

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

/* Runs run(argument) on an offload thread while `self` waits. */
offload_outcome offload_run(waiter *self, void (*run)(void *argument),
                            void (*release)(void *argument), void *argument);

/* Runs run(argument) on an offload thread, then release(argument), with
 * nobody waiting (a close that may flush to a server). False if it could
 * not be queued: nothing ran, the caller still owns argument. */
bool offload_detach(void (*run)(void *argument), void (*release)(void *argument),
                    void *argument);

#endif
