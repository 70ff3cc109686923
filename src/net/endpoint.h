/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints: the text a cell names one socket address with, and opening
 * sockets to it (connect) or on it (listen). The text is a network rule's
 * (net/rule.h) narrowed to one destination:
 *   tcp:127.0.0.1:8080   tcp:[::1]:8080   tcp:localhost:8080   unix:/run/app.sock
 * Only literal addresses: resolving names would make a cell's connection
 * depend on the host's resolver, and a cell's grants are addresses. */
#ifndef MINOS_NET_ENDPOINT_H
#define MINOS_NET_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/channel.h"
#include "core/reactor.h"
#include "net/rule.h"

#define NET_ENDPOINT_TEXT_MAX 256

typedef struct net_endpoint {
  net_protocol protocol;
  struct sockaddr_storage address;
  socklen_t length;
} net_endpoint;

/* Parses `length` bytes of text (no NUL needed); false if it is not one
 * endpoint. */
bool net_endpoint_parse(const char *text, size_t length, net_endpoint *out);
bool net_endpoint_allowed(const net_endpoint *endpoint, const net_rule *rules, size_t count);

/* Connects and hands the socket to the reactor: *to_peer and *from_peer
 * as reactor_attach_socket's. A connection that cannot be made at once
 * (refused, no such socket, unreachable) is MINOS_ECLOSED; one that is
 * still on its way when this returns completes in the reactor, and if it
 * fails there, the ends say so (end of stream, MINOS_ECLOSED). MINOS_EINVAL
 * for UDP, which channels cannot carry faithfully (no message bounds). */
minos_status net_connect(reactor *reactor, const net_endpoint *endpoint, channel_end **from_peer,
                         channel_end **to_peer);
/* A listening socket (non-blocking, close-on-exec) bound to the endpoint.
 * MINOS_EPERM if the host refuses the address (a privileged port),
 * MINOS_EIO if it is taken or not the host's; errno says which. */
minos_status net_listen_socket(const net_endpoint *endpoint, int *fd_out);

#endif
