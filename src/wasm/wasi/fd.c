/* SPDX-License-Identifier: Apache-2.0 */
/* Calls on an open descriptor (other than I/O, in io.c, and directory
 * listing, in readdir.c). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasm/wasi/wasi_private.h"

/* Declares `descriptor` for guest fd `fd` holding `rights`, or returns
 * the reason it does not (every call below starts this way). */
#define WITH_RIGHTS(descriptor, fd, rights)                                              \
  uint32_t descriptor##_error;                                                           \
  wasi_descriptor *descriptor =                                                          \
      wasi_descriptor_with_rights(&self->wasi, fd, rights, &descriptor##_error);         \
  if (!descriptor) return descriptor##_error

static uint32_t result_of(int status) { return status == 0 ? WASI_ERRNO_SUCCESS : wasi_errno_now(); }

/* The request on the descriptor's host fd, inline or off the worker: a
 * WASI errno. */
static uint32_t run_request(wasm_cell *self, const wasi_descriptor *descriptor, int host_fd,
                            fd_request *request) {
  return result_of(wasi_fd_request_run(self, descriptor, host_fd, request));
}

/* A grant's descriptor is O_PATH: it cannot be synced. On the worker the
 * directory is opened once and kept (readable_fd); off it, each time. */
static uint32_t sync_descriptor(wasm_cell *self, wasi_descriptor *descriptor, fd_operation operation) {
  fd_request request = {.operation = operation};
  if (descriptor->slow) {
    request.open_directory = descriptor->path_only;
    return run_request(self, descriptor, descriptor->host_fd, &request);
  }
  int fd_to_sync = wasi_descriptor_readable_fd(descriptor);
  return fd_to_sync < 0 ? wasi_errno_now() : run_request(self, descriptor, fd_to_sync, &request);
}

uint32_t wasi_fd_close(wasm_cell *self, uint32_t fd) {
  wasi_descriptor *descriptor = wasi_descriptor_remove(&self->wasi, fd);
  if (!descriptor) return WASI_ERRNO_BADF;
  wasi_descriptor_free(descriptor);
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_fd_renumber(wasm_cell *self, uint32_t fd, uint32_t to) {
  return wasi_descriptor_renumber(&self->wasi, fd, to);
}

uint32_t wasi_fd_datasync(wasm_cell *self, uint32_t fd) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_DATASYNC);
  return sync_descriptor(self, descriptor, FD_FDATASYNC);
}

uint32_t wasi_fd_sync(wasm_cell *self, uint32_t fd) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_SYNC);
  return sync_descriptor(self, descriptor, FD_FSYNC);
}

static int host_advice(uint32_t advice) {
  switch (advice) {
  case WASI_ADVICE_NORMAL: return POSIX_FADV_NORMAL;
  case WASI_ADVICE_SEQUENTIAL: return POSIX_FADV_SEQUENTIAL;
  case WASI_ADVICE_RANDOM: return POSIX_FADV_RANDOM;
  case WASI_ADVICE_WILLNEED: return POSIX_FADV_WILLNEED;
  case WASI_ADVICE_DONTNEED: return POSIX_FADV_DONTNEED;
  case WASI_ADVICE_NOREUSE: return POSIX_FADV_NOREUSE;
  default: return -1;
  }
}

uint32_t wasi_fd_advise(wasm_cell *self, uint32_t fd, uint64_t offset, uint64_t length,
                        uint32_t advice) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_ADVISE);
  int host = host_advice(advice);
  if (host < 0 || offset > INT64_MAX || length > INT64_MAX) return WASI_ERRNO_INVAL;
  fd_request request = {.operation = FD_ADVISE, .offset = (off_t)offset, .length = (off_t)length,
                        .how = host};
  return run_request(self, descriptor, descriptor->host_fd, &request);
}

uint32_t wasi_fd_allocate(wasm_cell *self, uint32_t fd, uint64_t offset, uint64_t length) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_ALLOCATE);
  if (offset > INT64_MAX || length > INT64_MAX - offset) return WASI_ERRNO_FBIG;
  if (length == 0) return WASI_ERRNO_INVAL;
  fd_request request = {.operation = FD_ALLOCATE, .offset = (off_t)offset,
                        .length = (off_t)length};
  return run_request(self, descriptor, descriptor->host_fd, &request);
}

