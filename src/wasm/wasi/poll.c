/* SPDX-License-Identifier: Apache-2.0 */
/* poll_oneoff: wait until a clock subscription expires or a descriptor is
 * ready. Clock subscriptions become one deadline on the monotonic clock
 * (the earliest); channel ends are waited on by parking the cell, as a
 * channel read does, so a sleeping cell costs its worker nothing; so are
 * listeners (readable while a connection waits to be accepted); host
 * files are always ready, as poll(2) says of regular files (those of a
 * slow file system without asking it: poll(2) on a FUSE file asks the
 * daemon, and the size would too, so their byte count is 0). A
 * subscription that is wrong by itself (bad descriptor, unknown clock)
 * completes at once with its error instead of failing the call, as the
 * witx definition wants. */
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "core/cell.h"
#include "net/listener.h"
#include "wasm/wasi/wasi_private.h"
#include "wasm/wasm_cell.h"

#define MAX_SUBSCRIPTIONS 65536
#define NO_DEADLINE UINT64_MAX

typedef struct waiting {
  uint64_t userdata;
  uint8_t type;
  uint16_t error;    /* set: completed at once with this error */
  uint64_t deadline; /* clock: monotonic nanoseconds */
  int poll_index;    /* host fd: its entry in the pollfd array */
  const wasi_descriptor *descriptor;
  channel_end *end;  /* a channel end instead */
  net_listener *listener; /* or a listener */
  bool end_ready, hangup; /* of an end or a listener */
  bool always_ready; /* a file of a slow file system */
  uint32_t available;
} waiting;

static uint64_t monotonic_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return wasi_timestamp_from_timespec(now);
}

static uint64_t saturating_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static void parse_clock(wasm_cell *self, uint32_t at, waiting *item) {
  uint32_t clock_id = 0;
  uint64_t timeout = 0;
  uint16_t flags = 0;
  guest_load_u32(self, at + WASI_SUBSCRIPTION_CLOCK_ID, &clock_id);
  guest_load_u64(self, at + WASI_SUBSCRIPTION_CLOCK_TIMEOUT, &timeout);
  guest_load_u16(self, at + WASI_SUBSCRIPTION_CLOCK_FLAGS, &flags);
  int host_clock;
  /* Only the clocks that pass by themselves can be waited on. */
  if (wasi_clock_to_host(clock_id, &host_clock) != WASI_ERRNO_SUCCESS ||
      (host_clock != CLOCK_REALTIME && host_clock != CLOCK_MONOTONIC)) {
    item->error = WASI_ERRNO_INVAL;
    return;
  }
  uint64_t remaining = timeout;
  if (flags & WASI_SUBSCRIPTION_CLOCK_ABSTIME) {
    struct timespec now;
    clock_gettime(host_clock, &now);
    uint64_t current = wasi_timestamp_from_timespec(now);
    remaining = timeout > current ? timeout - current : 0;
  }
  item->deadline = saturating_add(monotonic_now(), remaining);
}

static void parse_fd(wasm_cell *self, uint32_t at, waiting *item, struct pollfd *pollers,
                     int *poll_count) {
  uint32_t fd = 0, error;
  guest_load_u32(self, at + WASI_SUBSCRIPTION_FD, &fd);
  wasi_descriptor *descriptor =
      wasi_descriptor_with_rights(&self->wasi, fd, WASI_RIGHT_POLL_FD_READWRITE, &error);
  if (!descriptor) {
    item->error = (uint16_t)error;
    return;
  }
  item->descriptor = descriptor;
  if (descriptor->end) {
    item->end = descriptor->end;
    return;
  }
  if (descriptor->listener) {
    item->listener = descriptor->listener;
    return;
  }
  if (descriptor->slow) {
    item->always_ready = true;
    return;
  }
  item->poll_index = (*poll_count)++;
  short events = item->type == WASI_EVENT_FD_READ ? POLLIN : POLLOUT;
  pollers[item->poll_index] = (struct pollfd){.fd = descriptor->host_fd, .events = events};
}

