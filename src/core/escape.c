/* SPDX-License-Identifier: Apache-2.0 */
#include "core/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at in (1 to 4), or 0 if the
 * bytes there are not one (overlong forms and surrogates included). */
static size_t utf8_sequence(const unsigned char *in, size_t length, uint32_t *code_point) {
  unsigned char lead = in[0];
  size_t size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  if (size == 0 || lead > 0xf4 || size > length) return 0;
  uint32_t value = lead & (0x7f >> size);
  for (size_t i = 1; i < size; i++) {
    if ((in[i] & 0xc0) != 0x80) return 0;
    value = value << 6 | (in[i] & 0x3f);
  }
  static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < smallest[size] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
    return 0;
  *code_point = value;
  return size;
}

/* C1 controls act on terminals as ESC sequences do; bidirectional
 * overrides and isolates make text display other than it reads. */
static bool unsafe_code_point(uint32_t code_point) {
  return (code_point >= 0x80 && code_point <= 0x9f) ||
         (code_point >= 0x202a && code_point <= 0x202e) ||
         (code_point >= 0x2066 && code_point <= 0x2069) || code_point == 0x2028 ||
         code_point == 0x2029;
}

/* How escaped text is written: the log's text form shows each unsafe byte
 * as \xNN (and, for escape_text, a backslash as \\); JSON (RFC 8259)
 * needs its quote and backslash escaped, and shows controls as \u00XX. */
typedef enum escape_style { STYLE_TEXT, STYLE_UNSAFE, STYLE_JSON } escape_style;

static const char hex[] = "0123456789abcdef";

/* \xNN for each byte: a cut sequence still reads back exactly. In JSON
 * the backslash is escaped, so the string holds those four characters. */
static size_t escape_bytes(char *piece, const unsigned char *bytes, size_t count,
                           escape_style style) {
  size_t length = 0;
  for (size_t i = 0; i < count; i++) {
    piece[length++] = '\\';
    if (style == STYLE_JSON) piece[length++] = '\\';
    piece[length++] = 'x';
    piece[length++] = hex[bytes[i] >> 4];
    piece[length++] = hex[bytes[i] & 15];
  }
  return length;
}

/* A control character or unsafe code point (all below U+10000) as JSON's
 * \uXXXX, which a JSON reader turns back into it. */
static size_t escape_code_point(char *piece, uint32_t code_point) {
  piece[0] = '\\', piece[1] = 'u';
  for (int i = 0; i < 4; i++) piece[2 + i] = hex[(code_point >> (12 - 4 * i)) & 15];
  return 6;
}

/* The escaped form of the character at bytes[0] (whose UTF-8 sequence,
 * if valid, is `sequence` long and code_point): its length in piece, and
 * how many bytes it took in *consumed. */
static size_t escape_one(char *piece, const unsigned char *bytes, size_t sequence,
                         uint32_t code_point, escape_style style, size_t *consumed) {
  unsigned char byte = bytes[0];
  bool valid = byte < 0x80 || sequence;
  *consumed = byte >= 0x80 && sequence ? sequence : 1;
  if (byte == '\\' && style != STYLE_UNSAFE) {
    memcpy(piece, "\\\\", 2);
    return 2;
  }
  if (byte == '"' && style == STYLE_JSON) {
    memcpy(piece, "\\\"", 2);
    return 2;
  }
  if (byte >= 0x20 && byte != 0x7f && valid && !unsafe_code_point(code_point)) {
    memcpy(piece, bytes, *consumed);
    return *consumed;
  }
  if (style == STYLE_JSON && valid) return escape_code_point(piece, byte < 0x80 ? byte : code_point);
  return escape_bytes(piece, bytes, *consumed, style);
}

static size_t escape(char *out, size_t out_size, const char *in, size_t length,
                     escape_style style) {
  const unsigned char *bytes = (const unsigned char *)in;
  size_t needed = 0, written = 0;
  bool room = out_size > 0;
  for (size_t at = 0; at < length;) {
    char piece[24];
    uint32_t code_point = 0;
    size_t consumed;
    size_t sequence = bytes[at] >= 0x80 ? utf8_sequence(bytes + at, length - at, &code_point) : 1;
    size_t piece_length = escape_one(piece, bytes + at, sequence, code_point, style, &consumed);
    if (room && written + piece_length < out_size) {
      memcpy(out + written, piece, piece_length);
      written += piece_length;
    } else {
      room = false;
    }
    needed += piece_length;
    at += consumed;
  }
  if (out_size > 0) out[written] = '\0';
  return needed;
}

size_t escape_text(char *out, size_t out_size, const char *in, size_t length) {
  return escape(out, out_size, in, length, STYLE_TEXT);
}

size_t escape_unsafe(char *out, size_t out_size, const char *in, size_t length) {
  return escape(out, out_size, in, length, STYLE_UNSAFE);
}

size_t escape_json(char *out, size_t out_size, const char *in, size_t length) {
  return escape(out, out_size, in, length, STYLE_JSON);
}

size_t escape_find_unsafe(const char *in, size_t length) {
  const unsigned char *bytes = (const unsigned char *)in;
  for (size_t at = 0; at < length;) {
    unsigned char byte = bytes[at];
    if (byte < 0x80) {
      if (byte < 0x20 || byte == 0x7f) return at;
      at++;
      continue;
    }
    uint32_t code_point = 0;
    size_t sequence = utf8_sequence(bytes + at, length - at, &code_point);
    if (!sequence || unsafe_code_point(code_point)) return at;
    at += sequence;
  }
  return length;
}

const char *escape_string(char *buffer, size_t size, const char *in) {
  escape_text(buffer, size, in ? in : "", in ? strlen(in) : 0);
  return buffer;
}
