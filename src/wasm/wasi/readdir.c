/* SPDX-License-Identifier: Apache-2.0 */
/* fd_readdir: directory entries in the WASI dirent layout, resumable by
 * cookie.
 *
 * A cookie is the entry's index (0 = the start, n = after n entries), not
 * the kernel's directory offset: on ext4 those are 64-bit hashes, and
 * wasi-libc's telldir() returns them as a 32-bit long, which would break
 * seekdir(). Each descriptor remembers the kernel offset behind every index
 * it has handed out, so resuming is one lseek, not a re-read from the
 * start; an index never handed out is reached by reading forward from the
 * furthest one known.
 *
 * When an entry does not fit, as much of it as fits is written and the
 * buffer is reported full: wasi-libc then sees a truncated entry, grows its
 * buffer and asks again from that entry's cookie. A short buffer means the
 * end of the directory.
 *
 * On a slow file system (slow_files.c) each batch of entries is read on an
 * offload thread, from its own descriptor and into its own buffer, so a
 * hung listing cannot freeze the worker; the worker only decodes it. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cell.h"
#include "core/offload.h"
#include "wasm/wasi/wasi_private.h"

#define HOST_BUFFER_BYTES 4096
#define MAX_COOKIE INT32_MAX /* what fits telldir()'s long on wasm32 */

/* Records that the entry after index `cookie - 1` sits at kernel `offset`. */
static bool remember_offset(wasi_descriptor *descriptor, uint64_t cookie, uint64_t offset) {
  if (cookie > MAX_COOKIE) return false;
  uint32_t index = (uint32_t)cookie - 1;
  if (index >= descriptor->listing_capacity) {
    uint32_t capacity = descriptor->listing_capacity ? descriptor->listing_capacity * 2 : 64;
    uint64_t *grown = realloc(descriptor->listing_offsets, sizeof *grown * capacity);
    if (!grown) return false;
    descriptor->listing_offsets = grown;
    descriptor->listing_capacity = capacity;
  }
  descriptor->listing_offsets[index] = offset;
  if (index >= descriptor->listing_count) descriptor->listing_count = index + 1;
  return true;
}

/* Positions the directory at `cookie` or, if that index was never handed
 * out, at the furthest one known; *at says which. */
static uint64_t cookie_offset(wasi_descriptor *descriptor, uint64_t cookie, uint64_t *at) {
  *at = cookie <= descriptor->listing_count ? cookie : descriptor->listing_count;
  return *at ? descriptor->listing_offsets[*at - 1] : 0;
}

/* A directory on a slow file system is only read off the worker: an
 * entry of unknown type stays unknown there (the guest may stat it, which
 * is offloaded too) rather than be looked up inline. */
static uint8_t entry_filetype(int directory, bool slow, const struct dirent64 *entry) {
  switch (entry->d_type) {
  case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
  case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
  case DT_DIR: return WASI_FILETYPE_DIRECTORY;
  case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
  case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
  case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
  case DT_UNKNOWN: {
    if (slow) return WASI_FILETYPE_UNKNOWN;
    /* One component of this directory, not followed, and not entered if
     * another (maybe slow) file system is mounted there. */
    int entry_fd = wasi_open_beneath_how(directory, entry->d_name, O_PATH | O_NOFOLLOW, 0, true);
    struct stat status;
    bool known = entry_fd >= 0 && fstat(entry_fd, &status) == 0;
    if (entry_fd >= 0) close(entry_fd);
    return known ? wasi_filetype_from_mode(status.st_mode) : WASI_FILETYPE_UNKNOWN;
  }
  default: return WASI_FILETYPE_UNKNOWN;
  }
}

/* One batch of entries read off the worker. */
typedef struct slow_batch {
  int directory; /* owned: a duplicate, or "." opened from a path-only one */
  bool open_dot;
  off_t offset; /* the kernel offset to read from */
  ssize_t length;
  int error;
  _Alignas(struct dirent64) char entries[HOST_BUFFER_BYTES];
} slow_batch;

static void run_batch(void *argument) {
  slow_batch *job = argument;
  if (job->open_dot) {
    int directory = openat(job->directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) {
      job->length = -1, job->error = errno;
      return;
    }
    close(job->directory);
    job->directory = directory;
  }
  job->length = lseek(job->directory, job->offset, SEEK_SET) < 0
                    ? -1
                    : getdents64(job->directory, job->entries, HOST_BUFFER_BYTES);
  job->error = job->length < 0 ? errno : 0;
  /* Closed here, off the worker, like every descriptor of a slow file
   * system (slow_files.c). */
  close(job->directory);
  job->directory = -1;
}

static void free_batch(void *argument) {
  slow_batch *job = argument;
  if (job && job->directory >= 0) close(job->directory);
  free(job);
}

typedef struct listing {
  wasm_cell *self;
  wasi_descriptor *descriptor;
  int directory;   /* inline only */
  bool slow;
  uint64_t offset; /* slow only: the kernel offset of entry `at` */
  slow_batch *batch;
  char *host_buffer; /* inline only */
  uint64_t at;     /* index of the next entry the kernel returns */
  uint64_t wanted; /* the first index to write out */
  unsigned char *bytes;
  uint32_t size, used;
} listing;

