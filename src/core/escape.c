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

static size_t escape(char *out, size_t out_size, const char *in, size_t length,
                     bool backslashes) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *bytes = (const unsigned char *)in;
  size_t needed = 0, written = 0;
  bool room = out_size > 0;
  for (size_t at = 0; at < length;) {
    char piece[16];
    size_t piece_length = 0, consumed = 1;
    unsigned char byte = bytes[at];
    uint32_t code_point = 0;
    size_t sequence = byte >= 0x80 ? utf8_sequence(bytes + at, length - at, &code_point) : 1;
    if (byte == '\\' && backslashes) {
      memcpy(piece, "\\\\", 2);
      piece_length = 2;
    } else if (byte >= 0x20 && byte != 0x7f && sequence && !unsafe_code_point(code_point)) {
      consumed = byte >= 0x80 ? sequence : 1;
      memcpy(piece, bytes + at, consumed);
      piece_length = consumed;
    } else {
      /* One escape per byte, so a cut sequence still reads back exactly. */
      consumed = byte >= 0x80 && sequence ? sequence : 1;
      for (size_t i = 0; i < consumed; i++) {
        unsigned char each = bytes[at + i];
        char *escape = piece + piece_length;
        escape[0] = '\\', escape[1] = 'x', escape[2] = hex[each >> 4], escape[3] = hex[each & 15];
        piece_length += 4;
      }
    }
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
  return escape(out, out_size, in, length, true);
}

size_t escape_unsafe(char *out, size_t out_size, const char *in, size_t length) {
  return escape(out, out_size, in, length, false);
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
