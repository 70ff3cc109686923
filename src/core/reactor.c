/* SPDX-License-Identifier: Apache-2.0 */
/* The socket reactor (see reactor.h).
 *
 * Everything about a socket happens on the reactor's thread: its pumps,
 * its registration with epoll, its end. Other threads only reach it
 * through the ready queue: a channel's callback waiter (run by whoever
 * made the channel ready, under that channel's lock) queues the socket
 * and, if the reactor sleeps in epoll_wait, writes the eventfd. A busy
 * reactor finds the queue filled on its next round and never sleeps, so
 * under load the eventfd costs nothing.
 *
 * Sockets are edge-triggered: epoll says when one becomes readable or
 * writable, and the reactor remembers it until a read or a send comes up
 * short. Not reading a socket while its channel is full is what pushes
 * back on the peer, with no epoll_ctl on the way. A socket or listener
 * that goes is freed only after the round of events it went in, because
 * later events of the same round may still name it. */
#include "core/reactor.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

#define CHUNK (64u * 1024)          /* the most moved per read or send */
#define EVENT_BATCH 256
#define DISCARD_LIMIT (1u << 20)    /* unread input thrown away before a close */

/* What an epoll event's data.ptr points at: the first member of each. */
typedef enum watched_kind {
  WATCHED_WAKEUP,
  WATCHED_SOCKET,      /* a socket, or a pipe's reading side */
  WATCHED_PIPE_WRITER, /* a pipe's writing side (reactor_attach_pipes) */
  WATCHED_LISTENER,
} watched_kind;

typedef struct reactor_socket reactor_socket;

/* A connected socket, or a pair of pipes to and from a process: a socket
 * reads and writes one fd; pipes read `fd` and write `write_fd`, each
 * closed as soon as its direction is done. */
struct reactor_socket {
  watched_kind kind;
  watched_kind writer_kind; /* epoll data of write_fd, for pipes */
  reactor *owner;
  int fd, write_fd; /* the same for a socket; -1 once closed */
  bool is_socket;
  bool closed;
  /* The reactor's own ends: it writes what arrives into `inbound` and
   * sends what it reads from `outbound`. NULL once that direction is done. */
  channel_end *inbound, *outbound;
  waiter inbound_waiter, outbound_waiter;
  bool registered;          /* added to epoll (on the reactor's thread) */
  bool readable, writable;  /* what epoll last said, until a short read or send */
  bool hung_up;             /* epoll said the peer is gone: read on to the end */
  bool outbound_finished;   /* its writer closed: shut down once pending is sent */
  bool peer_finished;       /* the peer closed or reset: nothing left to discard */
  uint8_t *pending;         /* read from outbound, not yet taken by the socket */
  uint32_t pending_offset, pending_length;
  bool queued;              /* under the queue lock */
  reactor_socket *next_queued;
  reactor_socket *previous, *next; /* the reactor's sockets, under registry_lock */
  reactor_socket *next_closed;
};

/* A listening socket, or any descriptor watched until it is readable (a
 * process's pidfd) or writable (a connection being made): on_accept or
 * on_readable runs under `lock`. */
struct reactor_listener {
  watched_kind kind;
  reactor *owner;
  int fd;
  uint32_t events; /* EPOLLIN or EPOLLOUT, and EPOLLET unless level-triggered */
  bool once, fired; /* a one-time watch, and whether it has fired */
  void (*on_accept)(void *context, int fd);
  void (*on_readable)(void *context);
  void *context;
  pthread_mutex_t lock; /* held while accepting, so that close waits for it */
  bool closed;
  reactor_listener *previous, *next; /* under registry_lock */
};

struct reactor {
  watched_kind wakeup_kind; /* the eventfd's epoll data */
  int epoll_fd, wakeup_fd;
  pthread_t thread;
  bool has_thread;
  atomic_bool stopping;
  /* Waking: queue_filled and sleeping pair up so that either the reactor
   * sees the queue filled before it sleeps, or the one who filled it sees
   * it sleeping and writes the eventfd (once, until read: signalled). */
  atomic_bool sleeping, signalled, queue_filled;
  spinlock queue_lock;
  reactor_socket *queue_head, *queue_tail;
  pthread_mutex_t registry_lock;
  reactor_socket *sockets;
  reactor_listener *listeners;
  reactor_listener *closed_listeners; /* freed by the thread after its round */
  reactor_socket *closed_sockets;     /* the thread's own */
  uint8_t scratch[CHUNK];
};

