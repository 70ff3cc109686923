/* SPDX-License-Identifier: Apache-2.0 */
#include "core/channel.h"

#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/cell.h"

struct channel {
  spinlock lock;
  uint8_t *buffer; /* allocated on the first write */
  uint32_t capacity, head, count; /* ring: count bytes from head */
  channel_end write_end, read_end;
  bool write_open, read_open;
  bool reset_pending; /* the reader is owed one MINOS_ERESET */
  bool input_finished; /* channel_end_finish_input: no more writes */
  waiter *waiting_reader, *waiting_writer;
  /* channel_end_watch_close: [0] for the read end, [1] for the write end,
   * each woken when the other end goes. */
  waiter *close_watchers[2];
  struct account *payer; /* its capacity is counted there (channel_charge) */
  uint32_t host_fds;     /* and these host descriptors (a connection's socket) */
  uint64_t bytes_written, bytes_read; /* for operators (channel_stats) */
  bool held; /* channel_end_hold_if_idle: its reader gets nothing for now */
  /* channel_end_watch_first_read: whether a reader came since, and who
   * wants to hear of the first. */
  bool reader_came;
  waiter *first_read_watcher;
};

minos_status channel_create(uint32_t capacity, channel_end **write_end, channel_end **read_end) {
  if (capacity > CHANNEL_MAX_CAPACITY) return MINOS_EINVAL;
  channel *created = calloc(1, sizeof *created);
  if (!created) return MINOS_ENOMEM;
  created->capacity = capacity ? capacity : CHANNEL_DEFAULT_CAPACITY;
  created->write_end = (channel_end){created, true, NULL};
  created->read_end = (channel_end){created, false, NULL};
  created->write_open = created->read_open = true;
  *write_end = &created->write_end;
  *read_end = &created->read_end;
  return MINOS_OK;
}

/* Under the channel's lock, so the waiter cannot be gone yet. */
static void wake(waiter **waiting) {
  waiter *sleeper = *waiting;
  *waiting = NULL;
  if (sleeper) waiter_wake(sleeper);
}

void channel_end_close(channel_end *end) {
  if (end->lender) {
    end->lender->returned(end->lender, end);
    return;
  }
  channel *self = end->channel;
  spinlock_lock(&self->lock);
  if (end->writes) {
    self->write_open = false;
    wake(&self->waiting_reader); /* it will see the end of the stream */
  } else {
    self->read_open = false;
    self->count = 0;             /* nobody will read it */
    wake(&self->waiting_writer); /* it will see MINOS_ECLOSED */
  }
  wake(&self->close_watchers[!end->writes]);
  bool unused = !self->write_open && !self->read_open;
  spinlock_unlock(&self->lock);
  if (unused) {
    if (self->payer) {
      account_credit(self->payer, ACCOUNT_MEMORY, self->capacity);
      account_credit(self->payer, ACCOUNT_HOST_FDS, self->host_fds);
    }
    account_release(self->payer);
    free(self->buffer);
    free(self);
  }
}

minos_status channel_charge(channel_end *end, struct account *payer, uint32_t host_fds) {
  channel *self = end->channel;
  if (!payer || self->payer) return MINOS_OK; /* nobody to charge, or charged already */
  minos_status status = account_charge(payer, ACCOUNT_MEMORY, self->capacity);
  if (status != MINOS_OK) return status;
  if ((status = account_charge(payer, ACCOUNT_HOST_FDS, host_fds)) != MINOS_OK) {
    account_credit(payer, ACCOUNT_MEMORY, self->capacity);
    return status;
  }
  account_retain(payer); /* the channel may outlive the cell */
  self->payer = payer;
  self->host_fds = host_fds;
  return MINOS_OK;
}

void channel_end_lend(channel_end *end, channel_lender *lender) { end->lender = lender; }

void channel_end_unlend(channel_end *end) { end->lender = NULL; }

void channel_end_reset_reader(channel_end *write_end) {
  channel *self = write_end->channel;
  spinlock_lock(&self->lock);
  self->reset_pending = true;
  wake(&self->waiting_reader);
  spinlock_unlock(&self->lock);
}

