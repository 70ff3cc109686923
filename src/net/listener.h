/* SPDX-License-Identifier: Apache-2.0 */
/* A listening socket opened for a cell (minos_listen): the reactor accepts
 * its connections as they come and they wait here, in a bounded queue,
 * until the cell takes them as channel ends. Past the queue's bound a new
 * connection is closed at once: a cell that does not accept cannot make
 * the runtime hold descriptors without end. */
#ifndef MINOS_NET_LISTENER_H
#define MINOS_NET_LISTENER_H

#include <stdbool.h>

#include "core/channel.h"
#include "net/endpoint.h"
#include "core/reactor.h"

#define NET_LISTENER_QUEUE 128

typedef struct net_listener net_listener;

/* Listens on the endpoint (see net_listen_socket for the errors). */
minos_status net_listener_open(reactor *reactor, const net_endpoint *endpoint, net_listener **out);
/* The next connection, as reactor_attach_socket's ends, waiting as
 * `waiter` until the deadline: MINOS_EAGAIN (DEADLINE_NOW) or
 * MINOS_ETIMEDOUT if none came, MINOS_ECLOSED if the waiter's cell is
 * asked to end. */
minos_status net_listener_accept(net_listener *listener, waiter *waiter, uint64_t deadline,
                                 channel_end **from_peer, channel_end **to_peer);
/* Connections waiting to be accepted (poll). */
uint32_t net_listener_waiting(net_listener *listener);
/* As channel_end_watch: wakes the waiter once a connection waits, unless
 * one does now (true). */
bool net_listener_watch(net_listener *listener, waiter *waiter);
void net_listener_unwatch(net_listener *listener, waiter *waiter);
/* Stops listening, closes the connections nobody accepted, and removes
 * a Unix socket's file. */
void net_listener_close(net_listener *listener);

#endif