#define CONTAINER_OF(pointer, type, member) ((type *)((char *)(pointer)-offsetof(type, member)))

/* The ready queue */

static void signal_thread(reactor *self) {
  uint64_t one = 1;
  if (write(self->wakeup_fd, &one, sizeof one) < 0) { /* already signalled: the counter is set */ }
}

/* From any thread, often under a channel's lock: a few stores, and a write
 * to the eventfd only when the reactor sleeps. */
static void enqueue(reactor_socket *socket) {
  reactor *self = socket->owner;
  spinlock_lock(&self->queue_lock);
  bool added = !socket->queued;
  if (added) {
    socket->queued = true;
    socket->next_queued = NULL;
    if (self->queue_tail) self->queue_tail->next_queued = socket;
    else self->queue_head = socket;
    self->queue_tail = socket;
  }
  spinlock_unlock(&self->queue_lock);
  if (!added) return;
  atomic_store(&self->queue_filled, true);
  if (atomic_load(&self->sleeping) && !atomic_exchange(&self->signalled, true))
    signal_thread(self);
}

static reactor_socket *dequeue(reactor *self) {
  spinlock_lock(&self->queue_lock);
  reactor_socket *socket = self->queue_head;
  if (socket) {
    self->queue_head = socket->next_queued;
    if (!self->queue_head) self->queue_tail = NULL;
    socket->queued = false;
  }
  spinlock_unlock(&self->queue_lock);
  return socket;
}

static void inbound_woken(waiter *woken) {
  enqueue(CONTAINER_OF(woken, reactor_socket, inbound_waiter));
}

static void outbound_woken(waiter *woken) {
  enqueue(CONTAINER_OF(woken, reactor_socket, outbound_waiter));
}

/* Ending a direction, or the socket */

/* A pipe's side whose direction is done: the process learns at once
 * (the end of its input; EPIPE on its output). */
