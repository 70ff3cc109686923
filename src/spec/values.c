/* SPDX-License-Identifier: Apache-2.0 */
/* Typed reads of single JSON values: each either sets its result or says,
 * at the value's path and position, what is wrong with it. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/endpoint.h"
#include "spec/spec_private.h"

#define SIZE_HINT "use bytes or 64K, 16M, 1G"
#define DURATION_HINT "use milliseconds or 250us, 100ms, 2s, 1m"

const json_value *spec_field(const json_value *object, const char *path, const char *key,
                             char out_path[SPEC_PATH_SIZE]) {
  spec_path_key(out_path, path, key);
  return json_object_get(object, key);
}

bool spec_expect(spec_loader *loader, const json_value *value, const char *path, json_type type) {
  if (value->type == type) return true;
  spec_problem_add(loader->problems, path, spec_at(value), "must be %s, not %s",
                   json_type_name(type), json_type_name(value->type));
  return false;
}

bool spec_read_string(spec_loader *loader, const json_value *value, const char *path, char **out) {
  if (!spec_expect(loader, value, path, JSON_STRING)) return false;
  /* A NUL or control character in it was reported with the JSON (json.c). */
  if (value->string.length == 0) {
    spec_problem_add(loader->problems, path, spec_at(value), "must not be empty");
    return false;
  }
  *out = strdup(value->string.text);
  return *out != NULL;
}

bool spec_read_boolean(spec_loader *loader, const json_value *value, const char *path, bool *out) {
  if (!spec_expect(loader, value, path, JSON_BOOLEAN)) return false;
  *out = value->boolean;
  return true;
}

bool spec_read_integer(spec_loader *loader, const json_value *value, const char *path,
                       uint64_t minimum, uint64_t maximum, uint64_t *out) {
  if (!spec_expect(loader, value, path, JSON_NUMBER)) return false;
  long long number = value->number.integer;
  if (!value->number.is_integer) {
    spec_problem_add(loader->problems, path, spec_at(value), "%s is not a whole number",
                     value->number.text);
    return false;
  }
  if (number < 0 || (uint64_t)number < minimum || (uint64_t)number > maximum) {
    spec_problem_add(loader->problems, path, spec_at(value),
                     "%s is out of range (%llu to %llu)", value->number.text,
                     (unsigned long long)minimum, (unsigned long long)maximum);
    return false;
  }
  *out = (uint64_t)number;
  return true;
}

/* 65536 -> "64K", in the largest unit that divides it. */
static void format_size(uint64_t bytes, char *out, size_t size) {
  static const char units[] = "KMGT";
  int unit = -1;
  while (unit < 3 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    unit++;
  }
  if (unit < 0)
    snprintf(out, size, "%llu", (unsigned long long)bytes);
  else
    snprintf(out, size, "%llu%c", (unsigned long long)bytes, units[unit]);
}

static bool parse_size_value(spec_loader *loader, const json_value *value, const char *path,
                             uint64_t *bytes) {
  if (value->type == JSON_NUMBER) {
    if (value->number.is_integer && value->number.integer >= 0) {
      *bytes = (uint64_t)value->number.integer;
      return true;
    }
    spec_problem_add(loader->problems, path, spec_at(value),
                     "%s is not a size (" SIZE_HINT ")", value->number.text);
    return false;
  }
  if (value->type == JSON_STRING) {
    if (spec_parse_size(value->string.text, bytes)) return true;
    spec_problem_add(loader->problems, path, spec_at(value),
                     "\"%s\" is not a size (" SIZE_HINT ")", value->string.text);
    return false;
  }
  spec_problem_add(loader->problems, path, spec_at(value),
                   "must be a size, not %s (" SIZE_HINT ")", json_type_name(value->type));
  return false;
}

bool spec_read_size(spec_loader *loader, const json_value *value, const char *path,
                    uint64_t minimum, uint64_t maximum, uint64_t *out) {
  uint64_t bytes;
  if (!parse_size_value(loader, value, path, &bytes)) return false;
  if (bytes < minimum || bytes > maximum) {
    char low[32], high[32];
    format_size(minimum, low, sizeof low);
    format_size(maximum, high, sizeof high);
    spec_problem_add(loader->problems, path, spec_at(value), "%s%s%s is out of range (%s to %s)",
                     value->type == JSON_STRING ? "\"" : "",
                     value->type == JSON_STRING ? value->string.text : value->number.text,
                     value->type == JSON_STRING ? "\"" : "", low, high);
    return false;
  }
  *out = bytes;
  return true;
}

