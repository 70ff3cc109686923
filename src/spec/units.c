/* SPDX-License-Identifier: Apache-2.0 */
/* Sizes and durations written with units, as people write them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"

/* Digits, then at most one '.' and more digits: no sign, exponent, hex,
 * infinity or spaces, which strtod would take. Returns its length. */
static size_t decimal_length(const char *text, bool fraction_allowed) {
  size_t length = 0;
  while (isdigit((unsigned char)text[length])) length++;
  if (length == 0) return 0;
  if (fraction_allowed && text[length] == '.' && isdigit((unsigned char)text[length + 1])) {
    length++;
    while (isdigit((unsigned char)text[length])) length++;
  }
  return length;
}

bool spec_parse_size(const char *text, uint64_t *bytes) {
  size_t length = decimal_length(text, false);
  if (length == 0 || length > 19) return false;
  uint64_t value = strtoull(text, NULL, 10);
  const char *unit = text + length;
  unsigned shift = 0;
  const char *shifts = strchr("KMGT", toupper((unsigned char)*unit));
  if (*unit && shifts) {
    shift = 10 * (unsigned)(shifts - "KMGT" + 1);
    unit++;
    if (*unit == 'i') unit++;
  }
  if (*unit == 'B' || (*unit == 'b' && shift)) unit++;
  if (*unit || (shift && value > (UINT64_MAX >> shift))) return false;
  *bytes = value << shift;
  return true;
}

bool spec_parse_duration(const char *text, uint64_t *nanoseconds) {
  static const struct {
    const char *suffix;
    double nanoseconds;
  } units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  size_t length = decimal_length(text, true);
  if (length == 0) return false;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcmp(text + length, units[i].suffix) != 0) continue;
    double value = strtod(text, NULL) * units[i].nanoseconds;
    if (value >= 1.8e19) return false;
    *nanoseconds = (uint64_t)(value + 0.5);
    return true;
  }
  return false;
}