/* Appends one dirent, truncated if it does not fit. False when full. */
static bool append_entry(listing *out, const struct dirent64 *entry, uint64_t next) {
  unsigned char header[WASI_DIRENT_SIZE] = {0};
  uint64_t inode = entry->d_ino;
  uint32_t name_length = (uint32_t)strlen(entry->d_name);
  memcpy(header + WASI_DIRENT_NEXT, &next, 8);
  memcpy(header + WASI_DIRENT_INO, &inode, 8);
  memcpy(header + WASI_DIRENT_NAMLEN, &name_length, 4);
  header[WASI_DIRENT_TYPE] = entry_filetype(out->directory, out->slow, entry);
  uint32_t room = out->size - out->used;
  uint32_t header_part = room < WASI_DIRENT_SIZE ? room : WASI_DIRENT_SIZE;
  memcpy(out->bytes + out->used, header, header_part);
  out->used += header_part;
  room -= header_part;
  uint32_t name_part = room < name_length ? room : name_length;
  memcpy(out->bytes + out->used, entry->d_name, name_part);
  out->used += name_part;
  return out->used < out->size;
}

/* One entry from the kernel: remembered, then skipped or written out.
 * False when the output is full. */
static bool take_entry(listing *out, const struct dirent64 *entry, uint32_t *error) {
  uint64_t next = out->at + 1;
  if (!remember_offset(out->descriptor, next, (uint64_t)entry->d_off)) {
    *error = next > MAX_COOKIE ? WASI_ERRNO_OVERFLOW : WASI_ERRNO_NOMEM;
    return false;
  }
  bool wanted = out->at >= out->wanted;
  out->at = next;
  return !wanted || append_entry(out, entry, next);
}

/* The next batch of entries off the worker, from out->offset; its length
 * (0 at the end) or -1 and *error. */
static ssize_t next_slow_batch(listing *out, const char **entries, uint32_t *error) {
  free_batch(out->batch);
  out->batch = NULL;
  slow_batch *job = calloc(1, sizeof *job);
  if (!job) return *error = WASI_ERRNO_NOMEM, -1;
  wasi_descriptor *descriptor = out->descriptor;
  int source = descriptor->readable_fd >= 0 ? descriptor->readable_fd : descriptor->host_fd;
  job->open_dot = source == descriptor->host_fd && descriptor->path_only;
  job->offset = (off_t)out->offset;
  job->directory = fcntl(source, F_DUPFD_CLOEXEC, 0);
  if (job->directory < 0) {
    *error = wasi_errno_now();
    free(job);
    return -1;
  }
  switch (offload_run(&offload_file_pool, &out->self->cell->waiter, run_batch, free_batch,
                      job)) {
  case OFFLOAD_ABANDONED:
    /* The pool frees the job; nothing else is held, so the cell ends. */
    cell_honour_end_request(out->self->cell);
    return *error = WASI_ERRNO_CANCELED, -1;
  case OFFLOAD_REFUSED: free_batch(job); return *error = WASI_ERRNO_NOMEM, -1;
  case OFFLOAD_DONE: break;
  }
  out->batch = job;
  if (job->length < 0) return *error = wasi_errno_from_host(job->error), -1;
  *entries = job->entries;
  return job->length;
}

static ssize_t next_batch(listing *out, const char **entries, uint32_t *error) {
  if (out->slow) return next_slow_batch(out, entries, error);
  ssize_t length = getdents64(out->directory, out->host_buffer, HOST_BUFFER_BYTES);
  if (length < 0) *error = wasi_errno_now();
  *entries = out->host_buffer;
  return length;
}

/* Reads from the directory's position until the output is full or the
 * directory ends. */
static uint32_t fill(listing *out) {
  uint32_t error = WASI_ERRNO_SUCCESS;
  for (;;) {
    const char *entries;
    ssize_t length = next_batch(out, &entries, &error);
    if (length < 0) return error;
    if (length == 0) return WASI_ERRNO_SUCCESS;
    for (ssize_t at = 0; at < length;) {
      const struct dirent64 *entry = (const struct dirent64 *)(entries + at);
      if (!take_entry(out, entry, &error)) return error;
      out->offset = (uint64_t)entry->d_off;
      at += entry->d_reclen;
    }
  }
}

/* Positions the listing at `cookie` or, if that index was never handed
 * out, at the furthest one known; then fills the output. */
static uint32_t list_from(listing *out, uint64_t cookie) {
  if (cookie > MAX_COOKIE) return WASI_ERRNO_INVAL;
  out->offset = cookie_offset(out->descriptor, cookie, &out->at);
  if (out->size == 0) return WASI_ERRNO_SUCCESS;
  if (out->slow) return fill(out);
  out->directory = wasi_descriptor_readable_fd(out->descriptor);
  if (out->directory < 0) return wasi_errno_now();
  if (lseek(out->directory, (off_t)out->offset, SEEK_SET) < 0) return wasi_errno_now();
  out->host_buffer = malloc(HOST_BUFFER_BYTES);
  return out->host_buffer ? fill(out) : WASI_ERRNO_NOMEM;
}

uint32_t wasi_fd_readdir(wasm_cell *self, uint32_t fd, uint32_t buf, uint32_t buf_len,
                         uint64_t cookie, uint32_t bufused_out) {
  uint32_t error;
  wasi_descriptor *descriptor =
      wasi_descriptor_with_rights(&self->wasi, fd, WASI_RIGHT_FD_READDIR, &error);
  if (!descriptor) return error;
  listing out = {.self = self, .descriptor = descriptor, .slow = descriptor->slow,
                 .wanted = cookie, .bytes = guest_span(self, buf, buf_len), .size = buf_len};
  if (!out.bytes || !guest_span(self, bufused_out, 4)) return WASI_ERRNO_FAULT;
  if (cookie == 0) descriptor->listing_count = 0; /* a new listing: forget the old offsets */
  error = list_from(&out, cookie);
  free(out.host_buffer);
  free_batch(out.batch);
  if (!error) guest_store_u32(self, bufused_out, out.used);
  return error;
}
