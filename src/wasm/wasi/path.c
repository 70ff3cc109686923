/* SPDX-License-Identifier: Apache-2.0 */
/* The path_* calls other than path_open (open.c): each is a path job
 * (path_job.h), run on the worker or, for a slow file system, off it. */
#include <string.h>

#include "wasm/wasi/path_job.h"
#include "wasm/wasi/wasi_private.h"

/* Runs the job and returns its result; `deliver` (if any) hands a
 * successful job's result to the guest. */
static uint32_t finish(wasm_cell *self, path_job *job, uint32_t error,
                       void (*deliver)(wasm_cell *self, const path_job *job, uint32_t out),
                       uint32_t out) {
  if (!error && !path_job_run(self, job)) return WASI_ERRNO_CANCELED; /* the cell is ending */
  if (!error) error = job->error;
  if (!error && deliver) deliver(self, job, out);
  path_job_free(job);
  return error;
}

/* One path beneath one directory. */
static uint32_t one_path(wasm_cell *self, path_operation operation, uint32_t fd, uint64_t right,
                         uint32_t path, uint32_t path_len) {
  path_job *job = path_job_new(operation);
  if (!job) return WASI_ERRNO_NOMEM;
  return finish(self, job, path_job_take_path(self, job, 0, fd, right, path, path_len), NULL, 0);
}

uint32_t wasi_path_create_directory(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len) {
  return one_path(self, PATH_MKDIR, fd, WASI_RIGHT_PATH_CREATE_DIRECTORY, path, path_len);
}

uint32_t wasi_path_remove_directory(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len) {
  return one_path(self, PATH_RMDIR, fd, WASI_RIGHT_PATH_REMOVE_DIRECTORY, path, path_len);
}

uint32_t wasi_path_unlink_file(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len) {
  return one_path(self, PATH_UNLINK, fd, WASI_RIGHT_PATH_UNLINK_FILE, path, path_len);
}

/* Two paths: from (path 0) and to (path 1). */
static uint32_t two_paths(wasm_cell *self, path_job *job, uint32_t from_fd, uint64_t from_right,
                          uint32_t from_path, uint32_t from_len, uint32_t to_fd,
                          uint64_t to_right, uint32_t to_path, uint32_t to_len) {
  uint32_t error = path_job_take_path(self, job, 0, from_fd, from_right, from_path, from_len);
  if (!error) error = path_job_take_path(self, job, 1, to_fd, to_right, to_path, to_len);
  return finish(self, job, error, NULL, 0);
}

uint32_t wasi_path_rename(wasm_cell *self, uint32_t fd, uint32_t old_path, uint32_t old_path_len,
                          uint32_t new_fd, uint32_t new_path, uint32_t new_path_len) {
  path_job *job = path_job_new(PATH_RENAME);
  if (!job) return WASI_ERRNO_NOMEM;
  return two_paths(self, job, fd, WASI_RIGHT_PATH_RENAME_SOURCE, old_path, old_path_len, new_fd,
                   WASI_RIGHT_PATH_RENAME_TARGET, new_path, new_path_len);
}

uint32_t wasi_path_link(wasm_cell *self, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                        uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                        uint32_t new_path_len) {
  path_job *job = path_job_new(PATH_LINK);
  if (!job) return WASI_ERRNO_NOMEM;
  job->follow = old_flags & WASI_LOOKUP_SYMLINK_FOLLOW;
  return two_paths(self, job, old_fd, WASI_RIGHT_PATH_LINK_SOURCE, old_path, old_path_len, new_fd,
                   WASI_RIGHT_PATH_LINK_TARGET, new_path, new_path_len);
}

/* Targets that would leave the grant are refused (EPERM): link_guard.h. */
uint32_t wasi_path_symlink(wasm_cell *self, uint32_t old_path, uint32_t old_path_len, uint32_t fd,
                           uint32_t new_path, uint32_t new_path_len) {
  path_job *job = path_job_new(PATH_SYMLINK);
  if (!job) return WASI_ERRNO_NOMEM;
  uint32_t error = wasi_path_from_guest(self, old_path, old_path_len, &job->target);
  if (!error)
    error = path_job_take_path(self, job, 0, fd, WASI_RIGHT_PATH_SYMLINK, new_path, new_path_len);
  return finish(self, job, error, NULL, 0);
}

uint32_t wasi_path_readlink(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len,
                            uint32_t buf, uint32_t buf_len, uint32_t bufused_out) {
  if (!guest_span(self, buf, buf_len) || !guest_span(self, bufused_out, 4))
    return WASI_ERRNO_FAULT;
  path_job *job = path_job_new(PATH_READLINK);
  if (!job) return WASI_ERRNO_NOMEM;
  uint32_t error =
      path_job_take_path(self, job, 0, fd, WASI_RIGHT_PATH_READLINK, path, path_len);
  if (!error && !path_job_run(self, job)) return WASI_ERRNO_CANCELED;
  if (!error) error = job->error;
  if (!error) {
    /* Guest memory may have grown meanwhile, never shrunk: still there. */
    uint32_t used = job->link_length < buf_len ? (uint32_t)job->link_length : buf_len;
    memcpy(guest_span(self, buf, buf_len), job->link, used);
    guest_store_u32(self, bufused_out, used);
  }
  path_job_free(job);
  return error;
}

static void deliver_status(wasm_cell *self, const path_job *job, uint32_t stat_out) {
  wasi_store_filestat(self, stat_out, &job->status);
}

uint32_t wasi_path_filestat_get(wasm_cell *self, uint32_t fd, uint32_t flags, uint32_t path,
                                uint32_t path_len, uint32_t stat_out) {
  if (!guest_span(self, stat_out, WASI_FILESTAT_SIZE)) return WASI_ERRNO_FAULT;
  path_job *job = path_job_new(PATH_STAT);
  if (!job) return WASI_ERRNO_NOMEM;
  job->follow = flags & WASI_LOOKUP_SYMLINK_FOLLOW;
  uint32_t error =
      path_job_take_path(self, job, 0, fd, WASI_RIGHT_PATH_FILESTAT_GET, path, path_len);
  return finish(self, job, error, deliver_status, stat_out);
}

uint32_t wasi_path_filestat_set_times(wasm_cell *self, uint32_t fd, uint32_t flags, uint32_t path,
                                      uint32_t path_len, uint64_t access_time,
                                      uint64_t modify_time, uint32_t fst_flags) {
  path_job *job = path_job_new(PATH_SET_TIMES);
  if (!job) return WASI_ERRNO_NOMEM;
  job->follow = flags & WASI_LOOKUP_SYMLINK_FOLLOW;
  uint32_t error = wasi_timespecs_from_request(access_time, modify_time, fst_flags, job->times);
  if (!error)
    error = path_job_take_path(self, job, 0, fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, path,
                               path_len);
  return finish(self, job, error, NULL, 0);
}
