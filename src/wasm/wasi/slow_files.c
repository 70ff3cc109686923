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
  /* MINOS_SLOW_FILES=all treats every file as slow (the offload path on
   * any machine), =none every file as local (its reads and writes inline,
   * as before: for file systems known not to hang, and to compare). */
  const char *forced = getenv("MINOS_SLOW_FILES");
  if (forced && strcmp(forced, "all") == 0) return true;
  if (forced && strcmp(forced, "none") == 0) return false;
  struct statfs status;
  if (fstatfs(host_fd, &status) != 0) return true;
  return !local_filesystem((unsigned long)status.f_type);
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
}

static void free_transfer(void *argument) {
  slow_transfer *job = argument;
  if (job->fd >= 0) close(job->fd);
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
  switch (offload_run(&self->cell->waiter, run_transfer, free_transfer, job)) {
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

/* ---- fstat, fsync, fdatasync, ftruncate ------------------------------ */

typedef struct slow_fd_call {
  int fd; /* a duplicate, owned */
  slow_fd_operation operation;
  off_t size;
  struct stat status;
  int result, error;
} slow_fd_call;

static void run_fd_call(void *argument) {
  slow_fd_call *job = argument;
  do {
    switch (job->operation) {
    case SLOW_FSTAT: job->result = fstat(job->fd, &job->status); break;
    case SLOW_FSYNC: job->result = fsync(job->fd); break;
    case SLOW_FDATASYNC: job->result = fdatasync(job->fd); break;
    default: job->result = ftruncate(job->fd, job->size); break;
    }
  } while (job->result != 0 && errno == EINTR);
  job->error = job->result != 0 ? errno : 0;
}

static void free_fd_call(void *argument) {
  slow_fd_call *job = argument;
  if (job->fd >= 0) close(job->fd);
  free(job);
}

int wasi_slow_fd_call(wasm_cell *self, int host_fd, slow_fd_operation operation, off_t size,
                      struct stat *status) {
  slow_fd_call *job = calloc(1, sizeof *job);
  if (!job) return errno = ENOMEM, -1;
  *job = (slow_fd_call){.fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 0), .operation = operation,
                        .size = size};
  if (job->fd < 0) {
    free(job);
    return -1;
  }
  offload_outcome outcome = offload_run(&self->cell->waiter, run_fd_call, free_fd_call, job);
  if (outcome == OFFLOAD_ABANDONED) {
    /* The pool frees the job; the caller holds nothing, so the cell ends. */
    cell_honour_end_request(self->cell);
    return errno = ECANCELED, -1;
  }
  int result = outcome == OFFLOAD_DONE ? job->result : -1;
  int error = outcome == OFFLOAD_DONE ? job->error : ENOMEM;
  if (result == 0 && status) *status = job->status;
  free_fd_call(job);
  errno = error;
  return result;
}

/* ---- path_filestat_get ----------------------------------------------- */

typedef struct slow_path_stat {
  int directory_fd; /* a duplicate, owned */
  char *path;
  bool follow;
  struct stat status;
  int result, error; /* error: of the lookup (resolution) or of fstat */
  bool lookup_failed;
} slow_path_stat;

static void run_path_stat(void *argument) {
  slow_path_stat *job = argument;
  int object_fd = wasi_open_beneath(job->directory_fd, job->path,
                                    O_PATH | (job->follow ? 0 : O_NOFOLLOW), 0);
  job->lookup_failed = object_fd < 0;
  job->result = object_fd < 0 ? -1 : fstat(object_fd, &job->status);
  job->error = job->result != 0 ? errno : 0;
  if (object_fd >= 0) close(object_fd);
}

static void free_path_stat(void *argument) {
  slow_path_stat *job = argument;
  if (job->directory_fd >= 0) close(job->directory_fd);
  free(job->path);
  free(job);
}

uint32_t wasi_slow_path_filestat_get(wasm_cell *self, uint32_t fd, bool follow, uint32_t path,
                                     uint32_t path_len, uint32_t stat_out) {
  uint32_t error;
  wasi_descriptor *directory =
      wasi_descriptor_with_rights(&self->wasi, fd, WASI_RIGHT_PATH_FILESTAT_GET, &error);
  if (!directory) return error;
  slow_path_stat *job = calloc(1, sizeof *job);
  if (!job) return WASI_ERRNO_NOMEM;
  job->follow = follow;
  job->directory_fd = fcntl(directory->host_fd, F_DUPFD_CLOEXEC, 0);
  error = wasi_path_from_guest(self, path, path_len, &job->path);
  if (!error && job->directory_fd < 0) error = wasi_errno_now();
  if (error) {
    free_path_stat(job);
    return error;
  }
  offload_outcome outcome = offload_run(&self->cell->waiter, run_path_stat, free_path_stat, job);
  if (outcome == OFFLOAD_ABANDONED) {
    /* The pool frees the job; nothing else is held, so the cell ends. */
    cell_honour_end_request(self->cell);
    return WASI_ERRNO_CANCELED;
  }
  if (outcome == OFFLOAD_REFUSED) error = WASI_ERRNO_NOMEM;
  else if (job->lookup_failed) error = wasi_errno_from_resolution(job->error);
  else if (job->result != 0) error = wasi_errno_from_host(job->error);
  else wasi_store_filestat(self, stat_out, &job->status);
  free_path_stat(job);
  return error;
}

/* ---- path_create_directory, path_remove_directory, path_unlink_file -- */

typedef struct slow_path_change {
  int directory_fd; /* a duplicate, owned */
  char *path;
  slow_path_operation operation;
  uint32_t error; /* a WASI errno */
} slow_path_change;

static void run_path_change(void *argument) {
  slow_path_change *job = argument;
  int parent_fd;
  const char *last;
  job->error = wasi_open_parent(job->directory_fd, job->path, &parent_fd, &last);
  if (job->error) return;
  int result;
  switch (job->operation) {
  case SLOW_MKDIR: result = mkdirat(parent_fd, last, 0777); break;
  case SLOW_RMDIR: result = unlinkat(parent_fd, last, AT_REMOVEDIR); break;
  default: result = unlinkat(parent_fd, last, 0); break;
  }
  job->error = result == 0 ? WASI_ERRNO_SUCCESS : wasi_errno_now();
  close(parent_fd);
}

static void free_path_change(void *argument) {
  slow_path_change *job = argument;
  if (job->directory_fd >= 0) close(job->directory_fd);
  free(job->path);
  free(job);
}

uint32_t wasi_slow_path_change(wasm_cell *self, uint32_t fd, uint64_t right,
                               slow_path_operation operation, uint32_t path,
                               uint32_t path_len) {
  uint32_t error;
  wasi_descriptor *directory = wasi_descriptor_with_rights(&self->wasi, fd, right, &error);
  if (!directory) return error;
  slow_path_change *job = calloc(1, sizeof *job);
  if (!job) return WASI_ERRNO_NOMEM;
  job->operation = operation;
  job->directory_fd = fcntl(directory->host_fd, F_DUPFD_CLOEXEC, 0);
  error = wasi_path_from_guest(self, path, path_len, &job->path);
  if (!error && job->directory_fd < 0) error = wasi_errno_now();
  if (error) {
    free_path_change(job);
    return error;
  }
  offload_outcome outcome =
      offload_run(&self->cell->waiter, run_path_change, free_path_change, job);
  if (outcome == OFFLOAD_ABANDONED) {
    /* The pool frees the job; nothing else is held, so the cell ends. */
    cell_honour_end_request(self->cell);
    return WASI_ERRNO_CANCELED;
  }
  error = outcome == OFFLOAD_REFUSED ? WASI_ERRNO_NOMEM : job->error;
  free_path_change(job);
  return error;
}