static void close_pipe_fd(reactor_socket *socket, int *fd) {
  if (socket->is_socket || *fd < 0) return;
  if (socket->registered) epoll_ctl(socket->owner->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
  close(*fd);
  *fd = -1;
}

/* The reader of from_peer sees the end of the stream after what is
 * buffered; the channel goes when the reader closes too. */
static void finish_inbound(reactor_socket *socket) {
  close_pipe_fd(socket, &socket->fd);
  if (!socket->inbound) return;
  channel_end_unwatch(socket->inbound, &socket->inbound_waiter);
  channel_end_close(socket->inbound);
  socket->inbound = NULL;
}

/* The writer of to_peer gets MINOS_ECLOSED from now on. */
static void finish_outbound(reactor_socket *socket) {
  close_pipe_fd(socket, &socket->write_fd);
  free(socket->pending);
  socket->pending = NULL;
  socket->pending_length = 0;
  if (!socket->outbound) return;
  channel_end_unwatch(socket->outbound, &socket->outbound_waiter);
  channel_end_close(socket->outbound);
  socket->outbound = NULL;
}

/* The connection is gone (reset, refused, or we reset it): both ends
 * learn at once, writes first, so that a reader who sees the end of the
 * stream and then writes is refused. */
static void fail(reactor_socket *socket) {
  socket->peer_finished = true;
  finish_outbound(socket);
  finish_inbound(socket);
}

/* Abandons the connection with a reset, for a writer that failed halfway
 * through (MINOS_ERESET): the peer must not take half a reply for whole. */
static void abort_connection(reactor_socket *socket) {
  struct linger reset = {.l_onoff = 1, .l_linger = 0};
  if (socket->is_socket) setsockopt(socket->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  fail(socket);
}

/* Input nobody will read would make the kernel answer the close with a
 * reset, which can overtake the reply still in flight to the peer. */
static void discard_unread(reactor_socket *socket) {
  size_t discarded = 0;
  while (discarded < DISCARD_LIMIT) {
    ssize_t got = recv(socket->fd, socket->owner->scratch, CHUNK, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    discarded += (size_t)got;
  }
}

static void unlink_socket(reactor *self, reactor_socket *socket) {
  pthread_mutex_lock(&self->registry_lock);
  if (socket->previous) socket->previous->next = socket->next;
  else self->sockets = socket->next;
  if (socket->next) socket->next->previous = socket->previous;
  pthread_mutex_unlock(&self->registry_lock);
}

/* Both directions are done. The explicit EPOLL_CTL_DEL matters: a child
 * forked by another thread may hold a copy of the fd until its exec, and
 * the registration lives as long as any copy does. */
static void close_socket(reactor_socket *socket) {
  reactor *self = socket->owner;
  socket->closed = true;
  if (!socket->is_socket) {
    close_pipe_fd(socket, &socket->fd);
    close_pipe_fd(socket, &socket->write_fd);
  } else {
    if (socket->registered) {
      if (!socket->peer_finished) discard_unread(socket);
      epoll_ctl(self->epoll_fd, EPOLL_CTL_DEL, socket->fd, NULL);
    }
    close(socket->fd);
    socket->fd = socket->write_fd = -1;
  }
  unlink_socket(self, socket);
  socket->next_closed = self->closed_sockets;
  self->closed_sockets = socket;
}

/* Socket -> from_peer */

static void pump_inbound(reactor_socket *socket) {
  uint8_t *scratch = socket->owner->scratch;
  while (socket->inbound) {
    uint32_t room;
    bool reader_gone;
    channel_end_ready(socket->inbound, &room, &reader_gone);
    if (reader_gone) {
      finish_inbound(socket);
      return;
    }
    if (!socket->readable) return;
    if (room == 0) {
      if (channel_end_watch(socket->inbound, &socket->inbound_waiter)) continue;
      return; /* the reader's next read wakes us */
    }
    uint32_t wanted = room < CHUNK ? room : CHUNK;
    ssize_t got = read(socket->fd, scratch, wanted);
    if (got > 0) {
      /* The reactor is the channel's only writer and room only grows, so
       * this takes it all unless the reader has just gone. */
      if (channel_write(&socket->inbound_waiter, socket->inbound, scratch, (uint32_t)got,
                        DEADLINE_NOW) != got) {
        finish_inbound(socket);
        return;
      }
      /* A stream socket's short read means it is drained (epoll(7)),
       * unless the end of the stream is there too: that comes as no new
       * edge, so it must be read now. */
      if ((uint32_t)got < wanted && !socket->hung_up) socket->readable = false;
    } else if (got == 0) {
      socket->peer_finished = true;
      finish_inbound(socket);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      socket->readable = false;
    } else if (errno != EINTR) {
      fail(socket);
    }
  }
}

/* to_peer -> socket */

/* One send: the bytes taken (fewer than length: the socket is full), or
 * -1 when the peer takes no more, and the writer has been told. */
static int64_t send_some(reactor_socket *socket, const uint8_t *data, uint32_t length) {
  ssize_t sent;
  /* A pipe whose reader is gone says EPIPE: SIGPIPE is blocked in the
   * reactor's thread (reactor_main). */
  do sent = socket->is_socket ? send(socket->fd, data, length, MSG_NOSIGNAL)
                              : write(socket->write_fd, data, length);
  while (sent < 0 && errno == EINTR);
  if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    finish_outbound(socket);
    return -1;
  }
  if (sent < (ssize_t)length) socket->writable = false;
  return sent < 0 ? 0 : sent;
}

/* Sends data, keeping what the socket does not take in pending; true if
 * it all went. */
static bool send_or_keep(reactor_socket *socket, const uint8_t *data, uint32_t length) {
  int64_t sent = socket->writable ? send_some(socket, data, length) : 0;
  if (sent < 0) return false;
  if (sent == length) return true;
  uint32_t left = length - (uint32_t)sent;
  socket->pending = malloc(left);
  if (!socket->pending) {
    log_error("socket: out of memory keeping %u bytes to send", left);
    abort_connection(socket);
    return false;
  }
  memcpy(socket->pending, data + sent, left);
  socket->pending_offset = 0;
  socket->pending_length = left;
  return false;
}

/* True once pending is all sent. */
static bool flush_pending(reactor_socket *socket) {
  if (!socket->writable) return false;
  int64_t sent = send_some(socket, socket->pending + socket->pending_offset,
                           socket->pending_length);
  if (sent < 0) return false;
  socket->pending_offset += (uint32_t)sent;
  socket->pending_length -= (uint32_t)sent;
  if (socket->pending_length) return false;
  free(socket->pending);
  socket->pending = NULL;
  return true;
}

/* Whether a pipe's reader (a process) is gone: checked before taking
 * bytes off the channel, which would then be lost. A process's end is
 * seen by the runtime (its pidfd) after its pipes are closed, so a writer
 * told of that end (a restarted service's client) never has its next
 * bytes taken here: they wait in the channel for the next instance. */
static bool pipe_reader_gone(const reactor_socket *socket) {
  struct pollfd probe = {.fd = socket->write_fd, .events = POLLOUT};
  return !socket->is_socket && socket->write_fd >= 0 && poll(&probe, 1, 0) == 1 &&
         (probe.revents & POLLERR);
}

static void pump_outbound(reactor_socket *socket) {
  uint8_t *scratch = socket->owner->scratch;
  uint32_t rotation = 0, which;
  if (pipe_reader_gone(socket)) {
    finish_outbound(socket);
    return;
  }
  for (;;) {
    if (socket->pending_length && !flush_pending(socket)) return;
    if (!socket->outbound) return;
    if (socket->outbound_finished) {
      if (socket->is_socket) shutdown(socket->fd, SHUT_WR);
      finish_outbound(socket); /* a pipe's write_fd is closed there */
      return;
    }
    int64_t got = channel_read(&socket->outbound_waiter, &socket->outbound, 1, scratch, CHUNK,
                               DEADLINE_NOW, &rotation, &which);
    if (got > 0) {
      if (!send_or_keep(socket, scratch, (uint32_t)got)) return;
    } else if (got == 0) {
      socket->outbound_finished = true;
    } else if (got == -MINOS_EAGAIN) {
      if (!channel_end_watch(socket->outbound, &socket->outbound_waiter)) return;
    } else {
      abort_connection(socket); /* MINOS_ERESET: its writer failed midway */
      return;
    }
  }
}

static bool watch_fd(reactor_socket *socket, int fd, uint32_t events, void *data) {
  struct epoll_event event = {.events = events | EPOLLET, .data.ptr = data};
  return fd < 0 || epoll_ctl(socket->owner->epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
}

static void register_socket(reactor_socket *socket) {
  if (socket->is_socket)
    socket->registered = watch_fd(socket, socket->fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, socket);
  else
    socket->registered = watch_fd(socket, socket->fd, EPOLLIN | EPOLLRDHUP, socket) &&
                         watch_fd(socket, socket->write_fd, EPOLLOUT, &socket->writer_kind);
  if (!socket->registered) {
    log_error("socket: cannot watch it: %s", strerror(errno));
    fail(socket);
    return;
  }
  /* Try at once: an accepted connection's request is often there already,
   * and a short read or send says when it is not. */
  socket->readable = socket->writable = true;
}

static void pump(reactor_socket *socket) {
  if (socket->closed) return; /* closed earlier in this round */
  if (!socket->registered) register_socket(socket);
  pump_outbound(socket);
  pump_inbound(socket);
  if (!socket->inbound && !socket->outbound) close_socket(socket);
}

static void socket_event(reactor_socket *socket, uint32_t events) {
  if (socket->closed) return;
  /* An error or hang-up is seen by the next read or send. */
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) socket->readable = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) socket->hung_up = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) socket->writable = true;
  pump(socket);
}