bool channel_end_hold_if_idle(channel_end *read_end, const waiter *reader) {
  channel *self = read_end->channel;
  spinlock_lock(&self->lock);
  bool idle = !self->held && self->count == 0 && !self->reset_pending &&
              self->waiting_reader == reader;
  if (idle) self->held = true;
  spinlock_unlock(&self->lock);
  return idle;
}

void channel_end_release_hold(channel_end *read_end) {
  channel *self = read_end->channel;
  spinlock_lock(&self->lock);
  self->held = false;
  wake(&self->waiting_reader);
  spinlock_unlock(&self->lock);
}

void channel_end_discard(channel_end *end) {
  channel *self = end->channel;
  spinlock_lock(&self->lock);
  self->count = self->head = 0;
  wake(&self->waiting_writer);
  spinlock_unlock(&self->lock);
}

void channel_end_finish_input(channel_end *read_end) {
  channel *self = read_end->channel;
  spinlock_lock(&self->lock);
  self->input_finished = true;
  wake(&self->waiting_reader);
  wake(&self->waiting_writer);
  wake(&self->close_watchers[true]);
  spinlock_unlock(&self->lock);
}

static uint32_t copy_in(channel *self, const uint8_t *data, uint32_t length) {
  uint32_t room = self->capacity - self->count;
  if (length > room) length = room;
  /* head and count are below capacity: a subtraction, not a division */
  uint32_t tail = self->head + self->count;
  if (tail >= self->capacity) tail -= self->capacity;
  uint32_t first = length < self->capacity - tail ? length : self->capacity - tail;
  memcpy(self->buffer + tail, data, first);
  if (first < length) memcpy(self->buffer, data + first, length - first);
  self->count += length;
  self->bytes_written += length;
  return length;
}

static uint32_t copy_out(channel *self, uint8_t *buffer, uint32_t size) {
  if (self->count == 0) return 0; /* the buffer may not even exist */
  uint32_t length = size < self->count ? size : self->count;
  uint32_t first = length < self->capacity - self->head ? length : self->capacity - self->head;
  memcpy(buffer, self->buffer + self->head, first);
  if (first < length) memcpy(buffer + first, self->buffer, length - first);
  self->head += length;
  if (self->head >= self->capacity) self->head -= self->capacity;
  self->count -= length;
  self->bytes_read += length;
  if (self->count == 0) self->head = 0;
  return length;
}

static bool asked_to_end(const waiter *self) {
  return self->cell && atomic_load_explicit(&self->cell->end_request, memory_order_relaxed);
}

/* Whether to go on waiting: the error to give up with, or MINOS_OK. */
static minos_status may_wait(const waiter *self, uint64_t deadline) {
  if (deadline == DEADLINE_NOW) return MINOS_EAGAIN;
  if (asked_to_end(self)) return MINOS_ECLOSED;
  if (deadline != DEADLINE_NEVER && monotonic_ns() >= deadline) return MINOS_ETIMEDOUT;
  return MINOS_OK;
}

/* Under the lock: one attempt. 0 means "no room, wait". */
static int64_t try_write(channel *target, const void *data, uint32_t length) {
  if (!target->read_open || target->input_finished) return -MINOS_ECLOSED;
  if (target->count == target->capacity) return 0;
  if (!target->buffer && !(target->buffer = malloc(target->capacity))) return -MINOS_ENOMEM;
  uint32_t written = copy_in(target, data, length);
  wake(&target->waiting_reader);
  return written;
}

int64_t channel_write(waiter *self, channel_end *end, const void *data, uint32_t length,
                      uint64_t deadline) {
  if (!end->writes || length == 0) return -MINOS_EINVAL;
  channel *target = end->channel;
  spinlock_lock(&target->lock);
  for (;;) {
    int64_t written = try_write(target, data, length);
    minos_status stop = written ? MINOS_OK : may_wait(self, deadline);
    if (written || stop != MINOS_OK) {
      if (target->waiting_writer == self) target->waiting_writer = NULL;
      spinlock_unlock(&target->lock);
      return written ? written : -(int64_t)stop;
    }
    target->waiting_writer = self;
    spinlock_unlock(&target->lock);
    waiter_sleep(self, deadline);
    spinlock_lock(&target->lock);
  }
}

