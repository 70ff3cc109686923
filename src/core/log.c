#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
static int format_timestamp(char *out, size_t size) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm local;
  localtime_r(&now.tv_sec, &local);
  size_t used = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &local);
  return (int)used + snprintf(out + used, size - used, ".%06ld ", now.tv_nsec / 1000);
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

void log_message(log_level level, const char *who, const char *format, ...) {
  if (level > enabled_level) return;
  char line[1024];
  int used = with_timestamps ? format_timestamp(line, sizeof line)
                             : snprintf(line, sizeof line, "minos: ");
  if (who || with_timestamps)
    used += snprintf(line + used, sizeof line - (size_t)used, "%s: ", who ? who : "minos");
  va_list args;
  va_start(args, format);
  vsnprintf(line + used, sizeof line - (size_t)used, format, args);
  va_end(args);
  size_t length = strlen(line);
  if (length + 1 >= sizeof line) length = sizeof line - 2;
  line[length++] = '\n';
  write_line(line, length);
}
