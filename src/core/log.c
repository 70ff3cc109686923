#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static log_level enabled_level = LOG_WARN;

void log_set_level(log_level level) { enabled_level = level; }
log_level log_get_level(void) { return enabled_level; }

void log_message(log_level level, const char *who, const char *format, ...) {
  if (level > enabled_level) return;
  /* One buffer and one write, so lines from several threads never interleave. */
  char line[1024];
  int used = snprintf(line, sizeof line, "minos: %s%s", who ? who : "", who ? ": " : "");
  va_list args;
  va_start(args, format);
  vsnprintf(line + used, sizeof line - (size_t)used, format, args);
  va_end(args);
  size_t length = strlen(line);
  if (length + 1 < sizeof line) {
    line[length++] = '\n';
    line[length] = '\0';
  }
  fputs(line, stderr);
}
