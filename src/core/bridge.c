/* SPDX-License-Identifier: Apache-2.0 */
#include "core/bridge.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define BRIDGE_CHUNK 65536

struct bridge {
  pthread_t thread;
  int fd;
  channel_end *end;
  int stop_event; /* from_fd only: lets bridge_finish interrupt the wait */
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

static minos_status start(int fd, channel_end *end, int stop_event, void *(*pump)(void *),
                          bridge **out) {
  bridge *created = malloc(sizeof *created);
  if (!created) return MINOS_ENOMEM;
  *created = (bridge){.fd = fd, .end = end, .stop_event = stop_event};
  if (pthread_create(&created->thread, NULL, pump, created) != 0) {
    free(created);
    return MINOS_ENOMEM;
  }
  *out = created;
  return MINOS_OK;
}

minos_status bridge_from_fd(int fd, channel_end *write_end, bridge **out) {
  int stop_event = eventfd(0, EFD_CLOEXEC);
  if (stop_event < 0) return MINOS_EIO;
  minos_status status = start(fd, write_end, stop_event, pump_from_fd, out);
  if (status != MINOS_OK) close(stop_event);
  return status;
}

minos_status bridge_to_fd(channel_end *read_end, int fd, bridge **out) {
  return start(fd, read_end, -1, pump_to_fd, out);
}

void bridge_finish(bridge *self) {
  if (!self) return;
  if (self->stop_event >= 0) {
    uint64_t one = 1;
    if (write(self->stop_event, &one, sizeof one) != sizeof one) { /* it is stopping anyway */ }
  }
  pthread_join(self->thread, NULL);
  if (self->stop_event >= 0) close(self->stop_event);
  free(self);
}
