/* SPDX-License-Identifier: Apache-2.0 */
/* Process control and sockets. A cell ends through the core (cell_exit),
 * which releases everything it holds; signals do not exist for cells; and
 * a cell's connections are pairs of channel ends (minos_connect,
 * minos_accept), which WASI's one-descriptor sockets cannot name, so the
 * sock_* calls only say why not. */
#include "core/scheduler.h"
#include "wasm/wasi/wasi_private.h"

void wasi_proc_exit(wasm_cell *self, uint32_t exit_code) { cell_exit(self->cell, exit_code); }

uint32_t wasi_proc_raise(wasm_cell *self, uint32_t signal) {
  (void)self;
  (void)signal;
  return WASI_ERRNO_NOSYS;
}

uint32_t wasi_sched_yield(wasm_cell *self) {
  if (self->cell && self->cell->scheduler) scheduler_yield(self->cell);
  return WASI_ERRNO_SUCCESS;
}

/* BADF for a descriptor the cell does not hold, NOTSOCK for a non-socket,
 * NOTSUP for a host socket given as stdio (served as a plain stream). */
static uint32_t not_a_socket(wasm_cell *self, uint32_t fd) {
  const wasi_descriptor *descriptor = wasi_descriptor_get(&self->wasi, fd);
  if (!descriptor) return WASI_ERRNO_BADF;
  bool socket = descriptor->filetype == WASI_FILETYPE_SOCKET_STREAM ||
                descriptor->filetype == WASI_FILETYPE_SOCKET_DGRAM;
  return socket ? WASI_ERRNO_NOTSUP : WASI_ERRNO_NOTSOCK;
}

uint32_t wasi_sock_accept(wasm_cell *self, uint32_t fd, uint32_t flags, uint32_t fd_out) {
  (void)flags;
  (void)fd_out;
  return not_a_socket(self, fd);
}

uint32_t wasi_sock_recv(wasm_cell *self, uint32_t fd, uint32_t ri_data, uint32_t ri_data_len,
                        uint32_t ri_flags, uint32_t ro_datalen_out, uint32_t ro_flags_out) {
  (void)ri_data;
  (void)ri_data_len;
  (void)ri_flags;
  (void)ro_datalen_out;
  (void)ro_flags_out;
  return not_a_socket(self, fd);
}

uint32_t wasi_sock_send(wasm_cell *self, uint32_t fd, uint32_t si_data, uint32_t si_data_len,
                        uint32_t si_flags, uint32_t so_datalen_out) {
  (void)si_data;
  (void)si_data_len;
  (void)si_flags;
  (void)so_datalen_out;
  return not_a_socket(self, fd);
}

uint32_t wasi_sock_shutdown(wasm_cell *self, uint32_t fd, uint32_t how) {
  (void)how;
  return not_a_socket(self, fd);
}
