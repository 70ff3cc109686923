/* SPDX-License-Identifier: Apache-2.0 */
/* The recent log lines and events of a running system, for `minos logs`
 * and subscribers of the control socket: a ring of the last
 * LOG_RING_RECORDS records (at most LOG_RING_BYTES of text), each with a
 * sequence number. Appended from any thread (the log's tap, the
 * supervisor's events) without blocking on readers; the control socket's
 * thread reads what is new, woken through `wake_fd` when it asked to be. */
#ifndef MINOS_CONTROL_LOG_RING_H
#define MINOS_CONTROL_LOG_RING_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

#define LOG_RING_RECORDS 4096
#define LOG_RING_BYTES ((size_t)4 << 20)

typedef enum log_record_kind { RECORD_LOG, RECORD_EVENT } log_record_kind;

typedef struct log_record {
  uint64_t sequence;
  log_record_kind kind;
  log_level level;   /* RECORD_LOG */
  char who[48];      /* the name logged under ("" for minos), or the event's cell */
  char *text;        /* the line as written, or the event's JSON object */
  size_t length;
} log_record;

typedef struct log_ring {
  pthread_mutex_t lock;
  log_record records[LOG_RING_RECORDS];
  uint64_t next_sequence; /* the first record kept is next_sequence - count */
  size_t count, bytes;
  int wake_fd;       /* written once when something is new and want_wake */
  bool want_wake;
} log_ring;

void log_ring_init(log_ring *ring, int wake_fd);
void log_ring_free(log_ring *ring);
/* Copies the text in (cut at LOG_OUTPUT_LINE_MAX). */
void log_ring_append(log_ring *ring, log_record_kind kind, log_level level, const char *who,
                     const char *text, size_t length);
/* Calls each(context, record) for every record kept with a sequence of
 * `from` or later, under the ring's lock (each must not append); returns
 * the sequence after the last one, and asks for a wake-up at the next
 * append. */
uint64_t log_ring_read(log_ring *ring, uint64_t from, void (*each)(void *, const log_record *),
                       void *context);
/* The sequence of the `lines`-th most recent record that `matches` (all
 * if matches is NULL): where "the last N lines" start. */
uint64_t log_ring_recent(log_ring *ring, size_t lines,
                         bool (*matches)(const void *, const log_record *), const void *context);

#endif