static uint16_t fdflags_of(const wasi_descriptor *descriptor) {
  if (descriptor->end) return descriptor->nonblocking ? WASI_FDFLAG_NONBLOCK : 0;
  int host = fcntl(descriptor->host_fd, F_GETFL);
  if (host < 0) return 0;
  uint16_t flags = 0;
  if (host & O_APPEND) flags |= WASI_FDFLAG_APPEND;
  if ((host & O_SYNC) == O_SYNC)
    flags |= WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC; /* Linux's O_RSYNC is O_SYNC */
  else if (host & O_DSYNC)
    flags |= WASI_FDFLAG_DSYNC;
  if (host & O_NONBLOCK) flags |= WASI_FDFLAG_NONBLOCK;
  return flags;
}

uint32_t wasi_fd_fdstat_get(wasm_cell *self, uint32_t fd, uint32_t stat_out) {
  wasi_descriptor *descriptor = wasi_descriptor_get(&self->wasi, fd);
  if (!descriptor) return WASI_ERRNO_BADF;
  if (!guest_span(self, stat_out, WASI_FDSTAT_SIZE)) return WASI_ERRNO_FAULT;
  guest_store_u64(self, stat_out + WASI_FDSTAT_FILETYPE, 0); /* clears the padding too */
  guest_store_u8(self, stat_out + WASI_FDSTAT_FILETYPE, descriptor->filetype);
  guest_store_u16(self, stat_out + WASI_FDSTAT_FLAGS, fdflags_of(descriptor));
  guest_store_u64(self, stat_out + WASI_FDSTAT_RIGHTS_BASE, descriptor->rights_base);
  guest_store_u64(self, stat_out + WASI_FDSTAT_RIGHTS_INHERITING, descriptor->rights_inheriting);
  return WASI_ERRNO_SUCCESS;
}

/* Only APPEND and NONBLOCK can change after open (as with F_SETFL); asking
 * to change the synchronisation flags is refused rather than ignored. */
uint32_t wasi_fd_fdstat_set_flags(wasm_cell *self, uint32_t fd, uint32_t flags) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_FDSTAT_SET_FLAGS);
  if (flags & ~WASI_FDFLAGS_ALL) return WASI_ERRNO_INVAL;
  uint32_t changeable = WASI_FDFLAG_APPEND | WASI_FDFLAG_NONBLOCK;
  if ((flags & ~changeable) != (fdflags_of(descriptor) & ~changeable)) return WASI_ERRNO_NOTSUP;
  if (descriptor->end) {
    if (flags & WASI_FDFLAG_APPEND) return WASI_ERRNO_NOTSUP;
    descriptor->nonblocking = flags & WASI_FDFLAG_NONBLOCK;
    return WASI_ERRNO_SUCCESS;
  }
  int host = fcntl(descriptor->host_fd, F_GETFL);
  if (host < 0) return wasi_errno_now();
  host &= ~(O_APPEND | O_NONBLOCK);
  if (flags & WASI_FDFLAG_APPEND) host |= O_APPEND;
  if (flags & WASI_FDFLAG_NONBLOCK) host |= O_NONBLOCK;
  return result_of(fcntl(descriptor->host_fd, F_SETFL, host));
}

uint32_t wasi_fd_fdstat_set_rights(wasm_cell *self, uint32_t fd, uint64_t base,
                                   uint64_t inheriting) {
  wasi_descriptor *descriptor = wasi_descriptor_get(&self->wasi, fd);
  if (!descriptor) return WASI_ERRNO_BADF;
  if ((base & ~descriptor->rights_base) || (inheriting & ~descriptor->rights_inheriting))
    return WASI_ERRNO_NOTCAPABLE;
  descriptor->rights_base = base;
  descriptor->rights_inheriting = inheriting;
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_fd_filestat_get(wasm_cell *self, uint32_t fd, uint32_t stat_out) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_FILESTAT_GET);
  if (!guest_span(self, stat_out, WASI_FILESTAT_SIZE)) return WASI_ERRNO_FAULT;
  fd_request request = {.operation = FD_FSTAT};
  uint32_t error = run_request(self, descriptor, descriptor->host_fd, &request);
  if (!error) wasi_store_filestat(self, stat_out, &request.status);
  return error;
}

