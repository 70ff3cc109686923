/* SPDX-License-Identifier: Apache-2.0 */
#include "core/bridge.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"

#define BRIDGE_CHUNK 65536

/* A bridge starts its thread at its first use, or never: a program that
 * never reads stdin costs no thread for it (and takes no input from the
 * terminal), one that writes only stdout costs one thread, not three.
 * Use is the cell's first read or poll for an input, the first write (or
 * close) for an output. The watcher is a callback waiter on the channel;
 * bridge_finish takes it off before it looks. */
struct bridge {
  pthread_t thread;
  int fd;
  channel_end *end;
  int stop_event; /* from_fd only: lets bridge_finish interrupt the wait */
  void *(*pump)(void *);
  waiter first_use;
  atomic_int state; /* bridge_state */
};

/* Who pumps the end. Whoever moves the bridge out of IDLE first does:
 * its first use starts the thread, or bridge_finish pumps it itself. */
typedef enum bridge_state {
  BRIDGE_IDLE,
  BRIDGE_STARTING, /* a first use is creating the thread */
  BRIDGE_RUNNING,  /* the thread owns the end (and may have closed it) */
  BRIDGE_FAILED,   /* no thread could be made: the end is still ours */
  BRIDGE_FINISHING /* bridge_finish came first */
} bridge_state;

/* Waits for fd to be readable or for a stop request: false on stop. */
static bool wait_readable(const bridge *self) {
  struct pollfd watched[2] = {{.fd = self->fd, .events = POLLIN},
                              {.fd = self->stop_event, .events = POLLIN}};
  for (;;) {
    int ready = poll(watched, 2, -1);
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0 && !(watched[1].revents & POLLIN);
  }
}

static bool write_all_to_channel(waiter *host, channel_end *end, const uint8_t *data, size_t size) {
  while (size > 0) {
    int64_t wrote = channel_write(host, end, data, (uint32_t)size, DEADLINE_NEVER);
    if (wrote < 0) return false;
    data += wrote;
    size -= (size_t)wrote;
  }
  return true;
}

static void *pump_from_fd(void *argument) {
  bridge *self = argument;
  waiter host;
  waiter_init_host(&host);
  uint8_t *chunk = malloc(BRIDGE_CHUNK);
  while (chunk && wait_readable(self)) {
    ssize_t got = read(self->fd, chunk, BRIDGE_CHUNK);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got <= 0 || !write_all_to_channel(&host, self->end, chunk, (size_t)got)) break;
  }
  free(chunk);
  channel_end_close(self->end);
  return NULL;
}

static bool write_all_to_fd(int fd, const uint8_t *data, size_t size) {
  while (size > 0) {
    ssize_t wrote = write(fd, data, size);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    data += wrote;
    size -= (size_t)wrote;
  }
  return true;
}

static void *pump_to_fd(void *argument) {
  bridge *self = argument;
  waiter host;
  waiter_init_host(&host);
  uint8_t *chunk = malloc(BRIDGE_CHUNK);
  uint32_t rotation = 0, which;
  for (;;) {
    int64_t got = chunk ? channel_read(&host, &self->end, 1, chunk, BRIDGE_CHUNK, DEADLINE_NEVER,
                                       &rotation, &which)
                        : 0;
    if (got <= 0 || !write_all_to_fd(self->fd, chunk, (size_t)got)) break;
  }
  free(chunk);
  channel_end_close(self->end);
  return NULL;
}

static bool start_thread(bridge *self) {
  int idle = BRIDGE_IDLE;
  if (!atomic_compare_exchange_strong(&self->state, &idle, BRIDGE_STARTING)) return true;
  bool created = pthread_create(&self->thread, NULL, self->pump, self) == 0;
  atomic_store(&self->state, created ? BRIDGE_RUNNING : BRIDGE_FAILED);
  return created;
}

/* From the channel's first user, under the channel's lock: short. An
 * output whose writers all left without a byte needs no thread:
 * bridge_finish sees its end at once (a hello world's stderr). */
static void on_first_use(waiter *watcher) {
  bridge *self = (bridge *)((char *)watcher - offsetof(bridge, first_use));
  if (self->pump == pump_to_fd && channel_end_drained_in_callback(self->end)) return;
  start_thread(self);
}

static bridge *make(int fd, channel_end *end, int stop_event, void *(*pump)(void *)) {
  bridge *created = malloc(sizeof *created);
  if (!created) return NULL;
  *created = (bridge){.fd = fd, .end = end, .stop_event = stop_event, .pump = pump};
  atomic_init(&created->state, BRIDGE_IDLE);
  waiter_init_callback(&created->first_use, on_first_use);
  return created;
}

minos_status bridge_from_fd(int fd, channel_end *write_end, bool at_first_read, bridge **out) {
  int stop_event = eventfd(0, EFD_CLOEXEC);
  if (stop_event < 0) return MINOS_EIO;
  bridge *created = make(fd, write_end, stop_event, pump_from_fd);
  if (created && (at_first_read || start_thread(created))) {
    if (at_first_read) channel_end_watch_first_read(write_end, &created->first_use);
    *out = created;
    return MINOS_OK;
  }
  free(created);
  close(stop_event);
  return MINOS_ENOMEM;
}

minos_status bridge_to_fd(channel_end *read_end, int fd, bridge **out) {
  bridge *created = make(fd, read_end, -1, pump_to_fd);
  if (!created) return MINOS_ENOMEM;
  /* Written to (or closed) already: at once. */
  if (channel_end_watch(read_end, &created->first_use) && !start_thread(created)) {
    free(created);
    return MINOS_ENOMEM;
  }
  *out = created;
  return MINOS_OK;
}

/* The stop request bridge_finish makes too: the pump, waiting in poll or
 * started later by the first read, sees it and closes its end. */
void bridge_end_input(bridge *self) {
  if (!self || self->stop_event < 0) return;
  uint64_t one = 1;
  if (write(self->stop_event, &one, sizeof one) != sizeof one) { /* it is stopping anyway */ }
}

/* No thread pumps this end. Nobody read an input: it is dropped. An
 * output may still get data (a native cell's output reaches its channel
 * from the reactor's thread, after the cell's end is known; a child may
 * hold the write end): it is copied here, to its end. */
static void pump_here(bridge *self) {
  /* Ours, so still open: once the watcher is off nothing can start it. */
  channel_end_unwatch(self->end, &self->first_use);
  if (self->pump == pump_to_fd) pump_to_fd(self);
  else channel_end_close(self->end);
}

void bridge_finish(bridge *self) {
  if (!self) return;
  int state = BRIDGE_IDLE;
  if (!atomic_compare_exchange_strong(&self->state, &state, BRIDGE_FINISHING)) {
    /* A first use is creating the thread (in the reactor's thread, say):
     * its handle is not there to join until it is done. */
    while ((state = atomic_load(&self->state)) == BRIDGE_STARTING) sched_yield();
  }
  if (state == BRIDGE_IDLE || state == BRIDGE_FAILED) {
    if (state == BRIDGE_FAILED)
      log_message(LOG_ERROR, NULL, "cannot start a thread to copy descriptor %d; copying at the end",
                  self->fd);
    pump_here(self);
  } else {
    bridge_end_input(self);
    pthread_join(self->thread, NULL);
  }
  if (self->stop_event >= 0) close(self->stop_event);
  free(self);
}
