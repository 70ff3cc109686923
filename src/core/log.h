/* SPDX-License-Identifier: Apache-2.0 */
/* The one logging path: every message the runtime prints goes through here,
 * so the format and the destination are decided in one place. `minos run`
 * prints "minos: [who: ]message" on stderr; a supervised system (minos up)
 * switches on timestamps and may send the log to a file, where runtime
 * events and cells' output lines meet, each under the name of the cell.
 *
 * A log line cannot be forged: everything after the line's own prefix (the
 * name and the message, with whatever names, paths or output of cells and
 * specs it holds) is escaped by core/escape.h, so no byte from them can end
 * the line, return the cursor, or drive a terminal; a line written here is
 * always exactly one line. Callers pass text as it is, never pre-escaped.
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
  LOG_OUTPUT, /* a cell's own output, passed on: always shown */
  LOG_ERROR,
  LOG_WARN,
  LOG_INFO,
  LOG_DEBUG
} log_level;

/* The longest message log_message keeps, before escaping; the rest is cut. */
#define LOG_MESSAGE_MAX 2048
/* The longest line of a cell's output log_output keeps, before escaping. */
#define LOG_OUTPUT_LINE_MAX ((size_t)64 << 10)

void log_set_level(log_level level);
log_level log_get_level(void);
/* Where lines go (default: 2, stderr) and whether they carry the time
 * instead of the "minos: " prefix. Set before other threads log. */
void log_set_destination(int fd, bool timestamps);

/* One line, written whole with one write, so lines from many threads
 * (and processes appending to one file) never interleave. */
void log_message(log_level level, const char *who, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* A line of a cell's output, "WHO: STREAM: TEXT[ENDING]": the bytes of
 * text (NULs included, at most LOG_OUTPUT_LINE_MAX of them) escaped, and
 * `ending` (minos's own words, such as a cut marker, or NULL) after them. */
void log_output(const char *who, const char *stream, const char *text, size_t length,
                const char *ending);

/* A tap sees every line written, whole (without its newline), with its
 * level and the raw name it was logged under (NULL: minos's own): the
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
