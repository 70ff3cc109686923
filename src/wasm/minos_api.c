/* SPDX-License-Identifier: Apache-2.0 */
/* The guest API (include/minos.h) for wasm cells: the imports of module
 * "minos". Every call checks its descriptors against the calling cell's
 * own table and its pointers against the cell's own memory before acting,
 * returns a negated minos_status on failure, and honours a request to end
 * the cell only once it holds nothing it would leak. */
#include "wasm/minos_api.h"

#include <stdlib.h>

#include "core/channel.h"
#include "core/children.h"
#include "core/runtime.h"
#include "wasm/guest_memory.h"
#include "wasm/wasm_arch.h"

/* More ends than any cell may hold cannot be read from at once. */
#define READ_ENDS_LOCAL 16
#define READ_ENDS_MAX 1024

/* The channel end a descriptor of this cell names, if it goes that way. */
static minos_status held_end(wasm_cell *self, int32_t fd, bool writes, channel_end **out) {
  if (fd < 0) return MINOS_EBADF;
  channel_end *end = wasi_context_end(&self->wasi, (uint32_t)fd);
  if (!end) return MINOS_EBADF;
  if (end->writes != writes) return MINOS_EPERM;
  *out = end;
  return MINOS_OK;
}

int32_t minos_api_install_pair(wasm_cell *self, channel_end *write_end, channel_end *read_end,
                               uint32_t ends_out) {
  int32_t write_fd = wasi_context_install_end(&self->wasi, write_end);
  int32_t read_fd = write_fd >= 0 ? wasi_context_install_end(&self->wasi, read_end) : write_fd;
  if (read_fd < 0) {
    if (write_fd >= 0) wasi_context_take_end(&self->wasi, (uint32_t)write_fd);
    channel_end_close(write_end);
    channel_end_close(read_end);
    return read_fd;
  }
  guest_store_u32(self, ends_out, (uint32_t)write_fd);
  guest_store_u32(self, ends_out + 4, (uint32_t)read_fd);
  return 0;
}

int32_t minos_api_install_connection(wasm_cell *self, channel_end *to_peer,
                                     channel_end *from_peer, uint32_t ends_out) {
  /* Two channels and a socket: the cell's memory and host descriptors. */
  minos_status status = channel_charge(to_peer, self->cell->account, 0);
  if (status == MINOS_OK) status = channel_charge(from_peer, self->cell->account, 1);
  if (status != MINOS_OK) { /* closing them closes the socket */
    channel_end_close(to_peer);
    channel_end_close(from_peer);
    return minos_api_failure(status);
  }
  return minos_api_install_pair(self, to_peer, from_peer, ends_out);
}

int32_t minos_api_pipe(wasm_cell *self, uint32_t capacity, uint32_t ends_out) {
  if (!guest_span(self, ends_out, 8)) return minos_api_failure(MINOS_EFAULT);
  channel_end *write_end, *read_end;
  minos_status status = channel_create(capacity, &write_end, &read_end);
  if (status != MINOS_OK) return minos_api_failure(status);
  /* Its buffer is the cell's memory, as its linear memory is. */
  status = channel_charge(write_end, self->cell->account, 0);
  if (status != MINOS_OK) {
    channel_end_close(write_end);
    channel_end_close(read_end);
    return minos_api_failure(status);
  }
  return minos_api_install_pair(self, write_end, read_end, ends_out);
}

int32_t minos_api_write(wasm_cell *self, int32_t wfd, uint32_t data, uint32_t length) {
  channel_end *end;
  minos_status status = held_end(self, wfd, true, &end);
  if (status != MINOS_OK) return minos_api_failure(status);
  if (length > INT32_MAX) length = INT32_MAX;
  const void *bytes = guest_span(self, data, length);
  if (!bytes) return minos_api_failure(MINOS_EFAULT);
  int64_t wrote = channel_write(&self->cell->waiter, end, bytes, length, DEADLINE_NEVER);
  cell_honour_end_request(self->cell);
  return (int32_t)wrote;
}

static minos_status gather_read_ends(wasm_cell *self, uint32_t rfds, uint32_t count,
                                     channel_end **ends) {
  for (uint32_t i = 0; i < count; i++) {
    uint32_t fd = 0;
    guest_load_u32(self, rfds + 4 * i, &fd);
    minos_status status = held_end(self, (int32_t)fd, false, &ends[i]);
    if (status != MINOS_OK) return status;
  }
  return MINOS_OK;
}

