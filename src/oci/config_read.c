/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/config_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oci/bundle.h"

bool config_fail(config_reader *reader, const char *field, const char *format, ...) {
  int used = snprintf(reader->error, reader->error_size, "config.json: %s: ", field);
  if (used < 0 || (size_t)used >= reader->error_size) return false;
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(reader->error + used, reader->error_size - (size_t)used, format, arguments);
  va_end(arguments);
  return false;
}

bool config_member(config_reader *reader, const json_value *object, const char *key,
                   json_type type, const char *field, const json_value **out) {
  *out = object ? json_object_get(object, key) : NULL;
  if (!*out || (*out)->type == type) return true;
  return config_fail(reader, field, "must be %s, not %s", json_type_name(type),
                     json_type_name((*out)->type));
}

bool config_required(config_reader *reader, const json_value *object, const char *key,
                     json_type type, const char *field, const json_value **out) {
  if (!config_member(reader, object, key, type, field, out)) return false;
  if (*out) return true;
  return config_fail(reader, field, "is missing (%s needed)", json_type_name(type));
}

bool config_string(config_reader *reader, const json_value *value, const char *field, size_t max,
                   const char **out) {
  if (value->type != JSON_STRING)
    return config_fail(reader, field, "must be a string, not %s", json_type_name(value->type));
  if (value->string.length > max)
    return config_fail(reader, field, "is %zu bytes long, more than the %zu allowed",
                       value->string.length, max);
  if (strlen(value->string.text) != value->string.length)
    return config_fail(reader, field, "holds a NUL character");
  *out = value->string.text;
  return true;
}

bool config_array_bounded(config_reader *reader, const json_value *value, const char *field) {
  if (value->type != JSON_ARRAY)
    return config_fail(reader, field, "must be an array, not %s", json_type_name(value->type));
  if (value->array.count > OCI_ITEMS_MAX)
    return config_fail(reader, field, "has %zu items, more than the %d allowed",
                       value->array.count, OCI_ITEMS_MAX);
  return true;
}

bool config_count(config_reader *reader, const json_value *value, const char *field,
                  uint64_t *out) {
  if (value->type != JSON_NUMBER || !value->number.is_integer || value->number.integer < 0)
    return config_fail(reader, field, "must be a whole number from 0 up");
  *out = (uint64_t)value->number.integer;
  return true;
}

/* Whether the path has a "." or ".." component. */
static bool has_dot_component(const char *path) {
  for (const char *part = path; *part; part += strcspn(part, "/")) {
    part += strspn(part, "/");
    size_t length = strcspn(part, "/");
    if ((length == 1 && part[0] == '.') || (length == 2 && part[0] == '.' && part[1] == '.'))
      return true;
  }
  return false;
}

bool config_absolute_path(config_reader *reader, const json_value *value, const char *field,
                          const char **out) {
  if (!config_string(reader, value, field, OCI_PATH_MAX, out)) return false;
  if ((*out)[0] != '/') return config_fail(reader, field, "'%s' is not an absolute path", *out);
  if (has_dot_component(*out))
    return config_fail(reader, field, "'%s' has a '.' or '..' component", *out);
  if (strstr(*out, "::"))
    return config_fail(reader, field, "'%s' holds '::', which minos cannot pass on", *out);
  return true;
}

bool config_array_has(const json_value *array, const char *word) {
  for (size_t i = 0; array && array->type == JSON_ARRAY && i < array->array.count; i++) {
    const json_value *item = array->array.items[i];
    if (item->type == JSON_STRING && strcmp(item->string.text, word) == 0) return true;
  }
  return false;
}
