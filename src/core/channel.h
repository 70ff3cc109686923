/* SPDX-License-Identifier: Apache-2.0 */
/* Channels: one-way byte streams between cells (and the host), with a
 * bounded buffer and backpressure. A channel has exactly one write end and
 * one read end; each end is held by one cell (or host object) at a time,
 * and passing it moves it. Ends on different workers work the same way:
 * each channel has its own lock, and a blocked cell is parked on its own
 * scheduler and woken by whoever makes progress possible, so blocking
 * costs a context switch, never a system call, unless a worker goes idle.
 *
 * Semantics (the guest API's, see include/minos.h):
 *  - write moves at least 1 and at most length bytes, blocking while the
 *    buffer is full; MINOS_ECLOSED once the read end is closed;
 *  - read waits on several read ends at once, fairly, until one has data
 *    or is finished; 0 bytes means that end is finished for ever (writer
 *    closed, buffer drained).
 *
 * Deadlines are absolute, on the monotonic clock: DEADLINE_NEVER waits for
 * ever, DEADLINE_NOW not at all (MINOS_EAGAIN), anything else up to then
 * (MINOS_ETIMEDOUT). */
#ifndef MINOS_CORE_CHANNEL_H
#define MINOS_CORE_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <minos.h>

#include "core/error.h"
#include "core/sync.h"
#include "core/waiter.h"

#define CHANNEL_DEFAULT_CAPACITY MINOS_CHANNEL_DEFAULT_CAPACITY
#define CHANNEL_MAX_CAPACITY MINOS_CHANNEL_MAX_CAPACITY
#define DEADLINE_NOW ((uint64_t)0)

/* The guest API's timeouts (MINOS_WAIT_FOREVER, MINOS_NO_WAIT, or
 * nanoseconds from now) as a deadline. */
static inline uint64_t channel_deadline_for_timeout(int64_t timeout_ns) {
  if (timeout_ns < 0) return DEADLINE_NEVER;
  if (timeout_ns == 0) return DEADLINE_NOW;
  return deadline_after((uint64_t)timeout_ns);
}

typedef struct channel channel;
typedef struct channel_end channel_end;

/* Who lends an end out (a supervisor lending a service's ends to each
 * instance): closing a lent end, by its holder or because its holder
 * ended, gives it back instead. Called outside any channel lock. */
typedef struct channel_lender {
  void (*returned)(struct channel_lender *lender, channel_end *end);
} channel_lender;

struct channel_end {
  channel *channel;
  bool writes; /* the write end, else the read end */
  channel_lender *lender; /* set while lent */
};

/* Both ends start unheld; capacity 0 means the default. MINOS_EINVAL past
 * CHANNEL_MAX_CAPACITY. The buffer is allocated on the first write. */
minos_status channel_create(uint32_t capacity, channel_end **write_end, channel_end **read_end);

/* Counts the channel's whole capacity in the memory of `payer` (core/
 * account.h), the account of the cell that made it (or opened the
 * connection it carries), and `host_fds` host descriptors (a connection's
 * socket), until both ends are closed, wherever they went: the most it
 * can make the runtime hold, known up front. MINOS_ELIMIT if that is past
 * a limit. A channel is charged once: a second charge does nothing. */
struct account;
minos_status channel_charge(channel_end *end, struct account *payer, uint32_t host_fds);

/* Closes an end; the channel goes when both ends have. A lent end goes
 * back to its lender instead. */
void channel_end_close(channel_end *end);

/* What has passed through an end's channel, for operators (minos ps,
 * top, metrics): from any thread. */
typedef struct channel_statistics {
  uint32_t capacity, buffered;
  uint64_t bytes_written, bytes_read;
  bool write_open, read_open;
} channel_statistics;
void channel_stats(channel_end *end, channel_statistics *out);

/* Lending: the lender keeps the end across its holders (stable endpoints).
 * Unlend before closing it for good. */
void channel_end_lend(channel_end *end, channel_lender *lender);
void channel_end_unlend(channel_end *end);
/* Ends the stream early, from the reading side (a supervisor telling a
 * cell to stop): the reader sees end of stream after the data already in
 * the buffer, whoever holds the write end; later writes get MINOS_ECLOSED. */
void channel_end_finish_input(channel_end *read_end);
/* For a write end whose holder failed: its reader gets MINOS_ERESET once,
 * after the data already in the buffer. */
void channel_end_reset_reader(channel_end *write_end);
/* Drops what is in the end's channel, written and not yet read (either
 * end: an instance stopped between a request and its reply). */
void channel_end_discard(channel_end *end);
/* For a handover between two instances of a service: if `reader` waits in
 * a read of this end with nothing to read (between two requests), the
 * end is held: nothing written from now on reaches that reader, and the
 * next holder of the end reads it all. False if the reader is busy. */
bool channel_end_hold_if_idle(channel_end *read_end, const waiter *reader);
void channel_end_release_hold(channel_end *read_end);

/* Returns bytes written (>= 1), or a negative minos_status: MINOS_ECLOSED,
 * MINOS_EAGAIN, MINOS_ETIMEDOUT, MINOS_EINVAL (length 0 or a read end). A
 * cell asked to end gets MINOS_ECLOSED at once and must honour the
 * request before its guest sees it. */
int64_t channel_write(waiter *self, channel_end *end, const void *data, uint32_t length,
                      uint64_t deadline);

/* Reads from whichever of ends[0..count) is ready first, starting the scan
 * at *rotation (advanced for fairness). Returns bytes read (0: that end is
 * finished) with *which set to its index, or a negative minos_status
 * (MINOS_ERESET with *which set: that end's writer was restarted). */
int64_t channel_read(waiter *self, channel_end *const ends[], uint32_t count, void *buffer,
                     uint32_t size, uint64_t deadline, uint32_t *rotation, uint32_t *which);

/* Readiness, for poll: a read end is ready with data or when finished, a
 * write end with room or when its reader is gone (*hangup). */
bool channel_end_ready(channel_end *end, uint32_t *available, bool *hangup);
/* Waits until one of the ends is ready or the deadline passes; returns
 * whether one is. */
bool channel_wait_ready(waiter *self, channel_end *const ends[], uint32_t count,
                        uint64_t deadline);

/* Watches, for event loops that must not sleep (callback waiters, see
 * waiter.h) and for waits on ends and other things at once (poll). A watch
 * wakes its waiter once, then is gone; it is the end's one waiter, so only
 * the end's holder may watch it.
 *
 * Registers the waiter to be woken when the end becomes ready (as
 * channel_end_ready says), unless it is ready now: then registers nothing
 * and returns true. */
bool channel_end_watch(channel_end *end, waiter *waiter);
/* Registers the waiter to be woken when the other end goes (closed, or
 * the input finished), without the wakes of data and room; true,
 * registering nothing, if it has gone. */
bool channel_end_watch_close(channel_end *end, waiter *waiter);
/* For a supervisor waiting for a service to be ready at its first read:
 * forgets earlier readers, then wakes the waiter once when a reader next
 * reads this end or waits on it. */
void channel_end_watch_first_read(channel_end *read_end, waiter *watcher);
/* Whether a reader came since channel_end_watch_first_read. */
bool channel_end_reader_came(channel_end *read_end);
/* From a callback waiter woken through this read end (it runs under the
 * channel's lock, which this does not take): whether the stream has
 * ended with nothing left to read. */
bool channel_end_drained_in_callback(const channel_end *read_end);
/* Cancels the waiter's watches of this end: once it returns, no wake
 * through this end is running or will run. */
void channel_end_unwatch(channel_end *end, waiter *waiter);

#endif
