/* SPDX-License-Identifier: Apache-2.0 */
/* The guest API's network calls (minos_connect, minos_listen,
 * minos_accept) for wasm cells. A connection is a pair of channel ends,
 * pumped by the runtime's socket reactor; a listener is a descriptor of
 * its own. Each call checks its pointers, then the address's form, then
 * the cell's grants, before it touches the network. */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/runtime.h"
#include "net/listener.h"
#include "wasm/guest_memory.h"
#include "wasm/minos_api.h"

/* The endpoint the guest names, if its text is in its memory and well
 * formed. */
static minos_status guest_endpoint(wasm_cell *self, uint32_t address, uint32_t length,
                                   net_endpoint *out) {
  const char *text = guest_span(self, address, length);
  if (!text) return MINOS_EFAULT;
  return net_endpoint_parse(text, length, out) ? MINOS_OK : MINOS_EINVAL;
}

static minos_status cell_reactor(wasm_cell *self, reactor **out) {
  runtime *owner = runtime_of(self->cell);
  return owner ? runtime_reactor(owner, out) : MINOS_EIO;
}

int32_t minos_api_connect(wasm_cell *self, uint32_t address, uint32_t length, uint32_t ends_out) {
  if (!guest_span(self, ends_out, 8)) return minos_api_failure(MINOS_EFAULT);
  net_endpoint endpoint;
  minos_status status = guest_endpoint(self, address, length, &endpoint);
  if (status != MINOS_OK) return minos_api_failure(status);
  if (!net_endpoint_allowed(&endpoint, self->connect_rules, self->connect_rule_count))
    return minos_api_failure(MINOS_EPERM);
  reactor *sockets;
  channel_end *from_peer, *to_peer;
  status = cell_reactor(self, &sockets);
  if (status == MINOS_OK) status = net_connect(sockets, &endpoint, &from_peer, &to_peer);
  if (status != MINOS_OK) return minos_api_failure(status);
  return minos_api_install_connection(self, to_peer, from_peer, ends_out);
}

int32_t minos_api_listen(wasm_cell *self, uint32_t address, uint32_t length) {
  net_endpoint endpoint;
  minos_status status = guest_endpoint(self, address, length, &endpoint);
  if (status != MINOS_OK) return minos_api_failure(status);
  if (!net_endpoint_allowed(&endpoint, self->listen_rules, self->listen_rule_count))
    return minos_api_failure(MINOS_EPERM);
  reactor *sockets;
  net_listener *listener;
  status = cell_reactor(self, &sockets);
  if (status == MINOS_OK) {
    status = net_listener_open(sockets, &endpoint, &listener);
    if (status == MINOS_EIO || status == MINOS_EPERM)
      log_message(LOG_WARN, self->cell->name, "cannot listen on %.*s: %s", (int)length,
                  (const char *)guest_span(self, address, length), strerror(errno));
  }
  if (status != MINOS_OK) return minos_api_failure(status);
  int32_t fd = wasi_context_install_listener(&self->wasi, listener);
  if (fd < 0) net_listener_close(listener);
  return fd;
}

int32_t minos_api_accept(wasm_cell *self, int32_t listener_fd, uint32_t ends_out,
                         int64_t timeout_ns) {
  if (!guest_span(self, ends_out, 8)) return minos_api_failure(MINOS_EFAULT);
  net_listener *listener =
      listener_fd >= 0 ? wasi_context_listener(&self->wasi, (uint32_t)listener_fd) : NULL;
  if (!listener) return minos_api_failure(MINOS_EBADF);
  channel_end *from_peer, *to_peer;
  minos_status status = net_listener_accept(listener, &self->cell->waiter,
                                            channel_deadline_for_timeout(timeout_ns), &from_peer,
                                            &to_peer);
  cell_honour_end_request(self->cell);
  if (status != MINOS_OK) return minos_api_failure(status);
  return minos_api_install_connection(self, to_peer, from_peer, ends_out);
}