/* The channels of the directions that have an fd. */
static minos_status make_channels(reactor_socket *socket, channel_end **inbound_reader,
                                  channel_end **outbound_writer) {
  *inbound_reader = *outbound_writer = NULL;
  minos_status status = MINOS_OK;
  if (socket->fd >= 0) status = channel_create(0, &socket->inbound, inbound_reader);
  if (status == MINOS_OK && socket->write_fd >= 0)
    status = channel_create(0, outbound_writer, &socket->outbound);
  if (status != MINOS_OK && *inbound_reader) {
    channel_end_close(*inbound_reader);
    channel_end_close(socket->inbound);
  }
  return status;
}

/* With `given` ends (inbound's writer, outbound's reader), the reactor
 * takes them instead of making channels. */
static minos_status attach(reactor *self, int read_fd, int write_fd, bool is_socket,
                           channel_end **from_peer, channel_end **to_peer,
                           channel_end *const given[2]) {
  reactor_socket *socket = calloc(1, sizeof *socket);
  if (!socket) return MINOS_ENOMEM;
  *socket = (reactor_socket){.kind = WATCHED_SOCKET, .writer_kind = WATCHED_PIPE_WRITER,
                             .owner = self, .fd = read_fd, .write_fd = write_fd,
                             .is_socket = is_socket};
  channel_end *inbound_reader = NULL, *outbound_writer = NULL;
  minos_status status = MINOS_OK;
  if (given) {
    socket->inbound = given[0];
    socket->outbound = given[1];
  } else {
    status = make_channels(socket, &inbound_reader, &outbound_writer);
  }
  if (status != MINOS_OK) {
    free(socket);
    return status;
  }
  waiter_init_callback(&socket->inbound_waiter, inbound_woken);
  waiter_init_callback(&socket->outbound_waiter, outbound_woken);
  /* Before anyone else can reach the socket: a reader that goes while the
   * socket is idle must still make it finish. */
  if (socket->inbound) channel_end_watch_close(socket->inbound, &socket->inbound_waiter);
  pthread_mutex_lock(&self->registry_lock);
  socket->next = self->sockets;
  if (self->sockets) self->sockets->previous = socket;
  self->sockets = socket;
  pthread_mutex_unlock(&self->registry_lock);
  if (from_peer) *from_peer = inbound_reader;
  if (to_peer) *to_peer = outbound_writer;
  enqueue(socket); /* the reactor's thread takes it from here */
  return MINOS_OK;
}