uint32_t wasi_fd_filestat_set_size(wasm_cell *self, uint32_t fd, uint64_t size) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_FILESTAT_SET_SIZE);
  if (size > INT64_MAX) return WASI_ERRNO_FBIG;
  fd_request request = {.operation = FD_FTRUNCATE, .length = (off_t)size};
  return run_request(self, descriptor, descriptor->host_fd, &request);
}

/* AT_EMPTY_PATH works on every kind of descriptor, including the O_PATH
 * ones granted directories are held by, where futimens would not. */
uint32_t wasi_fd_filestat_set_times(wasm_cell *self, uint32_t fd, uint64_t access_time,
                                    uint64_t modify_time, uint32_t flags) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_FILESTAT_SET_TIMES);
  fd_request request = {.operation = FD_SET_TIMES};
  uint32_t error = wasi_timespecs_from_request(access_time, modify_time, flags, request.times);
  if (error) return error;
  return run_request(self, descriptor, descriptor->host_fd, &request);
}

uint32_t wasi_fd_prestat_get(wasm_cell *self, uint32_t fd, uint32_t prestat_out) {
  wasi_descriptor *descriptor = wasi_descriptor_get(&self->wasi, fd);
  if (!descriptor || !descriptor->preopen_path) return WASI_ERRNO_BADF;
  if (!guest_span(self, prestat_out, WASI_PRESTAT_SIZE)) return WASI_ERRNO_FAULT;
  guest_store_u32(self, prestat_out + WASI_PRESTAT_TAG, 0); /* tag and padding */
  guest_store_u8(self, prestat_out + WASI_PRESTAT_TAG, WASI_PREOPEN_DIR);
  guest_store_u32(self, prestat_out + WASI_PRESTAT_NAME_LEN,
                  (uint32_t)strlen(descriptor->preopen_path));
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_fd_prestat_dir_name(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len) {
  wasi_descriptor *descriptor = wasi_descriptor_get(&self->wasi, fd);
  if (!descriptor || !descriptor->preopen_path) return WASI_ERRNO_BADF;
  size_t length = strlen(descriptor->preopen_path);
  if (path_len < length) return WASI_ERRNO_NAMETOOLONG;
  char *bytes = guest_span(self, path, length);
  if (!bytes) return WASI_ERRNO_FAULT;
  memcpy(bytes, descriptor->preopen_path, length);
  return WASI_ERRNO_SUCCESS;
}

static int host_whence(uint32_t whence) {
  switch (whence) {
  case WASI_WHENCE_SET: return SEEK_SET;
  case WASI_WHENCE_CUR: return SEEK_CUR;
  case WASI_WHENCE_END: return SEEK_END;
  default: return -1;
  }
}

/* Asking where one is (offset 0 from the current position) needs only the
 * right to tell, as wasi-libc's ftell does it with fd_seek. */
uint32_t wasi_fd_seek(wasm_cell *self, uint32_t fd, uint64_t offset, uint32_t whence,
                      uint32_t newoffset_out) {
  bool telling = offset == 0 && whence == WASI_WHENCE_CUR;
  WITH_RIGHTS(descriptor, fd, telling ? WASI_RIGHT_FD_TELL : WASI_RIGHT_FD_SEEK);
  int host = host_whence(whence);
  if (host < 0) return WASI_ERRNO_INVAL;
  if (!guest_span(self, newoffset_out, 8)) return WASI_ERRNO_FAULT;
  /* Only SEEK_END asks the file system (for the size), so only it may
   * go off the worker. */
  fd_request request = {.operation = FD_SEEK, .offset = (off_t)(int64_t)offset, .how = host};
  uint32_t error = WASI_ERRNO_SUCCESS;
  if (host == SEEK_END) error = run_request(self, descriptor, descriptor->host_fd, &request);
  else if ((request.position = lseek(descriptor->host_fd, request.offset, host)) < 0)
    error = wasi_errno_now();
  if (!error) guest_store_u64(self, newoffset_out, (uint64_t)request.position);
  return error;
}

uint32_t wasi_fd_tell(wasm_cell *self, uint32_t fd, uint32_t offset_out) {
  WITH_RIGHTS(descriptor, fd, WASI_RIGHT_FD_TELL);
  if (!guest_span(self, offset_out, 8)) return WASI_ERRNO_FAULT;
  off_t position = lseek(descriptor->host_fd, 0, SEEK_CUR);
  if (position < 0) return wasi_errno_now();
  guest_store_u64(self, offset_out, (uint64_t)position);
  return WASI_ERRNO_SUCCESS;
}
