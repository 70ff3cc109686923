/* SPDX-License-Identifier: Apache-2.0 */
/* The one logging path: every message the runtime prints goes through here,
 * so the format and the destination are decided in one place. Commands
 * (minos run, check, ...) print "minos: [who: ]message" on stderr, words
 * for the person who typed them; a supervised system (minos up) writes a
 * log, to stderr or a file, where runtime events and cells' output lines
 * meet, each line with its time, level and name, as text:
 *
 *   2026-12-03T07:01:02.123456+01:00 warn kv#3: fault: unreachable in main
 *   2026-12-03T07:01:02.123460+01:00 info kv#3: stderr: a line of its own
 *
 * (RFC 3339 local time with its offset; a level of error, warn, info or
 * debug; the name, "minos" for minos's own; the message; a cell's output
 * at level info, its stream first) or as JSON, one object a line:
 *
 *   {"time":"...","level":"info","cell":"kv#3","stream":"stderr","message":"..."}
 *
 * A log line cannot be forged: everything after the line's own prefix (the
 * name and the message, with whatever names, paths or output of cells and
 * specs it holds) is escaped by core/escape.h, so no byte from them can end
 * the line, return the cursor, or drive a terminal, and a JSON line is
 * always valid JSON; a line written here is always exactly one line.
 * Callers pass text as it is, never pre-escaped.
 *
 * Nor can a cell flood it through the runtime: events logged under a name
 * (a cell's, as for a refused cnew) go out at most 100 a second per name,
 * in bursts of up to 1000; the rest are dropped and counted, and the
 * count goes out with the name's next event. (Cells' own output has
 * limits of its own: sup/output_log.h.) */
#ifndef MINOS_CORE_LOG_H
#define MINOS_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum log_level {
  LOG_OUTPUT, /* a cell's own output, passed on: always shown (as info) */
  LOG_ERROR,
  LOG_WARN,
  LOG_INFO,
  LOG_DEBUG
} log_level;

/* The longest message log_message keeps, before escaping; the rest is cut. */
#define LOG_MESSAGE_MAX 2048
/* The longest line of a cell's output log_output keeps, before escaping. */
#define LOG_OUTPUT_LINE_MAX ((size_t)64 << 10)

typedef enum log_format {
  LOG_FORMAT_PLAIN, /* "minos: [WHO: ]message": a command's words */
  LOG_FORMAT_TEXT,  /* "TIME LEVEL WHO: message": a system's log */
  LOG_FORMAT_JSON   /* one JSON object a line */
} log_format;

void log_set_level(log_level level);
log_level log_get_level(void);
/* "text" or "json" (for --log-format); false for any other name. */
bool log_format_named(const char *name, log_format *out);
log_format log_get_format(void);
/* Where lines go (default: 2, stderr, plain) and in which format. */
void log_set_destination(int fd, log_format format);
/* Lines go to the file at path, appended (created 0644 if missing; a
 * FIFO only if a reader has it open already). False, with the reason in
 * error, if it cannot be opened. */
bool log_open_file(const char *path, log_format format, char *error, size_t error_size);
/* Async-signal-safe (SIGHUP): the file is opened again by path before the
 * next line is written, so once logrotate has renamed it that line and
 * all after it go to a new file, and every line before stays whole in
 * the old one. Without a file (stderr), the next line says it was ignored. */
void log_request_reopen(void);
/* Opens the file again now if SIGHUP asked for it: called by whoever the
 * signal wakes (minos up's supervisor), so that on a quiet system too the
 * new file is there at once for logrotate and its readers. */
void log_reopen_if_requested(void);

/* One line, written whole with one write, so lines from many threads
 * (and processes appending to one file) never interleave. */
void log_message(log_level level, const char *who, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* A line of a cell's output, "WHO: STREAM: TEXT[ENDING]" (in JSON, its
 * "stream" and "message"): the bytes of
 * text (NULs included, at most LOG_OUTPUT_LINE_MAX of them) escaped, and
 * `ending` (minos's own words, such as a cut marker, or NULL) after them. */
void log_output(const char *who, const char *stream, const char *text, size_t length,
                const char *ending);

/* A tap sees every line written, whole (without its newline; in the text
 * format whatever the destination's), with its level and the raw name it
 * was logged under (NULL: minos's own): the
 * control socket keeps the recent ones for `minos logs`. It is called on
 * the logging thread, so it must be quick and never block. One tap at a
 * time; log_set_tap(NULL, NULL) removes it and returns once no call to
 * the old one is under way. */
typedef void log_tap(void *context, log_level level, const char *who, const char *line,
                     size_t length);
void log_set_tap(log_tap *tap, void *context);

#define log_error(...) log_message(LOG_ERROR, NULL, __VA_ARGS__)
#define log_warn(...) log_message(LOG_WARN, NULL, __VA_ARGS__)
#define log_info(...) log_message(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_message(LOG_DEBUG, NULL, __VA_ARGS__)

#endif
