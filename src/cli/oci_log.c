/* SPDX-License-Identifier: Apache-2.0 */
/* minos oci --log FILE: every line minos logs goes to stderr as usual and
 * also to FILE, where engines look for the runtime's last error (podman
 * reads it when the runtime is in its runtime_supports_json list). In
 * json, each line is the object runc writes, {"level","msg","time"}; in
 * text, runc's words: time="..." level=error msg="...". */
#include "cli/oci_log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/escape.h"
#include "core/log.h"

static int log_fd = -1;
static bool log_json;

static const char *level_name(log_level level) {
  switch (level) {
  case LOG_ERROR: return "error";
  case LOG_WARN: return "warning";
  case LOG_DEBUG: return "debug";
  default: return "info";
  }
}

/* The line as the log wrote it for stderr ("minos: message"), without
 * the prefix: what the engine shows after its own. */
static void mirror_line(void *context, log_level level, const char *who, const char *line,
                        size_t length) {
  (void)context, (void)who;
  static const char prefix[] = "minos: ";
  if (length >= sizeof prefix - 1 && memcmp(line, prefix, sizeof prefix - 1) == 0) {
    line += sizeof prefix - 1;
    length -= sizeof prefix - 1;
  }
  char message[6 * LOG_MESSAGE_MAX + 1], now[40], out[sizeof message + 128];
  escape_json(message, sizeof message, line, length);
  time_t seconds = time(NULL);
  struct tm utc;
  gmtime_r(&seconds, &utc);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &utc);
  int written = log_json ? snprintf(out, sizeof out, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                                    level_name(level), message, now)
                         : snprintf(out, sizeof out, "time=\"%s\" level=%s msg=\"%s\"\n", now,
                                    level_name(level), message);
  if (written > 0 && write(log_fd, out, (size_t)written) < 0) { /* stderr has it still */ }
}

bool oci_log_open(const char *path, bool json) {
  log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
  if (log_fd < 0) return false;
  log_json = json;
  log_set_tap(mirror_line, NULL);
  return true;
}
