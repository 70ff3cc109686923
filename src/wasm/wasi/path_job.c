/* SPDX-License-Identifier: Apache-2.0 */
/* Path jobs: see path_job.h. */
#include "wasm/wasi/path_job.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cell.h"
#include "core/offload.h"
#include "wasm/wasi/wasi_private.h"

path_job *path_job_new(path_operation operation) {
  path_job *job = calloc(1, sizeof *job);
  if (!job) return NULL;
  job->operation = operation;
  job->directory_fd[0] = job->directory_fd[1] = -1;
  return job;
}

void path_job_free(path_job *job) {
  if (!job) return;
  for (int i = 0; i < 2; i++) {
    if (job->owns_directories && job->directory_fd[i] >= 0) close(job->directory_fd[i]);
    free(job->path[i]);
  }
  free(job->target);
  free(job->link);
  link_guard_release(&job->guard);
  free(job);
}

static void release_job(void *argument) { path_job_free(argument); }

uint32_t path_job_take_path(wasm_cell *self, path_job *job, int which, uint32_t fd,
                            uint64_t right, uint32_t path, uint32_t path_len) {
  uint32_t error;
  wasi_descriptor *directory = wasi_descriptor_with_rights(&self->wasi, fd, right, &error);
  if (!directory) return error;
  job->directory_fd[which] = directory->host_fd;
  job->slow |= directory->slow;
  return wasi_path_from_guest(self, path, path_len, &job->path[which]);
}

static uint32_t result_of(int status) { return status == 0 ? WASI_ERRNO_SUCCESS : wasi_errno_now(); }

/* ---- the calls, wherever they run ------------------------------------ */

/* A path split into its open parent directory and its last component. */
typedef struct parent {
  int fd;
  const char *last;
} parent;

static uint32_t open_parent(path_job *job, int which, parent *out) {
  out->fd = -1;
  return wasi_open_parent(job->directory_fd[which], job->path[which], job->guard.same_mount,
                          &out->fd, &out->last);
}

static void close_parent(parent *at) {
  if (at->fd >= 0) close(at->fd);
}

/* The object path 0 names, as O_PATH (the link itself unless follow). */
static uint32_t open_object(path_job *job, bool follow, int *object_fd) {
  *object_fd = wasi_open_beneath_how(job->directory_fd[0], job->path[0],
                                     O_PATH | (follow ? 0 : O_NOFOLLOW), 0, job->guard.same_mount);
  return *object_fd < 0 ? wasi_errno_from_resolution(errno) : WASI_ERRNO_SUCCESS;
}

static uint32_t read_link(path_job *job, int link_fd) {
  if (!(job->link = malloc(WASI_MAX_PATH))) return WASI_ERRNO_NOMEM;
  ssize_t length = readlinkat(link_fd, "", job->link, WASI_MAX_PATH);
  /* readlinkat says ENOENT for an empty path naming a non-link */
  if (length < 0) return errno == ENOENT ? WASI_ERRNO_INVAL : wasi_errno_now();
  job->link_length = (size_t)length;
  return WASI_ERRNO_SUCCESS;
}

static uint32_t on_object(path_job *job) {
  int object_fd;
  uint32_t error = open_object(job, job->follow, &object_fd);
  if (error) return error;
  switch (job->operation) {
  case PATH_STAT: error = result_of(fstat(object_fd, &job->status)); break;
  case PATH_SET_TIMES:
    /* AT_EMPTY_PATH works on O_PATH descriptors, where futimens would not. */
    error = result_of(utimensat(object_fd, "", job->times, AT_EMPTY_PATH));
    break;
  default: error = read_link(job, object_fd); break;
  }
  close(object_fd);
  return error;
}

static uint32_t on_parent(path_job *job) {
  parent at;
  uint32_t error = open_parent(job, 0, &at);
  if (error) return error;
  switch (job->operation) {
  case PATH_MKDIR: error = result_of(mkdirat(at.fd, at.last, 0777)); break;
  case PATH_RMDIR: error = result_of(unlinkat(at.fd, at.last, AT_REMOVEDIR)); break;
  case PATH_UNLINK: error = result_of(unlinkat(at.fd, at.last, 0)); break;
  default:
    /* Any target is harmless to the cell itself: following a link always
     * resolves beneath. Targets that would leave the grant are still
     * refused, for the host programs that walk it later (link_guard.h). */
    error = link_guard_check_target(&job->guard, at.fd, job->target);
    if (!error) error = result_of(symlinkat(job->target, at.fd, at.last));
    break;
  }
  close_parent(&at);
  return error;
}