minos_status reactor_attach_socket(reactor *self, int fd, channel_end **from_peer,
                                   channel_end **to_peer) {
  int on = 1;
  if (ioctl(fd, FIONBIO, &on) != 0) return MINOS_EINVAL;
  /* Replies are written whole; Nagle would hold the last piece of one
   * back until the peer's delayed acknowledgement. Not TCP: no matter. */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return attach(self, fd, fd, true, from_peer, to_peer, NULL);
}

minos_status reactor_attach_pipes(reactor *self, int read_fd, int write_fd,
                                  channel_end **from_peer, channel_end **to_peer) {
  int on = 1;
  if (read_fd < 0 && write_fd < 0) return MINOS_EINVAL;
  if ((read_fd >= 0 && ioctl(read_fd, FIONBIO, &on) != 0) ||
      (write_fd >= 0 && ioctl(write_fd, FIONBIO, &on) != 0))
    return MINOS_EINVAL;
  return attach(self, read_fd, write_fd, false, from_peer, to_peer, NULL);
}

minos_status reactor_attach_pipe_ends(reactor *self, int read_fd, channel_end *into,
                                      int write_fd, channel_end *from) {
  int on = 1;
  if ((read_fd < 0) != (into == NULL) || (write_fd < 0) != (from == NULL) ||
      (read_fd < 0 && write_fd < 0))
    return MINOS_EINVAL;
  if ((read_fd >= 0 && ioctl(read_fd, FIONBIO, &on) != 0) ||
      (write_fd >= 0 && ioctl(write_fd, FIONBIO, &on) != 0))
    return MINOS_EINVAL;
  channel_end *const given[2] = {into, from};
  return attach(self, read_fd, write_fd, false, NULL, NULL, given);
}

/* Listeners */