static uint32_t parse(wasm_cell *self, uint32_t subscriptions, uint32_t count, waiting *items,
                      struct pollfd *pollers, int *poll_count) {
  for (uint32_t i = 0; i < count; i++) {
    uint32_t at = subscriptions + i * WASI_SUBSCRIPTION_SIZE;
    waiting *item = &items[i];
    *item = (waiting){.deadline = NO_DEADLINE, .poll_index = -1};
    guest_load_u64(self, at + WASI_SUBSCRIPTION_USERDATA, &item->userdata);
    guest_load_u8(self, at + WASI_SUBSCRIPTION_TAG, &item->type);
    if (item->type == WASI_EVENT_CLOCK)
      parse_clock(self, at, item);
    else if (item->type == WASI_EVENT_FD_READ || item->type == WASI_EVENT_FD_WRITE)
      parse_fd(self, at, item, pollers, poll_count);
    else
      return WASI_ERRNO_INVAL;
  }
  return WASI_ERRNO_SUCCESS;
}

static bool is_complete(const waiting *item, const struct pollfd *pollers, uint64_t now) {
  if (item->error || item->always_ready) return true;
  if (item->type == WASI_EVENT_CLOCK) return item->deadline <= now;
  if (item->end || item->listener) return item->end_ready;
  return pollers[item->poll_index].revents != 0;
}

/* Looks at every descriptor once, without waiting. */
static uint32_t check_descriptors(waiting *items, uint32_t count, struct pollfd *pollers,
                                  int poll_count) {
  for (uint32_t i = 0; i < count; i++) {
    waiting *item = &items[i];
    if (item->end) item->end_ready = channel_end_ready(item->end, &item->available, &item->hangup);
    /* A listener is never writable, as a listening socket never is. */
    if (item->listener && item->type == WASI_EVENT_FD_READ)
      item->end_ready = (item->available = net_listener_waiting(item->listener)) > 0;
  }
  if (poll_count == 0) return WASI_ERRNO_SUCCESS;
  int ready;
  do ready = poll(pollers, (nfds_t)poll_count, 0);
  while (ready < 0 && errno == EINTR);
  return ready < 0 ? wasi_errno_now() : WASI_ERRNO_SUCCESS;
}

static bool watch(waiting *item, waiter *sleeper) {
  if (item->end) return channel_end_watch(item->end, sleeper);
  if (item->listener && item->type == WASI_EVENT_FD_READ)
    return net_listener_watch(item->listener, sleeper);
  return false;
}

static void unwatch(waiting *item, waiter *sleeper) {
  if (item->end) channel_end_unwatch(item->end, sleeper);
  if (item->listener) net_listener_unwatch(item->listener, sleeper);
}

/* Sleeps once, until a watched end or listener wakes the cell or the
 * deadline passes, unless one is ready already. */
static void sleep_once(wasm_cell *self, waiting *items, uint32_t count, uint64_t deadline) {
  waiter *sleeper = &self->cell->waiter;
  uint32_t watched = 0;
  bool ready = false;
  while (watched < count && !ready) ready = watch(&items[watched++], sleeper);
  if (!ready) waiter_sleep(sleeper, deadline);
  for (uint32_t i = 0; i < watched; i++) unwatch(&items[i], sleeper);
}

/* Waits until at least one subscription is complete, or the cell is asked
 * to end. Host descriptors that are not ready yet (none a cell can open
 * today) are looked at again every millisecond. */
static uint32_t wait_for_any(wasm_cell *self, waiting *items, uint32_t count,
                             struct pollfd *pollers, int poll_count) {
  uint64_t earliest = NO_DEADLINE;
  for (uint32_t i = 0; i < count; i++) {
    if (items[i].error) earliest = 0;
    if (items[i].type == WASI_EVENT_CLOCK && items[i].deadline < earliest)
      earliest = items[i].deadline;
  }
  for (;;) {
    uint32_t error = check_descriptors(items, count, pollers, poll_count);
    if (error) return error;
    uint64_t now = monotonic_now();
    for (uint32_t i = 0; i < count; i++)
      if (is_complete(&items[i], pollers, now)) return WASI_ERRNO_SUCCESS;
    if (atomic_load(&self->cell->end_request)) return WASI_ERRNO_INTR;
    uint64_t until = earliest;
    if (poll_count > 0 && until - now > 1000000u) until = now + 1000000u;
    sleep_once(self, items, count, until);
  }
}

