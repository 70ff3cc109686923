/* SPDX-License-Identifier: Apache-2.0 */
/* path_open: a new descriptor for a path beneath a directory descriptor.
 *
 * WASI says what the guest wants in rights, not in an access mode; the
 * host open mode follows from them: reading rights give O_RDONLY, writing
 * rights O_WRONLY, both O_RDWR. The new descriptor gets the rights asked
 * for, cut down to what the directory may hand on and what its file type
 * can do (and to no writing rights beneath a read-only grant).
 *
 * Only regular files and directories can be opened. Opening a FIFO waits
 * for a peer to open its other side, opening a device runs its driver's
 * open, and a socket cannot be opened at all: none of them may hold the
 * worker thread, which runs other cells. Such an object is refused with
 * ENXIO (Linux's answer for a socket, and for a FIFO that would wait): it
 * is looked at first without being opened (O_PATH), and the open itself
 * is non-blocking, so one swapped in between cannot block either and is
 * refused after the fact. The cell can still see it (path_filestat_get,
 * fd_readdir), remove or rename it. A directory asked for with writing
 * rights fails with EISDIR, as WASI and open(2) want. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/cell.h"
#include "core/offload.h"
#include "wasm/wasi/wasi_private.h"

#define KNOWN_OFLAGS (WASI_OFLAG_CREAT | WASI_OFLAG_DIRECTORY | WASI_OFLAG_EXCL | WASI_OFLAG_TRUNC)

typedef struct open_request {
  uint32_t lookup_flags, oflags, fdflags;
  uint64_t rights_base, rights_inheriting;
} open_request;

static int host_access_mode(uint64_t rights) {
  bool reading = rights & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
  bool writing = rights & WASI_RIGHTS_OPEN_FOR_WRITING;
  if (reading && writing) return O_RDWR;
  return writing ? O_WRONLY : O_RDONLY;
}

static int host_open_flags(const open_request *request) {
  /* A directory is never opened for writing; writing rights asked for
   * with it are about files created beneath it. */
  bool directory = request->oflags & WASI_OFLAG_DIRECTORY;
  int flags = (directory ? O_RDONLY : host_access_mode(request->rights_base)) | O_NOCTTY;
  if (request->oflags & WASI_OFLAG_CREAT) flags |= O_CREAT;
  if (request->oflags & WASI_OFLAG_DIRECTORY) flags |= O_DIRECTORY;
  if (request->oflags & WASI_OFLAG_EXCL) flags |= O_EXCL;
  if (request->oflags & WASI_OFLAG_TRUNC) flags |= O_TRUNC;
  if (request->fdflags & WASI_FDFLAG_APPEND) flags |= O_APPEND;
  if (request->fdflags & WASI_FDFLAG_DSYNC) flags |= O_DSYNC;
  if (request->fdflags & WASI_FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
  if (request->fdflags & WASI_FDFLAG_RSYNC) flags |= O_RSYNC;
  if (request->fdflags & WASI_FDFLAG_SYNC) flags |= O_SYNC;
  /* Only the last component: symlinks on the way are followed (beneath),
   * as POSIX O_NOFOLLOW does. */
  if (!(request->lookup_flags & WASI_LOOKUP_SYMLINK_FOLLOW)) flags |= O_NOFOLLOW;
  return flags;
}

static bool openable(mode_t mode) { return S_ISREG(mode) || S_ISDIR(mode); }

/* EXDEV and the like are left to the real open, which says them better. */
static bool refused_before_opening(int directory_fd, const char *path, int flags,
                                   bool same_mount) {
  int lookup = O_PATH | (flags & (O_NOFOLLOW | O_DIRECTORY));
  int probe = wasi_open_beneath_how(directory_fd, path, lookup, 0, same_mount);
  if (probe < 0) return false;
  struct stat status;
  bool refused = fstat(probe, &status) == 0 && !S_ISLNK(status.st_mode) &&
                 !openable(status.st_mode);
  close(probe);
  return refused;
}

