/* SPDX-License-Identifier: Apache-2.0 */
/* Files on slow file systems. A read on a local disk is over in
 * microseconds and is done inline, on the worker; a read on a network or
 * FUSE file system can hang for minutes (a server gone, a FUSE daemon
 * stuck), which would freeze every cell of the worker. So each host
 * descriptor is classified once, when it is granted or opened (fstatfs),
 * and the calls on a slow one run on an offload thread (core/offload.h)
 * while the cell blocks.
 *
 * Opens beneath a local directory stay on the worker but may not cross
 * into another mount (open.c): one that would is retried off the worker,
 * and what it opens is classified there.
 *
 * An offloaded call never touches guest memory or the cell's descriptor:
 * a cell killed while it waits lets go of the call, which finishes later
 * on its own. So it works on its own duplicate of the host descriptor and
 * its own buffer, and the cell copies data in or out around it. */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/cell.h"
#include "core/offload.h"
#include "wasm/wasi/wasi_private.h"

/* One offloaded transfer moves at most this much; the guest sees a short
 * read or write, as POSIX allows, and asks again. */
#define SLOW_TRANSFER_MAX ((size_t)4 << 20)

/* Magic numbers missing from older kernel headers. */
#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif
#ifndef ZFS_SUPER_MAGIC
#define ZFS_SUPER_MAGIC 0x2fc12fc1
#endif
#ifndef EXFAT_SUPER_MAGIC
#define EXFAT_SUPER_MAGIC 0x2011bab0
#endif
#ifndef F2FS_SUPER_MAGIC
#define F2FS_SUPER_MAGIC 0xf2f52010
#endif

/* File systems whose calls never wait on anything but local memory or a
 * local disk. Everything else (NFS, FUSE, CIFS, 9p, Ceph, AFS, and what
 * is not known here) counts as slow: the safe side. */
static bool local_filesystem(unsigned long type) {
  switch (type) {
  case EXT4_SUPER_MAGIC: /* ext2, ext3 and ext4 share it */
  case XFS_SUPER_MAGIC:
  case BTRFS_SUPER_MAGIC:
  case TMPFS_MAGIC:
  case RAMFS_MAGIC:
  case OVERLAYFS_SUPER_MAGIC:
  case F2FS_SUPER_MAGIC:
  case SQUASHFS_MAGIC:
  case MSDOS_SUPER_MAGIC:
  case EXFAT_SUPER_MAGIC:
  case ZFS_SUPER_MAGIC:
  case PROC_SUPER_MAGIC:
  case SYSFS_MAGIC:
  case DEVPTS_SUPER_MAGIC:
  case CGROUP2_SUPER_MAGIC:
  case ISOFS_SUPER_MAGIC: return true;
  default: return false;
  }
}

bool wasi_host_fd_is_slow(int host_fd) {
  offload_files policy = offload_files_policy();
  if (policy == OFFLOAD_FILES_ALL) return true;
  if (policy == OFFLOAD_FILES_NONE) return false;
  struct statfs status;
  if (fstatfs(host_fd, &status) != 0) return true;
  return !local_filesystem((unsigned long)status.f_type);
}

/* A close on a slow file system may flush to its server and hang, so a
 * job's duplicate descriptor is closed where the job ran, on its offload
 * thread; one whose job never ran is closed off the worker too. */
static void close_here(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void close_later(int fd) {
  if (fd >= 0) wasi_close_slow(fd, -1);
}

/* ---- read, write, pread, pwrite -------------------------------------- */

typedef struct slow_transfer {
  int fd; /* a duplicate, owned */
  bool reading, positioned;
  off_t offset;
  char *buffer;
  size_t length;
  ssize_t done;
  int error;
} slow_transfer;

static void run_transfer(void *argument) {
  slow_transfer *job = argument;
  do {
    if (job->reading)
      job->done = job->positioned ? pread(job->fd, job->buffer, job->length, job->offset)
                                  : read(job->fd, job->buffer, job->length);
    else
      job->done = job->positioned ? pwrite(job->fd, job->buffer, job->length, job->offset)
                                  : write(job->fd, job->buffer, job->length);
  } while (job->done < 0 && errno == EINTR);
  job->error = job->done < 0 ? errno : 0;
  close_here(&job->fd);
}

static void free_transfer(void *argument) {
  slow_transfer *job = argument;
  close_later(job->fd);
  free(job->buffer);
  free(job);
}

static size_t iovec_total(const struct iovec *iov, uint32_t count) {
  size_t total = 0;
  for (uint32_t i = 0; i < count && total < SLOW_TRANSFER_MAX; i++) total += iov[i].iov_len;
  return total < SLOW_TRANSFER_MAX ? total : SLOW_TRANSFER_MAX;
}

/* Between the job's buffer and the guest's iovecs, `length` bytes. */
static void copy_iovecs(const struct iovec *iov, uint32_t count, char *buffer, size_t length,
                        bool to_guest) {
  for (uint32_t i = 0; i < count && length > 0; i++) {
    size_t part = iov[i].iov_len < length ? iov[i].iov_len : length;
    if (to_guest) memcpy(iov[i].iov_base, buffer, part);
    else memcpy(buffer, iov[i].iov_base, part);
    buffer += part;
    length -= part;
  }
}

static slow_transfer *new_transfer(int host_fd, bool reading, const struct iovec *iov,
                                   uint32_t count) {
  slow_transfer *job = calloc(1, sizeof *job);
  if (!job) {
    errno = ENOMEM;
    return NULL;
  }
  job->length = iovec_total(iov, count);
  job->buffer = malloc(job->length ? job->length : 1);
  job->fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 0);
  if (!job->buffer || job->fd < 0) {
    int saved = job->buffer ? errno : ENOMEM;
    free_transfer(job);
    errno = saved;
    return NULL;
  }
  job->reading = reading;
  if (!reading) copy_iovecs(iov, count, job->buffer, job->length, false);
  return job;
}

