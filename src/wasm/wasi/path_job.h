/* SPDX-License-Identifier: Apache-2.0 */
/* One path_* call (other than path_open) as a job that holds everything it
 * needs, so that the same code runs on the worker or off it.
 *
 * Beneath a local directory the job runs on the worker, on its own mount
 * only: a walk (or a link guard check) that would step into another
 * mount, which may be a network or FUSE file system that hangs, stops
 * before touching it, and the job is run again off the worker. Beneath a
 * directory on a slow file system it runs off the worker from the start
 * (slow_files.c says which are slow). Off the worker it owns duplicates of
 * its directories, so a cell killed while it waits can let go of it.
 *
 * Paths resolve beneath their directory (resolve.c), which is what keeps
 * them inside the grant. */
#ifndef MINOS_WASM_WASI_PATH_JOB_H
#define MINOS_WASM_WASI_PATH_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "wasm/wasi/link_guard.h"
#include "wasm/wasm_cell.h"

typedef enum path_operation {
  PATH_STAT,      /* the object's status (follow: through a final link) */
  PATH_SET_TIMES, /* its times */
  PATH_READLINK,  /* the link's target */
  PATH_MKDIR,
  PATH_RMDIR,
  PATH_UNLINK,
  PATH_RENAME, /* path 0 to path 1 */
  PATH_LINK,   /* a hard link at path 1 to path 0 (follow: through a final link) */
  PATH_SYMLINK, /* a link at path 0 to `target` */
} path_operation;

typedef struct path_job {
  path_operation operation;
  bool follow;
  bool slow;              /* a directory is on a slow file system */
  int directory_fd[2];    /* the cell's until owned (duplicates, off the worker) */
  bool owns_directories;
  char *path[2];          /* owned */
  char *target;           /* PATH_SYMLINK's, owned */
  struct timespec times[2]; /* PATH_SET_TIMES's */
  link_guard guard;       /* PATH_RENAME, PATH_LINK and PATH_SYMLINK's */
  /* Results */
  struct stat status; /* PATH_STAT's */
  char *link;         /* PATH_READLINK's target, link_length bytes, owned */
  size_t link_length;
  uint32_t error; /* a WASI errno */
} path_job;

/* A new job, or NULL when out of memory. */
path_job *path_job_new(path_operation operation);

/* Path `which` of the job: `path` beneath guest descriptor `fd`, which
 * must hold `right`. A WASI errno. */
uint32_t path_job_take_path(wasm_cell *self, path_job *job, int which, uint32_t fd,
                            uint64_t right, uint32_t path, uint32_t path_len);

/* Runs the job (its result in job->error). False if the cell was asked to
 * end while it waited off the worker: the job is gone then (freed when its
 * call returns) and the cell ends. */
bool path_job_run(wasm_cell *self, path_job *job);

void path_job_free(path_job *job);

#endif
