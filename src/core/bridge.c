/* SPDX-License-Identifier: Apache-2.0 */
#include "core/bridge.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"

#define BRIDGE_CHUNK 65536

/* A bridge from a host descriptor may start its thread at its first use
 * (the cell's first read or poll), or never: a program that never reads
 * stdin costs no thread for it, and takes no input from the terminal.
 * The watcher is a callback waiter on the channel; bridge_finish takes it
 * off before it looks. */
struct bridge {
  pthread_t thread;
  int fd;
  channel_end *end;
  int stop_event; /* from_fd only: lets bridge_finish interrupt the wait */
  void *(*pump)(void *);
  waiter first_use;
  atomic_bool started;
  bool start_failed;
};

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
  if (atomic_exchange(&self->started, true)) return true;
  if (pthread_create(&self->thread, NULL, self->pump, self) == 0) return true;
  self->start_failed = true;
  return false;
}

/* From the channel's first reader, under the channel's lock: short. */
static void on_first_use(waiter *watcher) {
  bridge *self = (bridge *)((char *)watcher - offsetof(bridge, first_use));
  start_thread(self);
}

static bridge *make(int fd, channel_end *end, int stop_event, void *(*pump)(void *)) {
  bridge *created = malloc(sizeof *created);
  if (!created) return NULL;
  *created = (bridge){.fd = fd, .end = end, .stop_event = stop_event, .pump = pump};
  atomic_init(&created->started, false);
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
  /* At once: started at the first write, a native cell's output was lost
   * about once in a hundred runs (the first write comes from the
   * reactor's thread), so outputs are not lazy until that is understood. */
  if (!start_thread(created)) {
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

void bridge_finish(bridge *self) {
  if (!self) return;
  /* Not started, the bridge still holds its end (so the channel is
   * there); once its watcher is off the channel nothing can start it. A
   * started thread owns the end, and may have closed it already. */
  if (!atomic_load(&self->started)) channel_end_unwatch(self->end, &self->first_use);
  if (self->start_failed)
    log_message(LOG_ERROR, NULL, "cannot start a thread to copy descriptor %d: its data was lost",
                self->fd);
  if (!atomic_load(&self->started) || self->start_failed) {
    /* Never used: nothing was written to it, or nobody read from it. */
    channel_end_close(self->end);
  } else {
    bridge_end_input(self);
    pthread_join(self->thread, NULL);
  }
  if (self->stop_event >= 0) close(self->stop_event);
  free(self);
}