static bool readable(const channel *source) {
  if (source->held) return false;
  return source->count > 0 || !source->write_open || source->reset_pending ||
         source->input_finished;
}

/* Under the lock, from a readable channel: data first, then the reset
 * owed, then the end of the stream. */
static int64_t take(channel *source, uint8_t *buffer, uint32_t size) {
  uint32_t got = copy_out(source, buffer, size);
  if (got) {
    wake(&source->waiting_writer);
    return got;
  }
  if (source->reset_pending) {
    source->reset_pending = false;
    return -MINOS_ERESET;
  }
  return 0;
}

/* Under the lock: a reader tries this channel (a read or a wait). */
static void note_reader(channel *item) {
  if (item->reader_came) return;
  item->reader_came = true;
  wake(&item->first_read_watcher);
}

/* Reads from the first ready end from the rotation point; false: none was. */

static bool try_read(channel_end *const ends[], uint32_t count, uint8_t *buffer, uint32_t size,
                     uint32_t *rotation, uint32_t *which, int64_t *result) {
  uint32_t index = *rotation % count;
  for (uint32_t step = 0; step < count; step++, index = index + 1 == count ? 0 : index + 1) {
    channel *source = ends[index]->channel;
    spinlock_lock(&source->lock);
    note_reader(source);
    if (!readable(source)) {
      spinlock_unlock(&source->lock);
      continue;
    }
    *result = take(source, buffer, size);
    spinlock_unlock(&source->lock);
    *rotation = index + 1;
    *which = index;
    return true;
  }
  return false;
}

/* Under the lock: whether an end is ready (see channel_end_ready). */
static bool end_ready_locked(const channel_end *end, uint32_t *available, bool *hangup) {
  const channel *item = end->channel;
  if (end->writes) {
    *hangup = !item->read_open || item->input_finished;
    *available = item->capacity - item->count;
    return *hangup || *available > 0;
  }
  *hangup = !item->write_open || item->input_finished;
  *available = item->count;
  return readable(item);
}

static void unregister(waiter *self, channel_end *const ends[], uint32_t count);

/* Registers as the reader (or writer) of each end, unless one is ready:
 * then unregisters and returns true. The check and the registration of
 * each end happen under one hold of its lock, so a writer either sees the
 * registration or was seen by the check. */
static bool register_or_ready(waiter *self, channel_end *const ends[], uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    channel *item = ends[i]->channel;
    uint32_t available;
    bool hangup;
    spinlock_lock(&item->lock);
    bool ready = end_ready_locked(ends[i], &available, &hangup);
    if (!ends[i]->writes) note_reader(item);
    if (!ready) {
      if (ends[i]->writes) item->waiting_writer = self;
      else item->waiting_reader = self;
    }
    spinlock_unlock(&item->lock);
    if (ready) {
      unregister(self, ends, i);
      return true;
    }
  }
  return false;
}

static void unregister(waiter *self, channel_end *const ends[], uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    channel *item = ends[i]->channel;
    spinlock_lock(&item->lock);
    if (item->waiting_reader == self) item->waiting_reader = NULL;
    if (item->waiting_writer == self) item->waiting_writer = NULL;
    spinlock_unlock(&item->lock);
  }
}

static bool sleep_on(waiter *self, channel_end *const ends[], uint32_t count, uint64_t deadline) {
  if (register_or_ready(self, ends, count)) return true;
  waiter_sleep(self, deadline);
  unregister(self, ends, count);
  return false;
}

/* One end, the common case: the look, the registration as its reader and,
 * once woken, the take, each in one hold of the lock. */
static int64_t read_one(waiter *self, channel *source, uint8_t *buffer, uint32_t size,
                        uint64_t deadline) {
  spinlock_lock(&source->lock);
  for (;;) {
    note_reader(source);
    minos_status stop = MINOS_OK;
    if (readable(source) || (stop = may_wait(self, deadline)) != MINOS_OK) {
      if (source->waiting_reader == self) source->waiting_reader = NULL;
      int64_t got = stop == MINOS_OK ? take(source, buffer, size) : -(int64_t)stop;
      spinlock_unlock(&source->lock);
      return got;
    }
    source->waiting_reader = self;
    spinlock_unlock(&source->lock);
    waiter_sleep(self, deadline);
    spinlock_lock(&source->lock);
  }
}