int32_t minos_api_read(wasm_cell *self, uint32_t rfds, uint32_t count, uint32_t buffer,
                       uint32_t size, uint32_t from_out, int64_t timeout_ns) {
  if (count == 0 || count > READ_ENDS_MAX || size == 0) return minos_api_failure(MINOS_EINVAL);
  if (size > INT32_MAX) size = INT32_MAX;
  void *into = guest_span(self, buffer, size);
  if (!guest_span(self, rfds, 4ull * count) || !into || !guest_span(self, from_out, 4))
    return minos_api_failure(MINOS_EFAULT);
  channel_end *local[READ_ENDS_LOCAL];
  channel_end **ends = count <= READ_ENDS_LOCAL ? local : malloc(count * sizeof *ends);
  if (!ends) return minos_api_failure(MINOS_ENOMEM);
  minos_status status = gather_read_ends(self, rfds, count, ends);
  int64_t got = -(int64_t)status;
  uint32_t which = 0;
  if (status == MINOS_OK)
    got = channel_read(&self->cell->waiter, ends, count, into, size, channel_deadline_for_timeout(timeout_ns),
                       &self->read_rotation, &which);
  if (ends != local) free(ends);
  cell_honour_end_request(self->cell);
  if (got >= 0) {
    uint32_t fd = 0;
    guest_load_u32(self, rfds + 4 * which, &fd);
    guest_store_u32(self, from_out, fd);
  }
  return (int32_t)got;
}

static int32_t close_end(wasm_cell *self, int32_t fd, bool writes) {
  channel_end *end;
  minos_status status = held_end(self, fd, writes, &end);
  if (status != MINOS_OK) return minos_api_failure(status);
  channel_end_close(wasi_context_take_end(&self->wasi, (uint32_t)fd));
  return 0;
}

int32_t minos_api_wclose(wasm_cell *self, int32_t wfd) { return close_end(self, wfd, true); }
int32_t minos_api_rclose(wasm_cell *self, int32_t rfd) { return close_end(self, rfd, false); }

/* The end leaves this cell only once the child has it, so a pass that
 * fails leaves it where it was, under the same number. */
static int32_t pass_end(wasm_cell *self, int32_t fd, int32_t cid, bool writes) {
  channel_end *end;
  minos_status status = held_end(self, fd, writes, &end);
  if (status != MINOS_OK) return minos_api_failure(status);
  cell *child = cell_child(self->cell, cid);
  if (!child) return minos_api_failure(MINOS_EBADF);
  int32_t child_fd = child->arch->install_end(child, end);
  if (child_fd >= 0) wasi_context_take_end(&self->wasi, (uint32_t)fd);
  return child_fd;
}

int32_t minos_api_wpass(wasm_cell *self, int32_t wfd, int32_t cid) {
  return pass_end(self, wfd, cid, true);
}

int32_t minos_api_rpass(wasm_cell *self, int32_t rfd, int32_t cid) {
  return pass_end(self, rfd, cid, false);
}

int32_t minos_api_cstart(wasm_cell *self, int32_t cid) {
  cell *child = cell_child(self->cell, cid);
  if (!child) return minos_api_failure(MINOS_EBADF);
  cell_let_start(child);
  return 0;
}

int32_t minos_api_ckill(wasm_cell *self, int32_t cid) {
  cell *child = cell_child(self->cell, cid);
  if (!child) return minos_api_failure(MINOS_EBADF);
  cell_request_end(child, FAULT_KILLED);
  return 0;
}

int32_t minos_api_cwait(wasm_cell *self, int32_t cid, uint32_t status_out) {
  if (!guest_span(self, status_out, 8)) return minos_api_failure(MINOS_EFAULT);
  cell *child = cell_child(self->cell, cid);
  if (!child) return minos_api_failure(MINOS_EBADF);
  cell_let_start(child);
  if (!cell_wait_end(child, &self->cell->waiter, DEADLINE_NEVER)) {
    cell_honour_end_request(self->cell);
    return minos_api_failure(MINOS_EIO);
  }
  const cell_outcome *outcome = &child->outcome;
  guest_store_u32(self, status_out, outcome->faulted ? (uint32_t)outcome->fault : 0);
  guest_store_u32(self, status_out + 4, outcome->faulted ? 0 : outcome->exit_code);
  cell_forget_child(self->cell, cid);
  cell_reap(child);
  return 0;
}
