/* SPDX-License-Identifier: Apache-2.0 */
/* Reading config.json's tree (spec/json.h) field by field: each reader
 * checks the value's type and bounds and, when it is wrong, writes one
 * error naming the field's JSON path ("process.args[2]") and returns
 * false, so the mappers read as a list of fields. Internal to src/oci. */
#ifndef MINOS_OCI_CONFIG_READ_H
#define MINOS_OCI_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/json.h"

typedef struct config_reader {
  char *error;
  size_t error_size;
} config_reader;

/* "config.json: FIELD: MESSAGE" into the reader's error; returns false. */
bool config_fail(config_reader *reader, const char *field, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* object's member `key`, which must have `type` if present: true with
 * *out set (NULL if absent), false if it has another type. `field` is
 * the member's path, for the error. */
bool config_member(config_reader *reader, const json_value *object, const char *key,
                   json_type type, const char *field, const json_value **out);
/* The same, but the member must be there. */
bool config_required(config_reader *reader, const json_value *object, const char *key,
                     json_type type, const char *field, const json_value **out);

/* A string of at most `max` bytes, without a NUL of its own. */
bool config_string(config_reader *reader, const json_value *value, const char *field, size_t max,
                   const char **out);
/* An array of at most OCI_ITEMS_MAX items. */
bool config_array_bounded(config_reader *reader, const json_value *value, const char *field);
/* A whole number from 0 to INT64_MAX. */
bool config_count(config_reader *reader, const json_value *value, const char *field,
                  uint64_t *out);
/* An absolute path, at most OCI_PATH_MAX bytes, with no "." or ".."
 * component and no "::" (minos run's HOST::GUEST separator). */
bool config_absolute_path(config_reader *reader, const json_value *value, const char *field,
                          const char **out);
/* Whether a string array holds `word`. */
bool config_array_has(const json_value *array, const char *word);

#endif
