/* SPDX-License-Identifier: Apache-2.0 */
#include "net/listener.h"

#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cell.h"

struct net_listener {
  reactor *reactor;
  reactor_listener *watch;
  int fd;
  char unix_path[sizeof ((struct sockaddr_un *)0)->sun_path]; /* removed at close */
  spinlock lock; /* the queue and the waiter */
  int queue[NET_LISTENER_QUEUE];
  uint32_t head, count;
  waiter *waiting;
};

/* On the reactor's thread. */
static void accepted(void *context, int fd) {
  net_listener *self = context;
  spinlock_lock(&self->lock);
  bool kept = self->count < NET_LISTENER_QUEUE;
  if (kept) {
    self->queue[(self->head + self->count++) % NET_LISTENER_QUEUE] = fd;
    waiter *sleeper = self->waiting;
    self->waiting = NULL;
    if (sleeper) waiter_wake(sleeper);
  }
  spinlock_unlock(&self->lock);
  if (!kept) close(fd);
}

minos_status net_listener_open(reactor *sockets, const net_endpoint *endpoint,
                               net_listener **out) {
  net_listener *self = calloc(1, sizeof *self);
  if (!self) return MINOS_ENOMEM;
  self->reactor = sockets;
  minos_status status = net_listen_socket(endpoint, &self->fd);
  if (status != MINOS_OK) {
    free(self);
    return status;
  }
  if (endpoint->protocol == NET_UNIX) {
    const struct sockaddr_un *address = (const struct sockaddr_un *)&endpoint->address;
    memcpy(self->unix_path, address->sun_path, sizeof self->unix_path);
  }
  status = reactor_listen(sockets, self->fd, accepted, self, &self->watch);
  if (status != MINOS_OK) {
    self->watch = NULL;
    net_listener_close(self);
    return status;
  }
  *out = self;
  return MINOS_OK;
}

/* Under the lock: the next connection's fd, or -1. */
static int take(net_listener *self) {
  if (self->count == 0) return -1;
  int fd = self->queue[self->head];
  self->head = (self->head + 1) % NET_LISTENER_QUEUE;
  self->count--;
  return fd;
}

/* Whether to go on waiting, as a channel read decides it. */
static minos_status may_wait(const waiter *self, uint64_t deadline) {
  if (deadline == DEADLINE_NOW) return MINOS_EAGAIN;
  if (self->cell && atomic_load_explicit(&self->cell->end_request, memory_order_relaxed))
    return MINOS_ECLOSED;
  if (deadline != DEADLINE_NEVER && monotonic_ns() >= deadline) return MINOS_ETIMEDOUT;
  return MINOS_OK;
}

minos_status net_listener_accept(net_listener *self, waiter *sleeper, uint64_t deadline,
                                 channel_end **from_peer, channel_end **to_peer) {
  for (;;) {
    spinlock_lock(&self->lock);
    int fd = take(self);
    minos_status stop = fd >= 0 ? MINOS_OK : may_wait(sleeper, deadline);
    if (fd < 0 && stop == MINOS_OK) self->waiting = sleeper;
    spinlock_unlock(&self->lock);
    if (fd >= 0) {
      minos_status status = reactor_attach_socket(self->reactor, fd, from_peer, to_peer);
      if (status != MINOS_OK) close(fd);
      return status;
    }
    if (stop != MINOS_OK) return stop;
    waiter_sleep(sleeper, deadline);
    net_listener_unwatch(self, sleeper);
  }
}

uint32_t net_listener_waiting(net_listener *self) {
  spinlock_lock(&self->lock);
  uint32_t count = self->count;
  spinlock_unlock(&self->lock);
  return count;
}

bool net_listener_watch(net_listener *self, waiter *watcher) {
  spinlock_lock(&self->lock);
  bool ready = self->count > 0;
  if (!ready) self->waiting = watcher;
  spinlock_unlock(&self->lock);
  return ready;
}

void net_listener_unwatch(net_listener *self, waiter *watcher) {
  spinlock_lock(&self->lock);
  if (self->waiting == watcher) self->waiting = NULL;
  spinlock_unlock(&self->lock);
}

void net_listener_close(net_listener *self) {
  if (self->watch) reactor_listener_close(self->watch);
  close(self->fd);
  if (self->unix_path[0]) unlink(self->unix_path);
  for (int fd; (fd = take(self)) >= 0;) close(fd);
  free(self);
}