static uint32_t rename_path(path_job *job) {
  parent from, to;
  uint32_t error = open_parent(job, 0, &from);
  if (error) return error;
  if (!(error = open_parent(job, 1, &to))) {
    error = link_guard_check_move(&job->guard, from.fd, from.last, to.fd, true);
    if (!error) error = result_of(renameat(from.fd, from.last, to.fd, to.last));
  }
  close_parent(&to);
  close_parent(&from);
  return error;
}

static bool has_trailing_slash(const char *name) { return name[0] && name[strlen(name) - 1] == '/'; }

/* A hard link to an already resolved object: linkat cannot take an O_PATH
 * descriptor without CAP_DAC_READ_SEARCH, but its /proc/self/fd link can
 * be followed (see linkat(2)). The object was resolved beneath, so
 * following the magic link here goes nowhere new. */
static uint32_t link_resolved(path_job *job, const parent *to) {
  int object_fd;
  uint32_t error = open_object(job, true, &object_fd);
  if (error) return error;
  char magic[40];
  snprintf(magic, sizeof magic, "/proc/self/fd/%d", object_fd);
  error = result_of(linkat(AT_FDCWD, magic, to->fd, to->last, AT_SYMLINK_FOLLOW));
  close(object_fd);
  return error;
}

/* Without following, the old path is split like the new one; a trailing
 * slash would make the kernel follow its last component, and can only
 * name a directory, which cannot be hard-linked anyway. */
static uint32_t link_unresolved(path_job *job, const parent *to) {
  parent from;
  uint32_t error = open_parent(job, 0, &from);
  if (error) return error;
  if (has_trailing_slash(from.last))
    error = WASI_ERRNO_PERM;
  else if (!(error = link_guard_check_move(&job->guard, from.fd, from.last, to->fd, false)))
    error = result_of(linkat(from.fd, from.last, to->fd, to->last, 0));
  close_parent(&from);
  return error;
}

static uint32_t link_path(path_job *job) {
  parent to;
  uint32_t error = open_parent(job, 1, &to);
  if (error) return error;
  error = job->follow ? link_resolved(job, &to) : link_unresolved(job, &to);
  close_parent(&to);
  return error;
}

static void run_job(void *argument) {
  path_job *job = argument;
  switch (job->operation) {
  case PATH_STAT:
  case PATH_SET_TIMES:
  case PATH_READLINK: job->error = on_object(job); break;
  case PATH_RENAME: job->error = rename_path(job); break;
  case PATH_LINK: job->error = link_path(job); break;
  default: job->error = on_parent(job); break;
  }
}

/* ---- where they run --------------------------------------------------- */

static bool own_directories(path_job *job) {
  if (job->owns_directories) return true;
  int copies[2] = {-1, -1};
  for (int i = 0; i < 2; i++) {
    if (job->directory_fd[i] < 0) continue;
    if ((copies[i] = fcntl(job->directory_fd[i], F_DUPFD_CLOEXEC, 0)) < 0) {
      int saved = errno;
      if (copies[0] >= 0) close(copies[0]);
      errno = saved;
      return false;
    }
  }
  job->directory_fd[0] = copies[0];
  job->directory_fd[1] = copies[1];
  job->owns_directories = true;
  return true;
}

static bool run_off_worker(wasm_cell *self, path_job *job) {
  job->guard.same_mount = false;
  free(job->link);
  job->link = NULL;
  if (!own_directories(job)) {
    job->error = wasi_errno_now();
    return true;
  }
  switch (offload_run(&offload_file_pool, &self->cell->waiter, run_job, release_job, job)) {
  case OFFLOAD_DONE: return true;
  case OFFLOAD_REFUSED: job->error = WASI_ERRNO_NOMEM; return true;
  case OFFLOAD_ABANDONED: break;
  }
  /* The pool frees the job; nothing else is held, so the cell ends. */
  cell_honour_end_request(self->cell);
  return false;
}

bool path_job_run(wasm_cell *self, path_job *job) {
  bool guarded = job->operation == PATH_RENAME || job->operation == PATH_LINK ||
                 job->operation == PATH_SYMLINK;
  if (guarded && (job->error = link_guard_take(self, !job->slow, &job->guard))) return true;
  if (job->slow) return run_off_worker(self, job);
  job->guard.same_mount = true;
  run_job(job);
  /* NOTCAPABLE on the worker: the walk met another mount (or left the
   * grant, which off the worker is refused again, the same way). */
  if (job->error != WASI_ERRNO_NOTCAPABLE) return true;
  return run_off_worker(self, job);
}
