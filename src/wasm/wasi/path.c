/* The path_* calls other than path_open (open.c). Every path resolves
 * beneath its directory descriptor through resolve.c; see there for why
 * that cannot escape a grant. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasm/wasi/link_guard.h"
#include "wasm/wasi/wasi_private.h"

/* A path split into an open parent directory and its last component. */
typedef struct beneath {
  char *path;
  int parent_fd;
  const char *last;
} beneath;

static uint32_t open_beneath_parent(wasm_cell *self, uint32_t fd, uint64_t right, uint32_t path,
                                    uint32_t path_len, beneath *out) {
  *out = (beneath){.parent_fd = -1};
  uint32_t error;
  wasi_descriptor *directory = wasi_descriptor_with_rights(&self->wasi, fd, right, &error);
  if (!directory) return error;
  error = wasi_path_from_guest(self, path, path_len, &out->path);
  if (error) return error;
  error = wasi_open_parent(directory->host_fd, out->path, &out->parent_fd, &out->last);
  if (error) {
    free(out->path);
    out->path = NULL;
  }
  return error;
}

static void close_beneath(beneath *at) {
  if (at->parent_fd >= 0) close(at->parent_fd);
  free(at->path);
}

/* The object a path names, opened O_PATH (the link itself unless follow). */
static uint32_t open_object(wasm_cell *self, uint32_t fd, uint64_t right, uint32_t path,
                            uint32_t path_len, bool follow, int *object_fd) {
  uint32_t error;
  wasi_descriptor *directory = wasi_descriptor_with_rights(&self->wasi, fd, right, &error);
  if (!directory) return error;
  char *copy;
  error = wasi_path_from_guest(self, path, path_len, &copy);
  if (error) return error;
  *object_fd = wasi_open_beneath(directory->host_fd, copy, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
  if (*object_fd < 0) error = wasi_errno_from_resolution(errno);
  free(copy);
  return error;
}

/* Calls beneath a directory on a slow file system run off the worker
 * (slow_files.c). */
static bool on_slow_directory(wasm_cell *self, uint32_t fd) {
  wasi_descriptor *directory = wasi_descriptor_get(&self->wasi, fd);
  return directory && directory->slow;
}

static uint32_t result_of(int status) { return status == 0 ? WASI_ERRNO_SUCCESS : wasi_errno_now(); }

uint32_t wasi_path_create_directory(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len) {
  beneath at;
  if (on_slow_directory(self, fd))
    return wasi_slow_path_change(self, fd, WASI_RIGHT_PATH_CREATE_DIRECTORY, SLOW_MKDIR, path, path_len);
  uint32_t error = open_beneath_parent(self, fd, WASI_RIGHT_PATH_CREATE_DIRECTORY, path, path_len, &at);
  if (error) return error;
  error = result_of(mkdirat(at.parent_fd, at.last, 0777));
  close_beneath(&at);
  return error;
}

uint32_t wasi_path_remove_directory(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len) {
  beneath at;
  if (on_slow_directory(self, fd))
    return wasi_slow_path_change(self, fd, WASI_RIGHT_PATH_REMOVE_DIRECTORY, SLOW_RMDIR, path, path_len);
  uint32_t error = open_beneath_parent(self, fd, WASI_RIGHT_PATH_REMOVE_DIRECTORY, path, path_len, &at);
  if (error) return error;
  error = result_of(unlinkat(at.parent_fd, at.last, AT_REMOVEDIR));
  close_beneath(&at);
  return error;
}

uint32_t wasi_path_unlink_file(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len) {
  beneath at;
  if (on_slow_directory(self, fd))
    return wasi_slow_path_change(self, fd, WASI_RIGHT_PATH_UNLINK_FILE, SLOW_UNLINK, path, path_len);
  uint32_t error = open_beneath_parent(self, fd, WASI_RIGHT_PATH_UNLINK_FILE, path, path_len, &at);
  if (error) return error;
  error = result_of(unlinkat(at.parent_fd, at.last, 0));
  close_beneath(&at);
  return error;
}

uint32_t wasi_path_rename(wasm_cell *self, uint32_t fd, uint32_t old_path, uint32_t old_path_len,
                          uint32_t new_fd, uint32_t new_path, uint32_t new_path_len) {
  beneath from, to;
  uint32_t error = open_beneath_parent(self, fd, WASI_RIGHT_PATH_RENAME_SOURCE, old_path,
                                       old_path_len, &from);
  if (error) return error;
  error = open_beneath_parent(self, new_fd, WASI_RIGHT_PATH_RENAME_TARGET, new_path,
                              new_path_len, &to);
  if (!error) {
    error = link_guard_check_move(self, from.parent_fd, from.last, to.parent_fd, true);
    if (!error) error = result_of(renameat(from.parent_fd, from.last, to.parent_fd, to.last));
    close_beneath(&to);
  }
  close_beneath(&from);
  return error;
}

static bool has_trailing_slash(const char *name) { return name[0] && name[strlen(name) - 1] == '/'; }

/* A hard link to an already resolved object: linkat cannot take an O_PATH
 * descriptor without CAP_DAC_READ_SEARCH, but its /proc/self/fd link can
 * be followed (see linkat(2)). The object was resolved beneath, so
 * following the magic link here goes nowhere new. */
static uint32_t link_resolved(int object_fd, const beneath *to) {
  char magic[40];
  snprintf(magic, sizeof magic, "/proc/self/fd/%d", object_fd);
  return result_of(linkat(AT_FDCWD, magic, to->parent_fd, to->last, AT_SYMLINK_FOLLOW));
}

/* Without following, the old path is split like the new one; a trailing
 * slash would make the kernel follow its last component, and can only
 * name a directory, which cannot be hard-linked anyway. */
static uint32_t link_unresolved(wasm_cell *self, uint32_t old_fd, uint32_t old_path,
                                uint32_t old_path_len, const beneath *to) {
  beneath from;
  uint32_t error = open_beneath_parent(self, old_fd, WASI_RIGHT_PATH_LINK_SOURCE, old_path,
                                       old_path_len, &from);
  if (error) return error;
  if (has_trailing_slash(from.last))
    error = WASI_ERRNO_PERM;
  else if (!(error = link_guard_check_move(self, from.parent_fd, from.last, to->parent_fd, false)))
    error = result_of(linkat(from.parent_fd, from.last, to->parent_fd, to->last, 0));
  close_beneath(&from);
  return error;
}

uint32_t wasi_path_link(wasm_cell *self, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                        uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                        uint32_t new_path_len) {
  beneath to;
  uint32_t error = open_beneath_parent(self, new_fd, WASI_RIGHT_PATH_LINK_TARGET, new_path,
                                       new_path_len, &to);
  if (error) return error;
  if (old_flags & WASI_LOOKUP_SYMLINK_FOLLOW) {
    int object_fd = -1;
    error = open_object(self, old_fd, WASI_RIGHT_PATH_LINK_SOURCE, old_path, old_path_len, true,
                        &object_fd);
    if (!error) {
      error = link_resolved(object_fd, &to);
      close(object_fd);
    }
  } else {
    error = link_unresolved(self, old_fd, old_path, old_path_len, &to);
  }
  close_beneath(&to);
  return error;
}

/* Any target is harmless to the cell itself: following a link always
 * resolves beneath. Targets that would leave the grant are still refused
 * (EPERM), so the cell cannot plant a link that would mislead a host
 * program walking the granted directory later: see link_guard.h. */
uint32_t wasi_path_symlink(wasm_cell *self, uint32_t old_path, uint32_t old_path_len, uint32_t fd,
                           uint32_t new_path, uint32_t new_path_len) {
  char *target;
  uint32_t error = wasi_path_from_guest(self, old_path, old_path_len, &target);
  if (error) return error;
  beneath at;
  error = open_beneath_parent(self, fd, WASI_RIGHT_PATH_SYMLINK, new_path, new_path_len, &at);
  if (!error) {
    error = link_guard_check_target(self, at.parent_fd, target);
    if (!error) error = result_of(symlinkat(target, at.parent_fd, at.last));
    close_beneath(&at);
  }
  free(target);
  return error;
}

static uint32_t read_link(wasm_cell *self, int link_fd, char *bytes, uint32_t buf_len,
                          uint32_t bufused_out) {
  char *host = malloc(WASI_MAX_PATH);
  if (!host) return WASI_ERRNO_NOMEM;
  ssize_t length = readlinkat(link_fd, "", host, WASI_MAX_PATH);
  uint32_t error = WASI_ERRNO_SUCCESS;
  if (length < 0) {
    /* readlinkat says ENOENT for an empty path naming a non-link */
    error = errno == ENOENT ? WASI_ERRNO_INVAL : wasi_errno_now();
  } else {
    uint32_t used = (size_t)length < buf_len ? (uint32_t)length : buf_len;
    memcpy(bytes, host, used);
    guest_store_u32(self, bufused_out, used);
  }
  free(host);
  return error;
}

uint32_t wasi_path_readlink(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len,
                            uint32_t buf, uint32_t buf_len, uint32_t bufused_out) {
  char *bytes = guest_span(self, buf, buf_len);
  if (!bytes || !guest_span(self, bufused_out, 4)) return WASI_ERRNO_FAULT;
  int link_fd = -1;
  uint32_t error = open_object(self, fd, WASI_RIGHT_PATH_READLINK, path, path_len, false, &link_fd);
  if (error) return error;
  error = read_link(self, link_fd, bytes, buf_len, bufused_out);
  close(link_fd);
  return error;
}

uint32_t wasi_path_filestat_get(wasm_cell *self, uint32_t fd, uint32_t flags, uint32_t path,
                                uint32_t path_len, uint32_t stat_out) {
  if (!guest_span(self, stat_out, WASI_FILESTAT_SIZE)) return WASI_ERRNO_FAULT;
  wasi_descriptor *directory = wasi_descriptor_get(&self->wasi, fd);
  if (directory && directory->slow)
    return wasi_slow_path_filestat_get(self, fd, flags & WASI_LOOKUP_SYMLINK_FOLLOW, path,
                                       path_len, stat_out);
  int object_fd = -1;
  uint32_t error = open_object(self, fd, WASI_RIGHT_PATH_FILESTAT_GET, path, path_len,
                               flags & WASI_LOOKUP_SYMLINK_FOLLOW, &object_fd);
  if (error) return error;
  struct stat status;
  if (fstat(object_fd, &status) == 0)
    wasi_store_filestat(self, stat_out, &status);
  else
    error = wasi_errno_now();
  close(object_fd);
  return error;
}

uint32_t wasi_path_filestat_set_times(wasm_cell *self, uint32_t fd, uint32_t flags, uint32_t path,
                                      uint32_t path_len, uint64_t access_time,
                                      uint64_t modify_time, uint32_t fst_flags) {
  struct timespec times[2];
  uint32_t error = wasi_timespecs_from_request(access_time, modify_time, fst_flags, times);
  if (error) return error;
  int object_fd = -1;
  error = open_object(self, fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, path, path_len,
                      flags & WASI_LOOKUP_SYMLINK_FOLLOW, &object_fd);
  if (error) return error;
  error = result_of(utimensat(object_fd, "", times, AT_EMPTY_PATH));
  close(object_fd);
  return error;
}