static void accept_all(reactor_listener *listener) {
  pthread_mutex_lock(&listener->lock);
  while (!listener->closed) {
    int fd = accept4(listener->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      listener->on_accept(listener->context, fd);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    /* Out of descriptors or memory: what waits is taken on the next
     * connection's edge, not in a loop that would spin on the error. */
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      log_warn("cannot accept a connection: %s", strerror(errno));
    break;
  }
  pthread_mutex_unlock(&listener->lock);
}

static void readable(reactor_listener *watch) {
  pthread_mutex_lock(&watch->lock);
  if (!watch->closed && !watch->fired) {
    if (watch->once) { /* forgotten before the callback, which may close the fd */
      watch->fired = true;
      epoll_ctl(watch->owner->epoll_fd, EPOLL_CTL_DEL, watch->fd, NULL);
    }
    watch->on_readable(watch->context);
  }
  pthread_mutex_unlock(&watch->lock);
}

static minos_status watch(reactor *self, const reactor_listener *given, reactor_listener **out) {
  reactor_listener *listener = calloc(1, sizeof *listener);
  if (!listener) return MINOS_ENOMEM;
  *listener = *given;
  pthread_mutex_init(&listener->lock, NULL);
  pthread_mutex_lock(&self->registry_lock);
  listener->next = self->listeners;
  if (self->listeners) self->listeners->previous = listener;
  self->listeners = listener;
  pthread_mutex_unlock(&self->registry_lock);
  struct epoll_event event = {.events = listener->events, .data.ptr = listener};
  if (epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, listener->fd, &event) != 0) {
    minos_status status = errno == ENOMEM || errno == ENOSPC ? MINOS_ENOMEM : MINOS_EINVAL;
    reactor_listener_close(listener);
    return status;
  }
  *out = listener;
  return MINOS_OK;
}

minos_status reactor_listen(reactor *self, int listening_fd,
                            void (*on_accept)(void *context, int fd), void *context,
                            reactor_listener **out) {
  int on = 1;
  if (ioctl(listening_fd, FIONBIO, &on) != 0) return MINOS_EINVAL; /* accept must not block */
  return watch(self,
               &(reactor_listener){.kind = WATCHED_LISTENER, .owner = self, .fd = listening_fd,
                                   .events = EPOLLIN | EPOLLET, .on_accept = on_accept,
                                   .context = context},
               out);
}

minos_status reactor_watch_readable(reactor *self, int fd, void (*on_readable)(void *context),
                                    void *context, reactor_watch **out) {
  return watch(self,
               &(reactor_listener){.kind = WATCHED_LISTENER, .owner = self, .fd = fd,
                                   .events = EPOLLIN | EPOLLET, .on_readable = on_readable,
                                   .context = context},
               out);
}

void reactor_watch_rearm(reactor_watch *watch) {
  struct epoll_event event = {.events = watch->events, .data.ptr = watch};
  epoll_ctl(watch->owner->epoll_fd, EPOLL_CTL_MOD, watch->fd, &event);
}

minos_status reactor_watch_writable_once(reactor *self, int fd,
                                         void (*on_writable)(void *context), void *context,
                                         reactor_watch **out) {
  return watch(self,
               &(reactor_listener){.kind = WATCHED_LISTENER, .owner = self, .fd = fd,
                                   .events = EPOLLOUT, .once = true,
                                   .on_readable = on_writable, .context = context},
               out);
}

void reactor_watch_close(reactor_watch *watch) { reactor_listener_close(watch); }

void reactor_listener_close(reactor_listener *listener) {
  reactor *self = listener->owner;
  pthread_mutex_lock(&listener->lock);
  listener->closed = true;
  /* A fired one-time watch's fd may be closed, its number another's. */
  if (!listener->fired) epoll_ctl(self->epoll_fd, EPOLL_CTL_DEL, listener->fd, NULL);
  pthread_mutex_unlock(&listener->lock);
  pthread_mutex_lock(&self->registry_lock);
  if (listener->previous) listener->previous->next = listener->next;
  else self->listeners = listener->next;
  if (listener->next) listener->next->previous = listener->previous;
  listener->next = self->closed_listeners;
  self->closed_listeners = listener;
  pthread_mutex_unlock(&self->registry_lock);
}

static void free_listener(reactor_listener *listener) {
  pthread_mutex_destroy(&listener->lock);
  free(listener);
}

