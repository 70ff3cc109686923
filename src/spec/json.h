/* SPDX-License-Identifier: Apache-2.0 */
/* A JSON document as a small tree whose every value and key remembers its
 * line and column, so a spec's problems can point at the text that causes
 * them. yajl does the lexing and parsing; this only builds the tree. */
#ifndef MINOS_SPEC_JSON_H
#define MINOS_SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef struct json_position {
  unsigned line, column; /* 1-based; column counts characters, not bytes */
} json_position;

typedef enum json_type {
  JSON_NULL,
  JSON_BOOLEAN,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
} json_type;

typedef struct json_value json_value;

typedef struct json_member {
  char *key;
  json_position key_at;
  json_value *value;
} json_member;

struct json_value {
  json_type type;
  json_position at;
  union {
    bool boolean;
    struct {
      char *text;      /* as written: "1e3", "-0", "64" */
      bool is_integer; /* written without fraction or exponent, and fits */
      long long integer;
      double real;
    } number;
    struct {
      char *text; /* UTF-8, NUL-terminated; may hold a NUL of its own */
      size_t length;
    } string;
    struct {
      json_value **items;
      size_t count;
    } array;
    struct {
      json_member *members; /* in the order written; keys are unique */
      size_t count;
    } object;
  };
};

/* Called for each error: `path` is the JSON path of the value concerned
 * ("cells.kv.env", "channels[2]"), or "" for a syntax error. */
typedef void json_error_function(void *context, const char *path, json_position at,
                                 const char *message);

/* Parses `text`. Returns the tree, or NULL after reporting a syntax error.
 * A duplicate key is reported too, but the tree is still returned, with
 * the first occurrence only: what follows can be checked as usual. */
json_value *json_parse(const char *text, size_t length, json_error_function *report,
                       void *context);
void json_free(json_value *value);

/* The value of `key` in an object, or NULL. */
const json_value *json_object_get(const json_value *object, const char *key);
const json_member *json_object_member(const json_value *object, const char *key);

/* "a string", "an object"... for messages. */
const char *json_type_name(json_type type);

#endif
