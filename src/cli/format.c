/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/format.h"

#include <inttypes.h>
#include <stdio.h>

void format_duration(uint64_t ns, char *text, size_t size) {
  uint64_t seconds = ns / 1000000000u;
  if (seconds >= 86400)
    snprintf(text, size, "%" PRIu64 "d%02" PRIu64 "h", seconds / 86400, seconds % 86400 / 3600);
  else if (seconds >= 3600)
    snprintf(text, size, "%" PRIu64 "h%02" PRIu64 "m", seconds / 3600, seconds % 3600 / 60);
  else if (seconds >= 60)
    snprintf(text, size, "%" PRIu64 "m%02" PRIu64 "s", seconds / 60, seconds % 60);
  else
    snprintf(text, size, "%" PRIu64 "s", seconds);
}

void format_bytes(double bytes, char *text, size_t size) {
  static const char *const units[] = {"B", "K", "M", "G", "T"};
  size_t unit = 0;
  while (bytes >= 1024 && unit < 4) bytes /= 1024, unit++;
  snprintf(text, size, unit ? "%.1f%s" : "%.0f%s", bytes, units[unit]);
}