/* The thread */

static void free_closed(reactor *self) {
  while (self->closed_sockets) {
    reactor_socket *socket = self->closed_sockets;
    self->closed_sockets = socket->next_closed;
    free(socket);
  }
  pthread_mutex_lock(&self->registry_lock);
  reactor_listener *listeners = self->closed_listeners;
  self->closed_listeners = NULL;
  pthread_mutex_unlock(&self->registry_lock);
  while (listeners) {
    reactor_listener *next = listeners->next;
    free_listener(listeners);
    listeners = next;
  }
}

/* A pipe's writing side: writable, or its reader gone (the next write
 * says EPIPE). */
static void pipe_writer_event(reactor_socket *socket, uint32_t events) {
  if (socket->closed) return;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) socket->writable = true;
  pump(socket);
}

static void dispatch(reactor *self, const struct epoll_event *event) {
  watched_kind kind = *(const watched_kind *)event->data.ptr;
  if (kind == WATCHED_SOCKET) {
    socket_event(event->data.ptr, event->events);
  } else if (kind == WATCHED_PIPE_WRITER) {
    pipe_writer_event(CONTAINER_OF(event->data.ptr, reactor_socket, writer_kind), event->events);
  } else if (kind == WATCHED_LISTENER) {
    reactor_listener *listener = event->data.ptr;
    if (listener->on_accept) accept_all(listener);
    else readable(listener);
  } else {
    uint64_t count;
    if (read(self->wakeup_fd, &count, sizeof count) < 0) { /* nothing to take */ }
    atomic_store(&self->signalled, false); /* before the queue is run */
  }
}

static void run_queue(reactor *self) {
  if (!atomic_exchange(&self->queue_filled, false)) return;
  reactor_socket *socket;
  while ((socket = dequeue(self))) pump(socket);
}

static void *reactor_main(void *argument) {
  reactor *self = argument;
  /* A write to a pipe whose reader is gone says EPIPE here, whatever the
   * embedding process does with SIGPIPE. */
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, NULL);
  struct epoll_event events[EVENT_BATCH];
  while (!atomic_load(&self->stopping)) {
    atomic_store(&self->sleeping, true);
    int timeout = atomic_load(&self->queue_filled) ? 0 : -1;
    int count = epoll_wait(self->epoll_fd, events, EVENT_BATCH, timeout);
    atomic_store(&self->sleeping, false);
    for (int i = 0; i < count; i++) dispatch(self, &events[i]);
    run_queue(self);
    free_closed(self);
  }
  return NULL;
}

minos_status reactor_create(reactor **out) {
  reactor *self = calloc(1, sizeof *self);
  if (!self) return MINOS_ENOMEM;
  self->wakeup_kind = WATCHED_WAKEUP;
  pthread_mutex_init(&self->registry_lock, NULL);
  self->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  self->wakeup_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = &self->wakeup_kind};
  if (self->epoll_fd < 0 || self->wakeup_fd < 0 ||
      epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, self->wakeup_fd, &event) != 0 ||
      pthread_create(&self->thread, NULL, reactor_main, self) != 0) {
    log_error("cannot start the socket reactor: %s", strerror(errno));
    reactor_free(self);
    return MINOS_EIO;
  }
  self->has_thread = true;
  *out = self;
  return MINOS_OK;
}

void reactor_free(reactor *self) {
  if (!self) return;
  if (self->has_thread) {
    atomic_store(&self->stopping, true);
    signal_thread(self);
    pthread_join(self->thread, NULL);
  }
  /* Callbacks may still queue sockets until their watches are cancelled;
   * the queue outlives that, and is simply never run. */
  while (self->sockets) {
    reactor_socket *socket = self->sockets;
    fail(socket);
    close_socket(socket);
  }
  free_closed(self);
  while (self->listeners) {
    reactor_listener *listener = self->listeners;
    self->listeners = listener->next;
    free_listener(listener);
  }
  if (self->epoll_fd >= 0) close(self->epoll_fd);
  if (self->wakeup_fd >= 0) close(self->wakeup_fd);
  pthread_mutex_destroy(&self->registry_lock);
  free(self);
}