static bool parse_duration_value(spec_loader *loader, const json_value *value, const char *path,
                                 uint64_t *nanoseconds) {
  if (value->type == JSON_NUMBER) {
    double milliseconds = value->number.real;
    if (milliseconds >= 0 && milliseconds < 1.8e13) {
      *nanoseconds = (uint64_t)(milliseconds * 1e6 + 0.5);
      return true;
    }
    spec_problem_add(loader->problems, path, spec_at(value),
                     "%s is not a duration (" DURATION_HINT ")", value->number.text);
    return false;
  }
  if (value->type == JSON_STRING) {
    if (spec_parse_duration(value->string.text, nanoseconds)) return true;
    spec_problem_add(loader->problems, path, spec_at(value),
                     "\"%s\" is not a duration (" DURATION_HINT ")", value->string.text);
    return false;
  }
  spec_problem_add(loader->problems, path, spec_at(value),
                   "must be a duration, not %s (" DURATION_HINT ")",
                   json_type_name(value->type));
  return false;
}

bool spec_read_duration(spec_loader *loader, const json_value *value, const char *path,
                        uint64_t minimum_ns, uint64_t *out) {
  uint64_t nanoseconds;
  if (!parse_duration_value(loader, value, path, &nanoseconds)) return false;
  if (nanoseconds < minimum_ns) {
    spec_problem_add(loader->problems, path, spec_at(value), "must be more than 0");
    return false;
  }
  *out = nanoseconds;
  return true;
}

/* '"a", "b" or "c"' */
static void format_choices(const char *const *names, size_t count, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < count && used < size; i++) {
    const char *separator = i == 0 ? "" : i + 1 == count ? " or " : ", ";
    int wrote = snprintf(out + used, size - used, "%s\"%s\"", separator, names[i]);
    if (wrote < 0) break;
    used += (size_t)wrote;
  }
}

bool spec_read_choice(spec_loader *loader, const json_value *value, const char *path,
                      const char *const *names, size_t count, int *out) {
  char choices[160];
  format_choices(names, count, choices, sizeof choices);
  if (value->type != JSON_STRING) {
    spec_problem_add(loader->problems, path, spec_at(value), "must be %s, not %s", choices,
                     json_type_name(value->type));
    return false;
  }
  for (size_t i = 0; i < count; i++) {
    if (strcmp(value->string.text, names[i]) == 0) {
      *out = (int)i;
      return true;
    }
  }
  spec_problem_add(loader->problems, path, spec_at(value), "must be %s, not \"%s\"", choices,
                   value->string.text);
  return false;
}

bool spec_read_strings(spec_loader *loader, const json_value *value, const char *path,
                       char ***out, size_t *count) {
  if (!spec_expect(loader, value, path, JSON_ARRAY)) return false;
  char **strings = calloc(value->array.count + 1, sizeof *strings);
  if (!strings) return false;
  bool all_read = true;
  size_t read = 0;
  for (size_t i = 0; i < value->array.count; i++) {
    char item_path[SPEC_PATH_SIZE];
    spec_path_index(item_path, path, i);
    const json_value *item = value->array.items[i];
    /* An empty argument is a fine argument, unlike an empty name. */
    if (item->type == JSON_STRING && item->string.length == 0)
      strings[read] = strdup("");
    else if (!spec_read_string(loader, item, item_path, &strings[read]))
      all_read = false;
    if (strings[read]) read++;
  }
  *out = strings;
  *count = read;
  return all_read;
}

bool spec_check_keys(spec_loader *loader, const json_value *object, const char *path,
                     const char *const *known, size_t count) {
  if (!spec_expect(loader, object, path, JSON_OBJECT)) return false;
  for (size_t i = 0; i < object->object.count; i++) {
    const json_member *member = &object->object.members[i];
    bool found = false;
    for (size_t k = 0; k < count && !found; k++) found = strcmp(member->key, known[k]) == 0;
    if (found) continue;
    char member_path[SPEC_PATH_SIZE], hint[96];
    spec_path_key(member_path, path, member->key);
    spec_did_you_mean(hint, sizeof hint, member->key, known, count);
    spec_problem_add(loader->problems, member_path, spec_key_at(member), "unknown key \"%s\"%s",
                     member->key, hint);
  }
  return true;
}

char *spec_resolve_path(const spec *system, const char *path) {
  if (path[0] == '/' || !system->directory) return strdup(path);
  size_t length = strlen(system->directory) + strlen(path) + 2;
  char *resolved = malloc(length);
  if (resolved) snprintf(resolved, length, "%s/%s", system->directory, path);
  return resolved;
}

bool spec_metrics_address_valid(const char *text) {
  char rule[NET_ENDPOINT_TEXT_MAX];
  net_endpoint endpoint;
  int length = snprintf(rule, sizeof rule, "tcp:%s", text);
  if (length < 0 || (size_t)length >= sizeof rule) return false;
  if (!net_endpoint_parse(rule, (size_t)length, &endpoint)) return false;
  const struct sockaddr_in *ipv4 = (const struct sockaddr_in *)&endpoint.address;
  const struct sockaddr_in6 *ipv6 = (const struct sockaddr_in6 *)&endpoint.address;
  in_port_t port = endpoint.address.ss_family == AF_INET ? ipv4->sin_port : ipv6->sin6_port;
  return port != 0;
}