/* The open without waiting; the descriptor is made blocking again (unless
 * the cell asked for it non-blocking) once it is known to be a file or a
 * directory, for which O_NONBLOCK means nothing anyway. With same_mount
 * (an open on the worker, beneath a local directory) a path that crosses
 * into another mount, which may be slow, fails with XDEV before touching
 * it: the caller then retries off the worker. */
typedef struct opened_file {
  int host_fd;
  uint8_t filetype;
  bool slow; /* its own file system may hang (asked off the worker) */
} opened_file;

static uint32_t open_file_or_directory(int directory_fd, const char *path, int flags,
                                       bool write_rights, bool same_mount, opened_file *out) {
  /* An exclusive create never opens what is there (EEXIST). */
  bool exclusive = (flags & O_CREAT) && (flags & O_EXCL);
  if (!exclusive && refused_before_opening(directory_fd, path, flags, same_mount))
    return WASI_ERRNO_NXIO;
  int fd = wasi_open_beneath_how(directory_fd, path, flags | O_NONBLOCK, 0666, same_mount);
  if (fd < 0 && same_mount && errno == EXDEV) return WASI_ERRNO_XDEV;
  if (fd < 0) return wasi_errno_from_resolution(errno);
  struct stat status;
  uint32_t error = WASI_ERRNO_SUCCESS;
  if (fstat(fd, &status) != 0) error = wasi_errno_now();
  else if (!openable(status.st_mode)) error = WASI_ERRNO_NXIO;
  else if (S_ISDIR(status.st_mode) && write_rights) error = WASI_ERRNO_ISDIR;
  else if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
    error = wasi_errno_now();
  if (error) {
    close(fd);
    return error;
  }
  out->host_fd = fd;
  out->filetype = wasi_filetype_from_mode(status.st_mode);
  return WASI_ERRNO_SUCCESS;
}

/* An open beneath a directory on a slow file system runs on an offload
 * thread (see slow_files.c), on duplicates it owns: a cell killed while it
 * waits lets go, and the job closes what it opened. */
typedef struct slow_open {
  int directory_fd;
  char *path;
  int flags;
  bool write_rights;
  opened_file opened;
  uint32_t error;
} slow_open;

static void run_open(void *argument) {
  slow_open *job = argument;
  job->error = open_file_or_directory(job->directory_fd, job->path, job->flags,
                                      job->write_rights, false, &job->opened);
  if (!job->error) job->opened.slow = wasi_host_fd_is_slow(job->opened.host_fd);
  close(job->directory_fd); /* O_PATH: closing it flushes nothing, but here is cheap */
  job->directory_fd = -1;
}

static void free_open(void *argument) {
  slow_open *job = argument;
  /* An open whose cell let go: closed off the worker (slow_files.c). */
  if (job->opened.host_fd >= 0) wasi_close_slow(job->opened.host_fd, -1);
  if (job->directory_fd >= 0) close(job->directory_fd);
  free(job->path);
  free(job);
}

static uint32_t open_off_worker(wasm_cell *self, int directory_fd, const char *path, int flags,
                                bool write_rights, opened_file *out) {
  slow_open *job = calloc(1, sizeof *job);
  if (!job) return WASI_ERRNO_NOMEM;
  *job = (slow_open){fcntl(directory_fd, F_DUPFD_CLOEXEC, 0), strdup(path), flags, write_rights,
                     {.host_fd = -1}, WASI_ERRNO_SUCCESS};
  if (job->directory_fd < 0 || !job->path) {
    free_open(job);
    return WASI_ERRNO_NOMEM;
  }
  offload_outcome outcome =
      offload_run(&offload_file_pool, &self->cell->waiter, run_open, free_open, job);
  if (outcome == OFFLOAD_ABANDONED) return WASI_ERRNO_CANCELED; /* the cell is ending */
  uint32_t error = outcome == OFFLOAD_REFUSED ? WASI_ERRNO_NOMEM : job->error;
  if (!error) {
    *out = job->opened;
    job->opened.host_fd = -1;
  }
  free_open(job);
  return error;
}

