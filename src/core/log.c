/* SPDX-License-Identifier: Apache-2.0 */
#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/escape.h"

/* Room for the prefix: a timestamp and an escaped name. */
#define PREFIX_MAX 256
/* Escaping turns a byte into at most 4. */
#define ESCAPED_SIZE(bytes) (PREFIX_MAX + 4 * (bytes) + 64)

/* Events under one name: EVENT_RATE a second, EVENT_BURST at once; names
 * share EVENT_NAMES budgets by hash (a name pushed out starts afresh). */
#define EVENT_RATE 100
#define EVENT_BURST 1000
#define EVENT_NAMES 256

typedef struct event_budget {
  char who[48];
  double tokens;
  uint64_t refilled_at;
  uint64_t dropped; /* since its last event that went out */
} event_budget;

static event_budget event_budgets[EVENT_NAMES];
static pthread_mutex_t event_budgets_lock = PTHREAD_MUTEX_INITIALIZER;

static log_level enabled_level = LOG_WARN;
static int destination = 2;
static bool with_timestamps = false;

static pthread_rwlock_t tap_lock = PTHREAD_RWLOCK_INITIALIZER;
static log_tap *tap;
static void *tap_context;

void log_set_tap(log_tap *new_tap, void *context) {
  pthread_rwlock_wrlock(&tap_lock);
  tap = new_tap;
  tap_context = context;
  pthread_rwlock_unlock(&tap_lock);
}

static void pass_to_tap(log_level level, const char *who, const char *line, size_t length) {
  pthread_rwlock_rdlock(&tap_lock);
  if (tap) tap(tap_context, level, who, line, length);
  pthread_rwlock_unlock(&tap_lock);
}

void log_set_level(log_level level) { enabled_level = level; }
log_level log_get_level(void) { return enabled_level; }

void log_set_destination(int fd, bool timestamps) {
  destination = fd;
  with_timestamps = timestamps;
}

/* "2026-11-21T10:00:01.234567 " in local time. */
static size_t format_timestamp(char *out, size_t size) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm local;
  localtime_r(&now.tv_sec, &local);
  size_t used = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &local);
  int more = snprintf(out + used, size - used, ".%06ld ", now.tv_nsec / 1000);
  return used + (more > 0 ? (size_t)more : 0);
}

static void write_line(const char *line, size_t length) {
  while (length > 0) {
    ssize_t wrote = write(destination, line, length);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;
    line += wrote;
    length -= (size_t)wrote;
  }
}

/* Appends text escaped, cut at a whole escape if it does not fit; returns
 * the new length (less than size: escaped text holds no NUL). */
static size_t append_escaped(char *line, size_t used, size_t size, const char *text,
                             size_t length) {
  escape_unsafe(line + used, size - used, text, length);
  return used + strlen(line + used);
}

static size_t append_plain(char *line, size_t used, size_t size, const char *text) {
  int wrote = snprintf(line + used, size - used, "%s", text);
  size_t room = size - used - 1;
  return used + (wrote < 0 ? 0 : (size_t)wrote < room ? (size_t)wrote : room);
}

/* "TIME WHO: " or "minos: [WHO: ]", the name escaped. */
static size_t format_prefix(char *line, size_t size, const char *who) {
  size_t used = with_timestamps ? format_timestamp(line, size) : append_plain(line, 0, size,
                                                                             "minos: ");
  if (!who && !with_timestamps) return used;
  char name[PREFIX_MAX / 2];
  const char *shown = who ? who : "minos";
  escape_unsafe(name, sizeof name, shown, strlen(shown));
  used = append_plain(line, used, size, name);
  return append_plain(line, used, size, ": ");
}

/* The prefix, then each text escaped, then the ending as it is, and the
 * newline, which always fits: the line's size keeps room for it. */
static void compose_and_write(char *line, size_t size, log_level level, const char *who,
                              const char *head, const char *text, size_t length,
                              const char *ending) {
  size_t used = format_prefix(line, size - 1, who);
  if (head) used = append_escaped(line, used, size - 1, head, strlen(head));
  used = append_escaped(line, used, size - 1, text, length);
  if (ending) used = append_plain(line, used, size - 1, ending);
  pass_to_tap(level, who, line, used);
  line[used++] = '\n';
  write_line(line, used);
}

static uint64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static size_t name_slot(const char *who) {
  uint32_t hash = 2166136261u;
  for (const unsigned char *at = (const unsigned char *)who; *at; at++)
    hash = (hash ^ *at) * 16777619u;
  return hash % EVENT_NAMES;
}

/* Whether an event under `who` may go out now; if so, *dropped_before
 * says how many of its events were dropped since the last one that did. */
static bool admit_event(const char *who, uint64_t *dropped_before) {
  uint64_t now = now_ns();
  pthread_mutex_lock(&event_budgets_lock);
  event_budget *budget = &event_budgets[name_slot(who)];
  if (strncmp(budget->who, who, sizeof budget->who) != 0) {
    snprintf(budget->who, sizeof budget->who, "%s", who);
    budget->tokens = EVENT_BURST;
    budget->refilled_at = now;
    budget->dropped = 0;
  }
  budget->tokens += (double)(now - budget->refilled_at) * EVENT_RATE / 1e9;
  if (budget->tokens > EVENT_BURST) budget->tokens = EVENT_BURST;
  budget->refilled_at = now;
  bool admitted = budget->tokens >= 1;
  if (admitted) {
    budget->tokens -= 1;
    *dropped_before = budget->dropped;
    budget->dropped = 0;
  } else {
    budget->dropped++;
  }
  pthread_mutex_unlock(&event_budgets_lock);
  return admitted;
}

void log_message(log_level level, const char *who, const char *format, ...) {
  if (level > enabled_level) return;
  uint64_t dropped = 0;
  if (who && level != LOG_OUTPUT && !admit_event(who, &dropped)) return;
  if (dropped)
    log_message(LOG_OUTPUT, who, "dropped %llu events over the log's limit for one name (%d a "
                "second, bursts of %d)", (unsigned long long)dropped, EVENT_RATE, EVENT_BURST);
  char message[LOG_MESSAGE_MAX], line[ESCAPED_SIZE(LOG_MESSAGE_MAX)];
  va_list args;
  va_start(args, format);
  int length = vsnprintf(message, sizeof message, format, args);
  va_end(args);
  if (length < 0) length = 0;
  if ((size_t)length >= sizeof message) length = sizeof message - 1;
  compose_and_write(line, sizeof line, level, who, NULL, message, (size_t)length, NULL);
}

void log_output(const char *who, const char *stream, const char *text, size_t length,
                const char *ending) {
  if (length > LOG_OUTPUT_LINE_MAX) length = LOG_OUTPUT_LINE_MAX;
  /* Up to a quarter of a MiB: from the heap, not a cell's or thread's stack. */
  size_t size = ESCAPED_SIZE(length) + (ending ? strlen(ending) : 0);
  char *line = malloc(size);
  if (!line) return;
  char head[32];
  snprintf(head, sizeof head, "%s: ", stream);
  compose_and_write(line, size, LOG_OUTPUT, who, head, text, length, ending);
  free(line);
}
