#include "core/channel.h"

#include <stdlib.h>
#include <string.h>

#include "core/scheduler.h"

struct channel {
  uint8_t *buffer;
  uint32_t capacity, head, count; /* ring: count bytes from head */
  channel_end write_end, read_end;
  bool write_open, read_open;
  cell *waiting_reader, *waiting_writer;
};

minos_status channel_create(uint32_t capacity, channel_end **write_end, channel_end **read_end) {
  channel *created = calloc(1, sizeof *created);
  if (!created) return MINOS_ENOMEM;
  created->capacity = capacity ? capacity : CHANNEL_DEFAULT_CAPACITY;
  created->buffer = malloc(created->capacity);
  if (!created->buffer) {
    free(created);
    return MINOS_ENOMEM;
  }
  created->write_end = (channel_end){created, true};
  created->read_end = (channel_end){created, false};
  created->write_open = created->read_open = true;
  *write_end = &created->write_end;
  *read_end = &created->read_end;
  return MINOS_OK;
}

static void wake(cell **waiting) {
  cell *sleeper = *waiting;
  *waiting = NULL;
  if (sleeper) scheduler_wake(sleeper);
}

void channel_end_close(channel_end *end) {
  channel *self = end->channel;
  if (end->writes) {
    self->write_open = false;
    wake(&self->waiting_reader); /* it will see the end of the stream */
  } else {
    self->read_open = false;
    self->count = 0;             /* nobody will read it */
    wake(&self->waiting_writer); /* it will see MINOS_ECLOSED */
  }
  if (!self->write_open && !self->read_open) {
    free(self->buffer);
    free(self);
  }
}

static uint32_t copy_in(channel *self, const uint8_t *data, uint32_t length) {
  uint32_t room = self->capacity - self->count;
  if (length > room) length = room;
  uint32_t tail = (self->head + self->count) % self->capacity;
  uint32_t first = length < self->capacity - tail ? length : self->capacity - tail;
  memcpy(self->buffer + tail, data, first);
  memcpy(self->buffer, data + first, length - first);
  self->count += length;
  return length;
}

static uint32_t copy_out(channel *self, uint8_t *buffer, uint32_t size) {
  uint32_t length = size < self->count ? size : self->count;
  uint32_t first = length < self->capacity - self->head ? length : self->capacity - self->head;
  memcpy(buffer, self->buffer + self->head, first);
  memcpy(buffer + first, self->buffer, length - first);
  self->head = (self->head + length) % self->capacity;
  self->count -= length;
  if (self->count == 0) self->head = 0;
  return length;
}

int64_t channel_write(cell *self, channel_end *end, const void *data, uint32_t length,
                      channel_wait wait) {
  if (!end->writes || length == 0) return -MINOS_EINVAL;
  channel *target = end->channel;
  for (;;) {
    if (!target->read_open) return -MINOS_ECLOSED;
    if (target->count < target->capacity) {
      uint32_t written = copy_in(target, data, length);
      wake(&target->waiting_reader);
      return written;
    }
    if (wait == CHANNEL_NO_WAIT || !self) return -MINOS_EAGAIN;
    target->waiting_writer = self;
    scheduler_block(self);
  }
}

/* The first ready end from the rotation point: data, or a finished stream. */
static int ready_end(channel_end *const ends[], uint32_t count, uint32_t start) {
  for (uint32_t step = 0; step < count; step++) {
    uint32_t index = (start + step) % count;
    channel *source = ends[index]->channel;
    if (source->count > 0 || !source->write_open) return (int)index;
  }
  return -1;
}

int64_t channel_read(cell *self, channel_end *const ends[], uint32_t count, void *buffer,
                     uint32_t size, channel_wait wait, uint32_t *rotation, uint32_t *which) {
  if (count == 0 || size == 0) return -MINOS_EINVAL;
  for (uint32_t i = 0; i < count; i++)
    if (ends[i]->writes) return -MINOS_EINVAL;
  for (;;) {
    int index = ready_end(ends, count, *rotation % count);
    if (index >= 0) {
      channel *source = ends[index]->channel;
      uint32_t got = copy_out(source, buffer, size);
      if (got) wake(&source->waiting_writer);
      *rotation = (uint32_t)index + 1;
      *which = (uint32_t)index;
      return got;
    }
    if (wait == CHANNEL_NO_WAIT || !self) return -MINOS_EAGAIN;
    for (uint32_t i = 0; i < count; i++) ends[i]->channel->waiting_reader = self;
    scheduler_block(self);
    for (uint32_t i = 0; i < count; i++)
      if (ends[i]->channel->waiting_reader == self) ends[i]->channel->waiting_reader = NULL;
  }
}