/* Write attempts beneath a read-only grant fail here, before anything is
 * opened, as they would on a read-only mount. */
static uint32_t check_request(wasi_context *context, uint32_t fd, const open_request *request,
                              wasi_descriptor **directory_out) {
  uint64_t needed = WASI_RIGHT_PATH_OPEN;
  if (request->oflags & WASI_OFLAG_CREAT) needed |= WASI_RIGHT_PATH_CREATE_FILE;
  if (request->oflags & WASI_OFLAG_TRUNC) needed |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
  uint32_t error;
  wasi_descriptor *directory = wasi_descriptor_with_rights(context, fd, needed, &error);
  if (!directory) return error;
  if (request->oflags & ~KNOWN_OFLAGS) return WASI_ERRNO_INVAL;
  if (request->fdflags & ~WASI_FDFLAGS_ALL) return WASI_ERRNO_INVAL;
  if (directory->read_only && (request->rights_base & WASI_RIGHTS_OPEN_FOR_WRITING))
    return WASI_ERRNO_ROFS;
  /* Programs ask for every right they might use (Rust's std asks for all
   * the path rights even on files) and get what may be had, but reading
   * or writing itself is what the open is for: refused if not inheritable. */
  uint64_t access = WASI_RIGHT_FD_READ | WASI_RIGHTS_OPEN_FOR_WRITING;
  if (request->rights_base & access & ~directory->rights_inheriting) return WASI_ERRNO_NOTCAPABLE;
  *directory_out = directory;
  return WASI_ERRNO_SUCCESS;
}

static wasi_descriptor *describe(const opened_file *file, const wasi_descriptor *directory,
                                 const open_request *request) {
  wasi_descriptor *opened = wasi_descriptor_new(file->host_fd, file->filetype);
  if (!opened) return NULL;
  opened->read_only = directory->read_only;
  opened->slow = file->slow;
  opened->rights_base &= request->rights_base & directory->rights_inheriting;
  if (opened->read_only) opened->rights_base &= ~WASI_RIGHTS_WRITING;
  opened->rights_inheriting = request->rights_inheriting & directory->rights_inheriting;
  return opened;
}

uint32_t wasi_path_open(wasm_cell *self, uint32_t fd, uint32_t dirflags, uint32_t path,
                        uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                        uint64_t rights_inheriting, uint32_t fdflags, uint32_t fd_out) {
  open_request request = {dirflags, oflags, fdflags, rights_base, rights_inheriting};
  wasi_descriptor *directory = NULL;
  uint32_t error = check_request(&self->wasi, fd, &request, &directory);
  if (error) return error;
  if (!guest_span(self, fd_out, 4)) return WASI_ERRNO_FAULT;
  if ((error = wasi_descriptor_room(&self->wasi)) != WASI_ERRNO_SUCCESS) return error;
  char *copy;
  error = wasi_path_from_guest(self, path, path_len, &copy);
  if (error) return error;
  opened_file file = {.host_fd = -1};
  bool write_rights = rights_base & WASI_RIGHTS_OPEN_FOR_WRITING;
  /* Beneath a local directory, on its own mount: local, opened here. */
  if (!directory->slow)
    error = open_file_or_directory(directory->host_fd, copy, host_open_flags(&request),
                                   write_rights, true, &file);
  if (directory->slow || error == WASI_ERRNO_XDEV)
    error = open_off_worker(self, directory->host_fd, copy, host_open_flags(&request),
                            write_rights, &file);
  free(copy);
  /* A cell asked to end while its open waited ends here. */
  if (error == WASI_ERRNO_CANCELED) cell_honour_end_request(self->cell);
  if (error) return error;
  wasi_descriptor *opened = describe(&file, directory, &request);
  if (!opened) {
    if (file.slow) wasi_close_slow(file.host_fd, -1);
    else close(file.host_fd);
    return WASI_ERRNO_NOMEM;
  }
  uint32_t new_fd;
  error = wasi_descriptor_install(&self->wasi, opened, &new_fd);
  if (!error) guest_store_u32(self, fd_out, new_fd);
  return error;
}
