/* SPDX-License-Identifier: Apache-2.0 */
/* Writing JSON: the control socket's replies and `minos ps --json`. Every
 * string is escaped (quotes, backslashes, control characters), and bytes
 * that are not UTF-8 become U+FFFD, so a cell's name or a log line can
 * never break a reply or a client reading it. Out of memory is remembered
 * and reported once, at json_out_finish. */
#ifndef MINOS_CONTROL_JSON_OUT_H
#define MINOS_CONTROL_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/byte_buffer.h"

#define JSON_OUT_MAX_DEPTH 16

typedef struct json_out {
  byte_buffer text;
  int depth;
  bool has_items[JSON_OUT_MAX_DEPTH]; /* a comma goes before the next */
} json_out;

void json_out_begin_object(json_out *out);
void json_out_end_object(json_out *out);
void json_out_begin_array(json_out *out);
void json_out_end_array(json_out *out);
/* A member's key, in an object; its value follows. */
void json_out_key(json_out *out, const char *key);
void json_out_string(json_out *out, const char *text);
void json_out_string_bytes(json_out *out, const char *text, size_t length);
void json_out_uint(json_out *out, uint64_t value);
void json_out_int(json_out *out, int64_t value);
void json_out_double(json_out *out, double value);
void json_out_bool(json_out *out, bool value);
void json_out_null(json_out *out);

/* Shorthands for a member. */
void json_out_member_string(json_out *out, const char *key, const char *text);
void json_out_member_uint(json_out *out, const char *key, uint64_t value);
void json_out_member_bool(json_out *out, const char *key, bool value);

/* The text, ended by a newline (one JSON line; the caller frees it), or
 * NULL if memory ran out. */
char *json_out_finish(json_out *out);

#endif
