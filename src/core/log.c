#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
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

static log_level enabled_level = LOG_WARN;
static int destination = 2;
static bool with_timestamps = false;

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
  escape_text(line + used, size - used, text, length);
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
  escape_string(name, sizeof name, who ? who : "minos");
  used = append_plain(line, used, size, name);
  return append_plain(line, used, size, ": ");
}

/* The prefix, then each text escaped, then the ending as it is, and the
 * newline, which always fits: the line's size keeps room for it. */
static void compose_and_write(char *line, size_t size, const char *who, const char *head,
                              const char *text, size_t length, const char *ending) {
  size_t used = format_prefix(line, size - 1, who);
  if (head) used = append_escaped(line, used, size - 1, head, strlen(head));
  used = append_escaped(line, used, size - 1, text, length);
  if (ending) used = append_plain(line, used, size - 1, ending);
  line[used++] = '\n';
  write_line(line, used);
}

void log_message(log_level level, const char *who, const char *format, ...) {
  if (level > enabled_level) return;
  char message[LOG_MESSAGE_MAX], line[ESCAPED_SIZE(LOG_MESSAGE_MAX)];
  va_list args;
  va_start(args, format);
  int length = vsnprintf(message, sizeof message, format, args);
  va_end(args);
  if (length < 0) length = 0;
  if ((size_t)length >= sizeof message) length = sizeof message - 1;
  compose_and_write(line, sizeof line, who, NULL, message, (size_t)length, NULL);
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
  compose_and_write(line, size, who, head, text, length, ending);
  free(line);
}
