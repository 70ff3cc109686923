/* SPDX-License-Identifier: Apache-2.0 */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/escape.h"

/* Room for a line's own words around its escaped parts: the time, the
 * level, JSON's keys and punctuation. */
#define FRAME_MAX 192
/* Escaping turns a byte into at most 6 (JSON's \u00XX). */
#define ESCAPED_MAX(bytes) (6 * (bytes))

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
static log_format format = LOG_FORMAT_PLAIN;

/* The destination, swapped under the write lock when the file is opened
 * again; each line is written whole under the read lock, so a line goes
 * whole to the old file or to the new one. */
static pthread_rwlock_t destination_lock = PTHREAD_RWLOCK_INITIALIZER;
static int destination = 2;
static char *file_path; /* the file's, to open it again; NULL: not a file */
static atomic_bool reopen_requested;

static pthread_rwlock_t tap_lock = PTHREAD_RWLOCK_INITIALIZER;
static log_tap *tap;
static void *tap_context;

/* One line to compose: a message, or a line of a cell's output. */
typedef struct log_entry {
  log_level level;
  const char *who;    /* NULL: minos's own */
  const char *stream; /* a cell's output: "stdout" or "stderr"; else NULL */
  const char *text;   /* raw, `length` bytes */
  size_t length;
  const char *ending; /* minos's own words after the text (a cut marker), or NULL */
} log_entry;

void log_set_tap(log_tap *new_tap, void *context) {
  pthread_rwlock_wrlock(&tap_lock);
  tap = new_tap;
  tap_context = context;
  pthread_rwlock_unlock(&tap_lock);
}

void log_set_level(log_level level) { enabled_level = level; }
log_level log_get_level(void) { return enabled_level; }

log_format log_get_format(void) { return format; }

bool log_format_named(const char *name, log_format *out) {
  if (strcmp(name, "text") == 0) *out = LOG_FORMAT_TEXT;
  else if (strcmp(name, "json") == 0) *out = LOG_FORMAT_JSON;
  else return false;
  return true;
}

/* Swaps in a destination; the one it replaces is closed if it was a file
 * opened here (a descriptor given by the caller stays the caller's). */
static void swap_destination(int fd, char *path) {
  pthread_rwlock_wrlock(&destination_lock);
  int old = file_path ? destination : -1;
  destination = fd;
  free(file_path);
  file_path = path;
  pthread_rwlock_unlock(&destination_lock);
  if (old >= 0) close(old);
}

void log_set_destination(int fd, log_format new_format) {
  format = new_format;
  swap_destination(fd, NULL);
}

/* Appended, so lines of several writers never overwrite one another. A
 * FIFO is fine for a user piping the log, but its reader must be there
 * already: minos never waits at open for one (O_NONBLOCK says ENXIO).
 * Writes then block as they would to a pipe on stderr. */
static int open_file(const char *path, char *error, size_t error_size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0 && errno == ENXIO) {
    snprintf(error, error_size, "cannot open the log %s: it is a FIFO that no process reads; "
             "start its reader first", path);
    return -1;
  }
  if (fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    snprintf(error, error_size, "cannot open the log %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

bool log_open_file(const char *path, log_format new_format, char *error, size_t error_size) {
  char *copy = strdup(path);
  int fd = copy ? open_file(path, error, error_size) : -1;
  if (fd < 0) {
    if (!copy) snprintf(error, error_size, "cannot open the log %s: out of memory", path);
    free(copy);
    return false;
  }
  format = new_format;
  swap_destination(fd, copy);
  return true;
}

void log_request_reopen(void) { atomic_store(&reopen_requested, true); }

/* On the thread that writes the first line after the request. The new
 * file's first line says so; a failure leaves the log where it was. */
static void reopen(void) {
  pthread_rwlock_rdlock(&destination_lock);
  char *path = file_path ? strdup(file_path) : NULL;
  bool is_file = file_path != NULL;
  pthread_rwlock_unlock(&destination_lock);
  if (!is_file) {
    log_message(LOG_WARN, NULL, "SIGHUP ignored: the log goes to standard error, not to a file "
                "to open again");
    return;
  }
  char error[512];
  int fd = path ? open_file(path, error, sizeof error) : -1;
  if (fd < 0) {
    log_message(LOG_ERROR, NULL, "SIGHUP: %s; the log goes on where it was",
                path ? error : "out of memory");
    free(path);
    return;
  }
  swap_destination(fd, path);
  log_message(LOG_INFO, NULL, "SIGHUP: opened the log %s again", path);
}

/* "2026-11-21T10:00:01.234567+01:00": RFC 3339, local time and its offset. */
static void format_timestamp(char *out, size_t size) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm local;
  localtime_r(&now.tv_sec, &local);
  size_t used = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &local);
  long offset = local.tm_gmtoff / 60;
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  snprintf(out + used, size - used, ".%06ld%c%02ld:%02ld", now.tv_nsec / 1000, sign,
           offset / 60, offset % 60);
}

static const char *level_name(log_level level) {
  static const char *const names[] = {"info", "error", "warn", "info", "debug"};
  return level <= LOG_DEBUG ? names[level] : "info";
}

static void write_line(const char *line, size_t length) {
  pthread_rwlock_rdlock(&destination_lock);
  while (length > 0) {
    ssize_t wrote = write(destination, line, length);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) break;
    line += wrote;
    length -= (size_t)wrote;
  }
  pthread_rwlock_unlock(&destination_lock);
}

