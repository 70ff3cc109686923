/* SPDX-License-Identifier: Apache-2.0 */
/* WASI I/O on channel ends: how fd_read and fd_write reach a cell's
 * channels, stdio included. A read blocks (parking the cell) until the
 * first bytes or the end of the stream, then takes only what is already
 * there for the remaining iovecs; a write blocks until every byte is in,
 * as a write to a blocking pipe does, and reports how far it got if the
 * reader goes away midway. */
#include "core/cell.h"
#include "wasm/wasi/wasi_private.h"
#include "wasm/wasm_cell.h"

uint32_t wasi_errno_from_status(minos_status status) {
  switch (status) {
  case MINOS_OK: return WASI_ERRNO_SUCCESS;
  case MINOS_EBADF: return WASI_ERRNO_BADF;
  case MINOS_ECLOSED: return WASI_ERRNO_PIPE;
  case MINOS_EPERM: return WASI_ERRNO_PERM;
  case MINOS_ELIMIT: return WASI_ERRNO_NFILE;
  case MINOS_ETIMEDOUT: return WASI_ERRNO_TIMEDOUT;
  case MINOS_EFAULT: return WASI_ERRNO_FAULT;
  case MINOS_EINVAL: return WASI_ERRNO_INVAL;
  case MINOS_ENOMEM: return WASI_ERRNO_NOMEM;
  case MINOS_EAGAIN: return WASI_ERRNO_AGAIN;
  case MINOS_ERESET: return WASI_ERRNO_CONNRESET;
  default: return WASI_ERRNO_IO;
  }
}

static uint32_t chunk(size_t length) { return length > UINT32_MAX ? UINT32_MAX : (uint32_t)length; }

static uint32_t read_into(wasm_cell *self, wasi_descriptor *descriptor, const struct iovec *iov,
                          uint32_t count, uint32_t *done) {
  uint64_t deadline = descriptor->nonblocking ? DEADLINE_NOW : DEADLINE_NEVER;
  uint32_t rotation = 0, which;
  for (uint32_t i = 0; i < count; i++) {
    if (iov[i].iov_len == 0) continue;
    int64_t got = channel_read(&self->cell->waiter, &descriptor->end, 1, iov[i].iov_base,
                               chunk(iov[i].iov_len), deadline, &rotation, &which);
    if (got < 0) {
      /* Later iovecs only take what is there: "nothing more" is success. */
      if (*done > 0) return WASI_ERRNO_SUCCESS;
      return wasi_errno_from_status((minos_status)-got);
    }
    *done += (uint32_t)got;
    if (got == 0 || (size_t)got < iov[i].iov_len) break;
    deadline = DEADLINE_NOW;
  }
  return WASI_ERRNO_SUCCESS;
}

static uint32_t write_from(wasm_cell *self, wasi_descriptor *descriptor,
                           const struct iovec *iov, uint32_t count, uint32_t *done) {
  uint64_t deadline = descriptor->nonblocking ? DEADLINE_NOW : DEADLINE_NEVER;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *bytes = iov[i].iov_base;
    size_t left = iov[i].iov_len;
    while (left > 0) {
      int64_t wrote = channel_write(&self->cell->waiter, descriptor->end, bytes, chunk(left),
                                    deadline);
      if (wrote < 0) {
        if (*done > 0) return WASI_ERRNO_SUCCESS;
        return wasi_errno_from_status((minos_status)-wrote);
      }
      *done += (uint32_t)wrote;
      bytes += wrote;
      left -= (size_t)wrote;
      /* Non-blocking: whatever fitted, as a non-blocking pipe does. */
      if (descriptor->nonblocking && left > 0) return WASI_ERRNO_SUCCESS;
    }
  }
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_channel_transfer(wasm_cell *self, wasi_descriptor *descriptor,
                               const struct iovec *iov, uint32_t count, uint32_t *done) {
  *done = 0;
  if (descriptor->end->writes) return write_from(self, descriptor, iov, count, done);
  return read_into(self, descriptor, iov, count, done);
}