uint32_t wasi_slow_transfer(wasm_cell *self, int host_fd, bool reading, bool positioned,
                            uint64_t offset, const struct iovec *iov, uint32_t count,
                            size_t *done) {
  slow_transfer *job = new_transfer(host_fd, reading, iov, count);
  if (!job) return errno == EMFILE || errno == ENFILE ? WASI_ERRNO_MFILE : WASI_ERRNO_NOMEM;
  job->positioned = positioned;
  job->offset = (off_t)offset;
  switch (offload_run(&offload_file_pool, &self->cell->waiter, run_transfer, free_transfer,
                      job)) {
  case OFFLOAD_ABANDONED: return WASI_ERRNO_CANCELED; /* the cell is ending */
  case OFFLOAD_REFUSED: free_transfer(job); return WASI_ERRNO_NOMEM;
  case OFFLOAD_DONE: break;
  }
  uint32_t error = job->done < 0 ? wasi_errno_from_host(job->error) : WASI_ERRNO_SUCCESS;
  if (!error && reading) copy_iovecs(iov, count, job->buffer, (size_t)job->done, true);
  *done = job->done < 0 ? 0 : (size_t)job->done;
  free_transfer(job);
  return error;
}

/* ---- calls on an open descriptor ------------------------------------ */

/* posix_fadvise and posix_fallocate return the error; the rest set errno. */
static int perform(int fd, fd_request *request) {
  int result, error;
  do {
    switch (request->operation) {
    case FD_FSTAT: result = fstat(fd, &request->status); break;
    case FD_FSYNC: result = fsync(fd); break;
    case FD_FDATASYNC: result = fdatasync(fd); break;
    case FD_FTRUNCATE: result = ftruncate(fd, request->length); break;
    case FD_SET_TIMES: result = utimensat(fd, "", request->times, AT_EMPTY_PATH); break;
    case FD_SEEK:
      request->position = lseek(fd, request->offset, request->how);
      result = request->position < 0 ? -1 : 0;
      break;
    case FD_ADVISE:
    case FD_ALLOCATE:
      error = request->operation == FD_ADVISE
                  ? posix_fadvise(fd, request->offset, request->length, request->how)
                  : posix_fallocate(fd, request->offset, request->length);
      errno = error;
      result = error ? -1 : 0;
      break;
    default: errno = EINVAL; return -1;
    }
  } while (result != 0 && errno == EINTR);
  return result;
}

typedef struct slow_fd_call {
  int fd; /* a duplicate, owned */
  fd_request request;
  int result, error;
} slow_fd_call;

static void run_fd_call(void *argument) {
  slow_fd_call *job = argument;
  int fd = job->fd;
  if (job->request.open_directory) fd = openat(job->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  job->result = fd < 0 ? -1 : perform(fd, &job->request);
  job->error = job->result != 0 ? errno : 0;
  if (fd >= 0 && fd != job->fd) close(fd);
  close_here(&job->fd);
}

static void free_fd_call(void *argument) {
  slow_fd_call *job = argument;
  close_later(job->fd);
  free(job);
}

int wasi_fd_request_run(wasm_cell *self, const wasi_descriptor *descriptor, int host_fd,
                        fd_request *request) {
  if (!descriptor->slow) return perform(host_fd, request);
  slow_fd_call *job = calloc(1, sizeof *job);
  if (!job) return errno = ENOMEM, -1;
  *job = (slow_fd_call){.fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 0), .request = *request};
  if (job->fd < 0) {
    free(job);
    return -1;
  }
  offload_outcome outcome =
      offload_run(&offload_file_pool, &self->cell->waiter, run_fd_call, free_fd_call, job);
  if (outcome == OFFLOAD_ABANDONED) {
    /* The pool frees the job; the caller holds nothing, so the cell ends. */
    cell_honour_end_request(self->cell);
    return errno = ECANCELED, -1;
  }
  int result = outcome == OFFLOAD_DONE ? job->result : -1;
  int error = outcome == OFFLOAD_DONE ? job->error : ENOMEM;
  if (result == 0) *request = job->request;
  free_fd_call(job);
  errno = error;
  return result;
}

/* ---- close ----------------------------------------------------------- */

typedef struct slow_close {
  int fds[2];
} slow_close;

static void run_close(void *argument) {
  slow_close *job = argument;
  for (int i = 0; i < 2; i++)
    if (job->fds[i] >= 0) close(job->fds[i]);
}

void wasi_close_slow(int first_fd, int second_fd) {
  slow_close *job = malloc(sizeof *job);
  if (job) *job = (slow_close){{first_fd, second_fd}};
  /* Without memory or a thread, the close is done here, as anywhere. */
  if (!job || !offload_detach(&offload_file_pool, run_close, free, job)) {
    slow_close inline_job = {{first_fd, second_fd}};
    run_close(&inline_job);
    free(job);
  }
}