/* A line being composed in a buffer sized for the worst case, so nothing
 * appended is ever cut. */
typedef struct line_buffer {
  char *text;
  size_t used, size;
} line_buffer;

static void append_plain(line_buffer *line, const char *text) {
  size_t length = strlen(text);
  memcpy(line->text + line->used, text, length);
  line->used += length;
}

static void append_escaped(line_buffer *line, const char *text, size_t length, bool json) {
  char *at = line->text + line->used;
  size_t room = line->size - line->used;
  line->used += json ? escape_json(at, room, text, length) : escape_unsafe(at, room, text, length);
}

/* "TIME LEVEL WHO: [STREAM: ]MESSAGE", or "minos: [WHO: ][STREAM: ]MESSAGE". */
static void compose_text(line_buffer *line, const log_entry *entry, const char *stamp) {
  if (format == LOG_FORMAT_PLAIN) {
    append_plain(line, "minos: ");
  } else {
    append_plain(line, stamp);
    append_plain(line, " ");
    append_plain(line, level_name(entry->level));
    append_plain(line, " ");
  }
  if (entry->who || format != LOG_FORMAT_PLAIN) {
    const char *who = entry->who ? entry->who : "minos";
    append_escaped(line, who, strlen(who), false);
    append_plain(line, ": ");
  }
  if (entry->stream) {
    append_plain(line, entry->stream);
    append_plain(line, ": ");
  }
  append_escaped(line, entry->text, entry->length, false);
  if (entry->ending) append_plain(line, entry->ending);
}

static void append_member(line_buffer *line, const char *key, const char *value, bool escaped) {
  append_plain(line, ",\"");
  append_plain(line, key);
  append_plain(line, "\":\"");
  if (escaped) append_escaped(line, value, strlen(value), true);
  else append_plain(line, value);
  append_plain(line, "\"");
}

/* {"time":...,"level":...[,"cell":...][,"stream":...],"message":...} */
static void compose_json(line_buffer *line, const log_entry *entry, const char *stamp) {
  append_plain(line, "{\"time\":\"");
  append_plain(line, stamp);
  append_plain(line, "\"");
  append_member(line, "level", level_name(entry->level), false);
  if (entry->who) append_member(line, "cell", entry->who, true);
  if (entry->stream) append_member(line, "stream", entry->stream, false);
  append_plain(line, ",\"message\":\"");
  append_escaped(line, entry->text, entry->length, true);
  if (entry->ending) append_escaped(line, entry->ending, strlen(entry->ending), true);
  append_plain(line, "\"}");
}

static void pass_to_tap(const log_entry *entry, const char *line, size_t length) {
  pthread_rwlock_rdlock(&tap_lock);
  if (tap) tap(tap_context, entry->level, entry->who, line, length);
  pthread_rwlock_unlock(&tap_lock);
}

void log_reopen_if_requested(void) {
  if (atomic_load(&reopen_requested) && atomic_exchange(&reopen_requested, false)) reopen();
}

/* Composes the line (on the heap: a cell's output line escapes to over a
 * quarter of a MiB, too much for a cell's or a thread's stack) and writes
 * it with its newline in one write. The tap gets the text form. */
static void emit(const log_entry *entry) {
  log_reopen_if_requested();
  size_t escaped = ESCAPED_MAX(entry->length + (entry->who ? strlen(entry->who) : 0) +
                               (entry->ending ? strlen(entry->ending) : 0));
  line_buffer line = {.size = FRAME_MAX + escaped + 1};
  if (!(line.text = malloc(line.size))) return;
  char stamp[48] = "";
  if (format != LOG_FORMAT_PLAIN) format_timestamp(stamp, sizeof stamp);
  compose_text(&line, entry, stamp);
  pass_to_tap(entry, line.text, line.used);
  if (format == LOG_FORMAT_JSON) {
    line.used = 0;
    compose_json(&line, entry, stamp);
  }
  line.text[line.used++] = '\n';
  write_line(line.text, line.used);
  free(line.text);
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

void log_message(log_level level, const char *who, const char *format_text, ...) {
  if (level > enabled_level) return;
  uint64_t dropped = 0;
  if (who && level != LOG_OUTPUT && !admit_event(who, &dropped)) return;
  if (dropped) {
    char notice[160];
    int length = snprintf(notice, sizeof notice, "dropped %llu events over the log's limit for "
                          "one name (%d a second, bursts of %d)", (unsigned long long)dropped,
                          EVENT_RATE, EVENT_BURST);
    emit(&(log_entry){.level = LOG_WARN, .who = who, .text = notice, .length = (size_t)length});
  }
  char message[LOG_MESSAGE_MAX];
  va_list args;
  va_start(args, format_text);
  int length = vsnprintf(message, sizeof message, format_text, args);
  va_end(args);
  if (length < 0) length = 0;
  if ((size_t)length >= sizeof message) length = sizeof message - 1;
  emit(&(log_entry){.level = level, .who = who, .text = message, .length = (size_t)length});
}

void log_output(const char *who, const char *stream, const char *text, size_t length,
                const char *ending) {
  if (length > LOG_OUTPUT_LINE_MAX) length = LOG_OUTPUT_LINE_MAX;
  emit(&(log_entry){.level = LOG_OUTPUT, .who = who, .stream = stream, .text = text,
                    .length = length, .ending = ending});
}
