/* Channels: one-way byte streams between cells, with a bounded buffer and
 * backpressure. A channel has exactly one write end and one read end; each
 * end is held by one cell at a time (passing it moves it). A cell blocked
 * on a channel is parked on its scheduler, so blocking costs a context
 * switch, never a system call.
 *
 * Semantics (the guest API's, see include/minos.h):
 *  - write moves at least 1 and at most length bytes, blocking while the
 *    buffer is full; MINOS_ECLOSED once the read end is closed;
 *  - read waits on several read ends at once, fairly, until one has data
 *    or is finished; 0 bytes means that end is finished for ever (writer
 *    closed, buffer drained). */
#ifndef MINOS_CORE_CHANNEL_H
#define MINOS_CORE_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cell.h"
#include "core/error.h"

#define CHANNEL_DEFAULT_CAPACITY ((uint32_t)64 * 1024)

typedef struct channel channel;

typedef struct channel_end {
  channel *channel;
  bool writes; /* the write end, else the read end */
} channel_end;

/* Both ends start unheld; capacity 0 means the default. */
minos_status channel_create(uint32_t capacity, channel_end **write_end, channel_end **read_end);

/* Closes an end; the channel goes when both ends have. */
void channel_end_close(channel_end *end);

/* How long an operation may wait. */
typedef enum channel_wait { CHANNEL_NO_WAIT, CHANNEL_WAIT } channel_wait;

/* Returns bytes written (>= 1), or a negative minos_status: MINOS_ECLOSED,
 * MINOS_EAGAIN (buffer full and CHANNEL_NO_WAIT), MINOS_EINVAL (length 0
 * or a read end). Blocking requires a running cell. */
int64_t channel_write(cell *self, channel_end *end, const void *data, uint32_t length,
                      channel_wait wait);

/* Reads from whichever of ends[0..count) is ready first, starting the scan
 * at *rotation (advanced for fairness). Returns bytes read (0: that end is
 * finished) with *which set to its index, or a negative minos_status. */
int64_t channel_read(cell *self, channel_end *const ends[], uint32_t count, void *buffer,
                     uint32_t size, channel_wait wait, uint32_t *rotation, uint32_t *which);

#endif
