/* SPDX-License-Identifier: Apache-2.0 */
/* fd_read, fd_write, fd_pread, fd_pwrite: scatter/gather I/O straight
 * between the host descriptor and guest memory, with every iovec checked
 * against the cell's memory first. Partial transfers are returned as they
 * are; interrupted system calls are restarted. Descriptors on a slow file
 * system (network, FUSE) transfer on an offload thread (slow_files.c). */
#include <stdlib.h>
#include <unistd.h>

#include "wasm/wasi/wasi_private.h"

/* Enough for what wasi-libc's stdio issues (two iovecs) on the stack. */
#define LOCAL_IOVECS 16

uint32_t wasi_iovecs_from_guest(const wasm_cell *self, uint32_t iovs, uint32_t iovs_len,
                                struct iovec *local, size_t local_count,
                                struct iovec **host_out) {
  if (iovs_len > WASI_MAX_IOVECS) return WASI_ERRNO_INVAL;
  if (!guest_span(self, iovs, (uint64_t)iovs_len * WASI_IOVEC_SIZE)) return WASI_ERRNO_FAULT;
  struct iovec *host = local;
  if (iovs_len > local_count && !(host = malloc(sizeof *host * iovs_len))) return WASI_ERRNO_NOMEM;
  for (uint32_t i = 0; i < iovs_len; i++) {
    uint32_t entry = iovs + i * WASI_IOVEC_SIZE, buf = 0, buf_len = 0;
    guest_load_u32(self, entry + WASI_IOVEC_BUF, &buf);
    guest_load_u32(self, entry + WASI_IOVEC_LEN, &buf_len);
    void *bytes = guest_span(self, buf, buf_len);
    if (!bytes) {
      if (host != local) free(host);
      return WASI_ERRNO_FAULT;
    }
    host[i] = (struct iovec){.iov_base = bytes, .iov_len = buf_len};
  }
  *host_out = host;
  return WASI_ERRNO_SUCCESS;
}

enum transfer { TRANSFER_READ, TRANSFER_WRITE, TRANSFER_PREAD, TRANSFER_PWRITE };

static ssize_t host_transfer(enum transfer kind, int fd, const struct iovec *iov, int count,
                             off_t offset) {
  ssize_t done;
  do {
    switch (kind) {
    case TRANSFER_READ: done = readv(fd, iov, count); break;
    case TRANSFER_WRITE: done = writev(fd, iov, count); break;
    case TRANSFER_PREAD: done = preadv(fd, iov, count, offset); break;
    default: done = pwritev(fd, iov, count, offset); break;
    }
  } while (done < 0 && errno == EINTR);
  return done;
}

static uint32_t transfer(wasm_cell *self, enum transfer kind, uint32_t fd, uint32_t iovs,
                         uint32_t iovs_len, uint64_t offset, uint32_t count_out) {
  bool reading = kind == TRANSFER_READ || kind == TRANSFER_PREAD;
  bool positioned = kind == TRANSFER_PREAD || kind == TRANSFER_PWRITE;
  uint64_t rights = reading ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE;
  if (positioned) rights |= WASI_RIGHT_FD_SEEK;
  uint32_t error;
  wasi_descriptor *descriptor = wasi_descriptor_with_rights(&self->wasi, fd, rights, &error);
  if (!descriptor) return error;
  if (positioned && offset > INT64_MAX) return WASI_ERRNO_INVAL;
  if (!guest_span(self, count_out, 4)) return WASI_ERRNO_FAULT;
  struct iovec local[LOCAL_IOVECS], *host;
  error = wasi_iovecs_from_guest(self, iovs, iovs_len, local, LOCAL_IOVECS, &host);
  if (error) return error;
  ssize_t done;
  if (descriptor->end) {
    uint32_t moved = 0;
    error = wasi_channel_transfer(self, descriptor, host, iovs_len, &moved);
    done = moved;
  } else if (descriptor->slow) {
    size_t moved = 0;
    error = wasi_slow_transfer(self, descriptor->host_fd, reading, positioned, offset, host,
                               iovs_len, &moved);
    done = (ssize_t)moved;
  } else {
    done = host_transfer(kind, descriptor->host_fd, host, (int)iovs_len, (off_t)offset);
    error = done < 0 ? wasi_errno_now() : WASI_ERRNO_SUCCESS;
  }
  if (host != local) free(host);
  /* A cell asked to end while it waited ends here, with nothing leaked. */
  cell_honour_end_request(self->cell);
  if (!error) guest_store_u32(self, count_out, (uint32_t)done);
  return error;
}

uint32_t wasi_fd_read(wasm_cell *self, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                      uint32_t nread_out) {
  return transfer(self, TRANSFER_READ, fd, iovs, iovs_len, 0, nread_out);
}

uint32_t wasi_fd_write(wasm_cell *self, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                       uint32_t nwritten_out) {
  return transfer(self, TRANSFER_WRITE, fd, iovs, iovs_len, 0, nwritten_out);
}

uint32_t wasi_fd_pread(wasm_cell *self, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                       uint64_t offset, uint32_t nread_out) {
  return transfer(self, TRANSFER_PREAD, fd, iovs, iovs_len, offset, nread_out);
}

uint32_t wasi_fd_pwrite(wasm_cell *self, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                        uint64_t offset, uint32_t nwritten_out) {
  return transfer(self, TRANSFER_PWRITE, fd, iovs, iovs_len, offset, nwritten_out);
}