/* Bytes available to read: what is left of a file, or what a pipe or
 * socket holds; 0 when the host cannot say. */
static uint64_t readable_bytes(const wasi_descriptor *descriptor) {
  if (descriptor->filetype == WASI_FILETYPE_REGULAR_FILE) {
    struct stat status;
    off_t position = lseek(descriptor->host_fd, 0, SEEK_CUR);
    if (fstat(descriptor->host_fd, &status) != 0 || position < 0) return 0;
    return status.st_size > position ? (uint64_t)(status.st_size - position) : 0;
  }
  int pending = 0;
  if (ioctl(descriptor->host_fd, FIONREAD, &pending) != 0 || pending < 0) return 0;
  return (uint64_t)pending;
}

static void store_event(wasm_cell *self, uint32_t at, const waiting *item,
                        const struct pollfd *pollers) {
  uint16_t error = item->error, flags = 0;
  uint64_t bytes = 0;
  if (!error && (item->end || item->listener)) {
    if (item->hangup) flags |= WASI_EVENT_RW_HANGUP;
    bytes = item->available;
  } else if (!error && item->type != WASI_EVENT_CLOCK && !item->always_ready) {
    short revents = pollers[item->poll_index].revents;
    if (revents & POLLNVAL) error = WASI_ERRNO_BADF;
    else if ((revents & POLLERR) && !(revents & (POLLIN | POLLOUT))) error = WASI_ERRNO_IO;
    if (revents & POLLHUP) flags |= WASI_EVENT_RW_HANGUP;
    if (item->type == WASI_EVENT_FD_READ && !error) bytes = readable_bytes(item->descriptor);
  }
  for (uint32_t offset = 0; offset < WASI_EVENT_SIZE; offset += 8) guest_store_u64(self, at + offset, 0);
  guest_store_u64(self, at + WASI_EVENT_USERDATA, item->userdata);
  guest_store_u16(self, at + WASI_EVENT_ERROR, error);
  guest_store_u8(self, at + WASI_EVENT_TYPE, item->type);
  guest_store_u64(self, at + WASI_EVENT_NBYTES, bytes);
  guest_store_u16(self, at + WASI_EVENT_FLAGS, flags);
}

static uint32_t store_events(wasm_cell *self, uint32_t events_out, const waiting *items,
                             uint32_t count, const struct pollfd *pollers) {
  uint64_t now = monotonic_now();
  uint32_t stored = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (!is_complete(&items[i], pollers, now)) continue;
    store_event(self, events_out + stored * WASI_EVENT_SIZE, &items[i], pollers);
    stored++;
  }
  return stored;
}

uint32_t wasi_poll_oneoff(wasm_cell *self, uint32_t subscriptions, uint32_t events_out,
                          uint32_t subscription_count, uint32_t nevents_out) {
  if (subscription_count == 0 || subscription_count > MAX_SUBSCRIPTIONS) return WASI_ERRNO_INVAL;
  if (!guest_span(self, subscriptions, (uint64_t)subscription_count * WASI_SUBSCRIPTION_SIZE) ||
      !guest_span(self, events_out, (uint64_t)subscription_count * WASI_EVENT_SIZE) ||
      !guest_span(self, nevents_out, 4))
    return WASI_ERRNO_FAULT;
  waiting *items = calloc(subscription_count, sizeof *items);
  struct pollfd *pollers = calloc(subscription_count, sizeof *pollers);
  uint32_t error = items && pollers ? WASI_ERRNO_SUCCESS : WASI_ERRNO_NOMEM;
  int poll_count = 0;
  if (!error) error = parse(self, subscriptions, subscription_count, items, pollers, &poll_count);
  if (!error) error = wait_for_any(self, items, subscription_count, pollers, poll_count);
  if (!error) {
    uint32_t stored = store_events(self, events_out, items, subscription_count, pollers);
    guest_store_u32(self, nevents_out, stored);
  }
  free(items);
  free(pollers);
  cell_honour_end_request(self->cell);
  return error;
}
