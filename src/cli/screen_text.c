/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/screen_text.h"

#include <stdbool.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

/* Bidirectional overrides and isolates reorder what follows them on the
 * screen, and line separators may break the line: never shown as such. */
static bool reorders(wchar_t wide) {
  return (wide >= 0x202a && wide <= 0x202e) || (wide >= 0x2066 && wide <= 0x2069) ||
         wide == 0x2028 || wide == 0x2029;
}

/* The character at text (length bytes left): its bytes in *taken and its
 * width in columns, or -1 if the terminal would not show it as itself
 * (not a character in this locale, a control, unprintable). */
static int character_width(const char *text, size_t length, size_t *taken) {
  mbstate_t state;
  wchar_t wide;
  memset(&state, 0, sizeof state);
  size_t size = mbrtowc(&wide, text, length, &state);
  if (size == (size_t)-1 || size == (size_t)-2 || size == 0) {
    *taken = 1;
    return -1;
  }
  *taken = size;
  int width = wcwidth(wide);
  return iswprint((wint_t)wide) && width >= 0 && !reorders(wide) ? width : -1;
}

/* Appends a piece if it fits in both the columns and the buffer. */
static bool append(char *out, size_t size, size_t *used, int *columns_used, const char *piece,
                   size_t length, int width, int columns) {
  if (*columns_used + width > columns || *used + length >= size) return false;
  memcpy(out + *used, piece, length);
  *used += length;
  *columns_used += width;
  return true;
}

int screen_fit(char *out, size_t size, const char *text, int columns) {
  static const char hex[] = "0123456789abcdef";
  size_t used = 0, length = text ? strlen(text) : 0;
  int columns_used = 0;
  for (size_t at = 0; at < length;) {
    size_t taken;
    int width = character_width(text + at, length - at, &taken);
    bool fits;
    if (width >= 0) {
      fits = append(out, size, &used, &columns_used, text + at, taken, width, columns);
    } else { /* each byte of it as \xNN, as the log escapes it */
      taken = 1;
      unsigned char byte = (unsigned char)text[at];
      char escaped[4] = {'\\', 'x', hex[byte >> 4], hex[byte & 15]};
      fits = append(out, size, &used, &columns_used, escaped, 4, 4, columns);
    }
    if (!fits) break;
    at += taken;
  }
  if (size) out[used] = '\0';
  return columns_used;
}
