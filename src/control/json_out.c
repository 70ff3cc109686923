/* SPDX-License-Identifier: Apache-2.0 */
#include "control/json_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room is kept for the newline and NUL json_out_finish adds. */
static void append(json_out *out, const char *bytes, size_t length) {
  byte_buffer_append(&out->text, bytes, length, 2);
}

/* A comma before every value but the first of its object or array (a
 * member's value follows its key without one). */
static void before_value(json_out *out) {
  if (out->depth > 0 && out->has_items[out->depth - 1]) append(out, ",", 1);
  if (out->depth > 0) out->has_items[out->depth - 1] = true;
}

static void open_container(json_out *out, char opening) {
  before_value(out);
  append(out, &opening, 1);
  if (out->depth == JSON_OUT_MAX_DEPTH) {
    out->text.failed = true;
    return;
  }
  out->has_items[out->depth++] = false;
}

static void close_container(json_out *out, char closing) {
  if (out->depth > 0) out->depth--;
  append(out, &closing, 1);
}

void json_out_begin_object(json_out *out) { open_container(out, '{'); }
void json_out_end_object(json_out *out) { close_container(out, '}'); }
void json_out_begin_array(json_out *out) { open_container(out, '['); }
void json_out_end_array(json_out *out) { close_container(out, ']'); }

/* The length of the UTF-8 sequence at text (at most `left` bytes), or 0
 * if it is not one: overlong forms, surrogates and values past U+10FFFF
 * are not. */
static size_t utf8_length(const unsigned char *text, size_t left) {
  unsigned char first = text[0];
  size_t length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0;
  if (!length || first > 0xF4 || length > left) return 0;
  for (size_t i = 1; i < length; i++)
    if ((text[i] & 0xC0) != 0x80) return 0;
  uint32_t value = first & (0x7F >> length);
  for (size_t i = 1; i < length; i++) value = value << 6 | (text[i] & 0x3F);
  static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < smallest[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
    return 0;
  return length;
}

/* Whether a byte goes out as it is: printable ASCII but the quote and the
 * backslash. */
static bool plain_byte(unsigned char byte) {
  return byte >= 0x20 && byte < 0x7F && byte != '"' && byte != '\\';
}

static void append_escaped(json_out *out, const char *text, size_t length) {
  append(out, "\"", 1);
  const unsigned char *bytes = (const unsigned char *)text;
  for (size_t i = 0; i < length;) {
    size_t run = i;
    while (run < length && plain_byte(bytes[run])) run++;
    if (run > i) { /* the common case, in one copy */
      append(out, text + i, run - i);
      i = run;
      continue;
    }
    unsigned char byte = bytes[i];
    char escape[8];
    if (byte == '"' || byte == '\\') {
      escape[0] = '\\', escape[1] = (char)byte;
      append(out, escape, 2);
      i++;
    } else if (byte < 0x20 || byte == 0x7F) {
      snprintf(escape, sizeof escape, "\\u%04x", byte);
      append(out, escape, 6);
      i++;
    } else {
      size_t sequence = utf8_length(&bytes[i], length - i);
      if (sequence) append(out, (const char *)&bytes[i], sequence);
      else append(out, "\\ufffd", 6);
      i += sequence ? sequence : 1;
    }
  }
  append(out, "\"", 1);
}

void json_out_key(json_out *out, const char *key) {
  before_value(out);
  append_escaped(out, key, strlen(key));
  append(out, ":", 1);
  /* The value that follows is not preceded by a comma. */
  if (out->depth > 0) out->has_items[out->depth - 1] = false;
}

void json_out_string_bytes(json_out *out, const char *text, size_t length) {
  before_value(out);
  append_escaped(out, text, length);
}

void json_out_string(json_out *out, const char *text) {
  if (!text) json_out_null(out);
  else json_out_string_bytes(out, text, strlen(text));
}

static void append_number(json_out *out, const char *format_text) {
  before_value(out);
  append(out, format_text, strlen(format_text));
}

void json_out_uint(json_out *out, uint64_t value) {
  char text[24];
  size_t at = sizeof text - 1;
  text[at] = '\0';
  do text[--at] = (char)('0' + value % 10);
  while (value /= 10);
  append_number(out, text + at);
}

void json_out_int(json_out *out, int64_t value) {
  char text[24];
  snprintf(text, sizeof text, "%" PRId64, value);
  append_number(out, text);
}

void json_out_double(json_out *out, double value) {
  char text[32];
  if (value != value || value > 1e300 || value < -1e300) value = 0; /* JSON has no NaN */
  snprintf(text, sizeof text, "%.6g", value);
  append_number(out, text);
}

void json_out_bool(json_out *out, bool value) { append_number(out, value ? "true" : "false"); }
void json_out_null(json_out *out) { append_number(out, "null"); }

void json_out_member_string(json_out *out, const char *key, const char *text) {
  json_out_key(out, key);
  json_out_string(out, text);
}

void json_out_member_uint(json_out *out, const char *key, uint64_t value) {
  json_out_key(out, key);
  json_out_uint(out, value);
}

void json_out_member_bool(json_out *out, const char *key, bool value) {
  json_out_key(out, key);
  json_out_bool(out, value);
}

char *json_out_finish(json_out *out) {
  append(out, "\n", 1);
  char *text = out->text.failed ? NULL : out->text.bytes;
  if (text) text[out->text.length] = '\0';
  else byte_buffer_free(&out->text);
  *out = (json_out){0};
  return text;
}