int64_t channel_read(waiter *self, channel_end *const ends[], uint32_t count, void *buffer,
                     uint32_t size, uint64_t deadline, uint32_t *rotation, uint32_t *which) {
  if (count == 0 || size == 0) return -MINOS_EINVAL;
  for (uint32_t i = 0; i < count; i++)
    if (ends[i]->writes) return -MINOS_EINVAL;
  if (count == 1) {
    *which = 0;
    return read_one(self, ends[0]->channel, buffer, size, deadline);
  }
  for (;;) {
    int64_t got;
    if (try_read(ends, count, buffer, size, rotation, which, &got)) return got;
    minos_status stop = may_wait(self, deadline);
    if (stop != MINOS_OK) return -(int64_t)stop;
    sleep_on(self, ends, count, deadline);
  }
}

bool channel_end_ready(channel_end *end, uint32_t *available, bool *hangup) {
  channel *item = end->channel;
  spinlock_lock(&item->lock);
  bool ready = end_ready_locked(end, available, hangup);
  spinlock_unlock(&item->lock);
  return ready;
}

static bool any_ready(channel_end *const ends[], uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    uint32_t available;
    bool hangup;
    if (channel_end_ready(ends[i], &available, &hangup)) return true;
  }
  return false;
}

bool channel_wait_ready(waiter *self, channel_end *const ends[], uint32_t count,
                        uint64_t deadline) {
  for (;;) {
    if (any_ready(ends, count)) return true;
    if (may_wait(self, deadline) != MINOS_OK) return false;
    if (count == 0) waiter_sleep(self, deadline);
    else if (sleep_on(self, ends, count, deadline)) return true;
  }
}

bool channel_end_watch(channel_end *end, waiter *watcher) {
  return register_or_ready(watcher, &end, 1);
}

bool channel_end_watch_close(channel_end *end, waiter *watcher) {
  channel *item = end->channel;
  spinlock_lock(&item->lock);
  bool gone = end->writes ? !item->read_open || item->input_finished : !item->write_open;
  if (!gone) item->close_watchers[end->writes] = watcher;
  spinlock_unlock(&item->lock);
  return gone;
}

void channel_end_unwatch(channel_end *end, waiter *watcher) {
  channel *item = end->channel;
  spinlock_lock(&item->lock);
  if (item->waiting_reader == watcher) item->waiting_reader = NULL;
  if (item->waiting_writer == watcher) item->waiting_writer = NULL;
  if (item->close_watchers[end->writes] == watcher) item->close_watchers[end->writes] = NULL;
  if (item->first_read_watcher == watcher) item->first_read_watcher = NULL;
  spinlock_unlock(&item->lock);
}

void channel_end_watch_first_read(channel_end *read_end, waiter *watcher) {
  channel *item = read_end->channel;
  spinlock_lock(&item->lock);
  item->reader_came = false;
  item->first_read_watcher = watcher;
  spinlock_unlock(&item->lock);
}

bool channel_end_reader_came(channel_end *read_end) {
  channel *item = read_end->channel;
  spinlock_lock(&item->lock);
  bool came = item->reader_came;
  spinlock_unlock(&item->lock);
  return came;
}

bool channel_end_drained_in_callback(const channel_end *read_end) {
  const channel *self = read_end->channel;
  return !self->write_open && self->count == 0;
}

void channel_stats(channel_end *end, channel_statistics *out) {
  channel *self = end->channel;
  spinlock_lock(&self->lock);
  *out = (channel_statistics){.capacity = self->capacity, .buffered = self->count,
                              .bytes_written = self->bytes_written,
                              .bytes_read = self->bytes_read,
                              .write_open = self->write_open, .read_open = self->read_open};
  spinlock_unlock(&self->lock);
}
