/* SPDX-License-Identifier: Apache-2.0 */
#include "control/log_ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void log_ring_init(log_ring *ring, int wake_fd) {
  memset(ring, 0, sizeof *ring);
  pthread_mutex_init(&ring->lock, NULL);
  ring->wake_fd = wake_fd;
}

void log_ring_free(log_ring *ring) {
  for (size_t i = 0; i < LOG_RING_RECORDS; i++) free(ring->records[i].text);
  pthread_mutex_destroy(&ring->lock);
}

static log_record *oldest(log_ring *ring) {
  return &ring->records[(ring->next_sequence - ring->count) % LOG_RING_RECORDS];
}

static void drop_oldest(log_ring *ring) {
  log_record *gone = oldest(ring);
  ring->bytes -= gone->length;
  free(gone->text);
  gone->text = NULL;
  ring->count--;
}

void log_ring_append(log_ring *ring, log_record_kind kind, log_level level, const char *who,
                     const char *text, size_t length) {
  if (length > LOG_OUTPUT_LINE_MAX) length = LOG_OUTPUT_LINE_MAX;
  char *copy = malloc(length + 1);
  if (!copy) return; /* the line is in the log anyway */
  memcpy(copy, text, length);
  copy[length] = '\0';
  pthread_mutex_lock(&ring->lock);
  while (ring->count && (ring->count == LOG_RING_RECORDS || ring->bytes + length > LOG_RING_BYTES))
    drop_oldest(ring);
  log_record *added = &ring->records[ring->next_sequence % LOG_RING_RECORDS];
  *added = (log_record){.sequence = ring->next_sequence++, .kind = kind, .level = level,
                        .text = copy, .length = length};
  snprintf(added->who, sizeof added->who, "%s", who ? who : "");
  ring->count++;
  ring->bytes += length;
  bool wake = ring->want_wake;
  ring->want_wake = false;
  pthread_mutex_unlock(&ring->lock);
  /* Non-blocking: a full pipe already holds a wake-up. */
  if (wake && write(ring->wake_fd, "l", 1) < 0) { /* pending already */ }
}

uint64_t log_ring_read(log_ring *ring, uint64_t from, void (*each)(void *, const log_record *),
                       void *context) {
  pthread_mutex_lock(&ring->lock);
  uint64_t first = ring->next_sequence - ring->count;
  if (from < first) from = first;
  for (uint64_t sequence = from; sequence < ring->next_sequence; sequence++)
    each(context, &ring->records[sequence % LOG_RING_RECORDS]);
  uint64_t next = ring->next_sequence;
  ring->want_wake = true;
  pthread_mutex_unlock(&ring->lock);
  return next;
}

uint64_t log_ring_recent(log_ring *ring, size_t lines,
                         bool (*matches)(const void *, const log_record *), const void *context) {
  pthread_mutex_lock(&ring->lock);
  uint64_t first = ring->next_sequence - ring->count, from = ring->next_sequence;
  for (size_t found = 0; from > first && found < lines; from--)
    found += !matches || matches(context, &ring->records[(from - 1) % LOG_RING_RECORDS]);
  pthread_mutex_unlock(&ring->lock);
  return from;
}
