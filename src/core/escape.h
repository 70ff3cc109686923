/* SPDX-License-Identifier: Apache-2.0 */
/* Text from a cell or a spec (a module's names, a cell's output, a
 * refused import) is printed only through here: every byte that could
 * act on a terminal or forge a log line (control characters, DEL, C1
 * controls, bidirectional overrides, bytes that are not UTF-8) becomes a
 * visible \xNN escape, and a backslash becomes \\, so escaped text can
 * be read back without ambiguity. */
#ifndef MINOS_CORE_ESCAPE_H
#define MINOS_CORE_ESCAPE_H

#include <stddef.h>

/* Escapes in[0..length) into out (always NUL-terminated when out_size >
 * 0; cut at a whole escape when it does not fit). Returns the length the
 * whole escaped text has, like snprintf. */
size_t escape_text(char *out, size_t out_size, const char *in, size_t length);

/* The same, but a backslash stays as it is: for the log, where a
 * module's names arrive already escaped inside error strings (which also
 * reach libminos callers) and must not show doubled. Nothing it leaves
 * can start a line or act on a terminal; a literal "\x0d" in a cell's
 * output and an escaped CR look alike, which is harmless. */
size_t escape_unsafe(char *out, size_t out_size, const char *in, size_t length);

/* The same bytes made safe inside a JSON string (RFC 8259; no quotes
 * added): the quote and backslash escaped, control characters, DEL, C1
 * controls, bidirectional overrides and line separators as \uXXXX (a
 * JSON reader gets them back), and each byte that is not UTF-8 as the
 * four characters \xNN (written \\xNN), as the text form shows it. At
 * most 6 bytes out for each byte in. */
size_t escape_json(char *out, size_t out_size, const char *in, size_t length);

/* Where the first byte escape_text would escape (a backslash aside) is,
 * or length if none: for refusing such text outright, as specs do. */
size_t escape_find_unsafe(const char *in, size_t length);

/* For a printf argument: escapes a NUL-terminated string into a buffer of
 * the caller's, and returns the buffer. */
const char *escape_string(char *buffer, size_t size, const char *in);

#endif
