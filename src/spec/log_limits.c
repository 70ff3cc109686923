/* SPDX-License-Identifier: Apache-2.0 */
/* Log limits: how much of a cell's output reaches the system's log
 * (spec.h says what each means and its default). They are read from the
 * spec's "log_limits", a cell's "limits": {"log": ...} and minos up's
 * command line, with one set of ranges for all three. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec_private.h"

#define SECOND_NS 1000000000ull

static const char *const log_keys[] = {"rate", "burst", "max_bytes", "max_line"};

static const spec_log_limits defaults = {
    .rate_lines = 100,
    .rate_period_ns = SECOND_NS,
    .burst = 1000,
    .max_bytes = (uint64_t)64 << 20,
    .max_line = (uint64_t)4 << 10,
};

bool spec_parse_rate(const char *text, uint64_t *lines, uint64_t *period_ns) {
  static const struct {
    const char *unit;
    uint64_t period_ns;
  } periods[] = {{"s", SECOND_NS}, {"m", 60 * SECOND_NS}, {"h", 3600 * SECOND_NS}};
  size_t digits = strspn(text, "0123456789");
  if (digits == 0 || digits > 7 || text[digits] != '/') return false;
  uint64_t count = strtoull(text, NULL, 10);
  if (count < 1 || count > SPEC_LOG_RATE_MAX) return false;
  for (size_t i = 0; i < COUNT_OF(periods); i++) {
    if (strcmp(text + digits + 1, periods[i].unit) != 0) continue;
    *lines = count;
    *period_ns = periods[i].period_ns;
    return true;
  }
  return false;
}

#define RATE_HINT "lines per period: \"100/s\", \"6000/m\", \"10/h\", at most 1000000 a period"

static void read_rate(spec_loader *loader, const json_value *value, const char *path,
                      spec_log_limits *limits) {
  uint64_t lines;
  if (value->type == JSON_NUMBER) {
    if (!spec_read_integer(loader, value, path, 1, SPEC_LOG_RATE_MAX, &lines)) return;
    limits->rate_lines = lines;
    limits->rate_period_ns = SECOND_NS;
  } else if (value->type != JSON_STRING ||
             !spec_parse_rate(value->string.text, &limits->rate_lines, &limits->rate_period_ns)) {
    spec_problem_add(loader->problems, path, spec_at(value), "must be a rate (" RATE_HINT ")");
    return;
  }
  limits->set |= SPEC_LOG_RATE;
}

void spec_read_log_limits(spec_loader *loader, const json_value *object, const char *path,
                          spec_log_limits *limits) {
  char field_path[SPEC_PATH_SIZE];
  const json_value *value;
  if (!spec_check_keys(loader, object, path, log_keys, COUNT_OF(log_keys))) return;
  if ((value = spec_field(object, path, "rate", field_path)))
    read_rate(loader, value, field_path, limits);
  if ((value = spec_field(object, path, "burst", field_path)) &&
      spec_read_integer(loader, value, field_path, 1, SPEC_LOG_BURST_MAX, &limits->burst))
    limits->set |= SPEC_LOG_BURST;
  if ((value = spec_field(object, path, "max_bytes", field_path)) &&
      spec_read_size(loader, value, field_path, SPEC_LOG_MAX_BYTES_MIN, SPEC_LOG_MAX_BYTES_MAX,
                     &limits->max_bytes))
    limits->set |= SPEC_LOG_MAX_BYTES;
  if ((value = spec_field(object, path, "max_line", field_path)) &&
      spec_read_size(loader, value, field_path, SPEC_LOG_MAX_LINE_MIN, SPEC_LOG_MAX_LINE_MAX,
                     &limits->max_line))
    limits->set |= SPEC_LOG_MAX_LINE;
}

bool spec_set_log_limit(spec_log_limits *limits, const char *key, const char *text, char *error,
                        size_t error_size) {
  uint64_t number;
  if (strcmp(key, "rate") == 0) {
    if (!spec_parse_rate(text, &limits->rate_lines, &limits->rate_period_ns)) {
      snprintf(error, error_size, "'%s' is not a rate (" RATE_HINT ")", text);
      return false;
    }
    limits->set |= SPEC_LOG_RATE;
    return true;
  }
  if (strcmp(key, "burst") == 0) {
    size_t digits = strspn(text, "0123456789");
    number = digits && digits < 8 && !text[digits] ? strtoull(text, NULL, 10) : 0;
    if (number < 1 || number > SPEC_LOG_BURST_MAX) {
      snprintf(error, error_size, "'%s' is not a burst (lines, 1 to %d)", text,
               SPEC_LOG_BURST_MAX);
      return false;
    }
    limits->burst = number;
    limits->set |= SPEC_LOG_BURST;
    return true;
  }
  bool line = strcmp(key, "max_line") == 0;
  uint64_t low = line ? SPEC_LOG_MAX_LINE_MIN : SPEC_LOG_MAX_BYTES_MIN;
  uint64_t high = line ? SPEC_LOG_MAX_LINE_MAX : SPEC_LOG_MAX_BYTES_MAX;
  if (!spec_parse_size(text, &number) || number < low || number > high) {
    snprintf(error, error_size, "'%s' is not a size from %llu to %llu bytes (use 64K, 16M, 1G)",
             text, (unsigned long long)low, (unsigned long long)high);
    return false;
  }
  *(line ? &limits->max_line : &limits->max_bytes) = number;
  limits->set |= line ? SPEC_LOG_MAX_LINE : SPEC_LOG_MAX_BYTES;
  return true;
}

/* Each limit from the first of the given ones that sets it. */
static void take_set(spec_log_limits *out, const spec_log_limits *from) {
  if (from->set & SPEC_LOG_RATE) {
    out->rate_lines = from->rate_lines;
    out->rate_period_ns = from->rate_period_ns;
  }
  if (from->set & SPEC_LOG_BURST) out->burst = from->burst;
  if (from->set & SPEC_LOG_MAX_BYTES) out->max_bytes = from->max_bytes;
  if (from->set & SPEC_LOG_MAX_LINE) out->max_line = from->max_line;
}

spec_log_limits spec_cell_log_limits(const spec *system, const spec_cell *of) {
  spec_log_limits limits = defaults;
  if (system) take_set(&limits, &system->log_limits);
  if (of) take_set(&limits, &of->limits.log);
  limits.set = SPEC_LOG_RATE | SPEC_LOG_BURST | SPEC_LOG_MAX_BYTES | SPEC_LOG_MAX_LINE;
  return limits;
}
