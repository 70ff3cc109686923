/* SPDX-License-Identifier: Apache-2.0 */
/* Cells' output into the system's log. Every line a cell writes to a
 * stream bound for the log becomes one log line under the cell's name
 * (core/log.h), so a tail of the log shows events and output in order.
 * One thread follows every such stream: a system with thousands of
 * request cells still has one.
 *
 * Flood control: what each spec cell may put into the log is bounded by
 * its log limits (spec.h: spec_log_limits; defaults 100 lines a second
 * with bursts of 1000, 64 MiB in all, lines cut at 4 KiB), shared by its
 * stdout and stderr and by all its instances. Lines beyond them are read
 * and dropped, so a flooding cell is never held back by the log nor holds
 * back its neighbours' lines; what was dropped is told by one event,
 * "dropped N lines", at most once a second per cell.
 *
 * Order: a cell's last lines come before its end in the log. An
 * instance's streams are followed under its name until they have ended
 * and their last lines (one without a newline too) are logged; the
 * supervisor logs an instance's end only then (output_log_caught_up), and
 * a trigger's instance, whose end is told on the worker it ended on, has
 * it logged after them (output_log_after_streams). */
#ifndef MINOS_SUP_OUTPUT_LOG_H
#define MINOS_SUP_OUTPUT_LOG_H

#include <stdbool.h>

#include "core/channel.h"
#include "core/log.h"
#include "spec/spec.h"

typedef struct output_log output_log;

/* One budget per cell of system (its log limits). */
minos_status output_log_start(output_log **out, const spec *system);
/* Follows read_end (taking it) to its end: each line is logged as
 * "WHO: STREAM: line", charged to the budget of the spec's cell number
 * cell_index, or dropped when `discard` (a "null" stdout). */
minos_status output_log_follow(output_log *log, channel_end *read_end,
                               size_t cell_index, const char *who, const char *stream,
                               bool discard);
/* A stream some other cell still holds open (a child of the instance
 * that is being killed) holds its instance's end back this long at most. */
#define OUTPUT_LOG_END_WAIT_NS 1000000000ull

/* Whether the streams followed under `who` (an instance that has ended)
 * can bring nothing more: their writers are gone and every line of theirs
 * is in the log (one without a newline too); or they have been waited
 * for OUTPUT_LOG_END_WAIT_NS since the first call. If not, `wake`
 * is woken when they have, and *deadline lowered to when the wait ends. */
bool output_log_caught_up(output_log *log, const char *who, waiter *wake, uint64_t now,
                          uint64_t *deadline);
/* Logs `message` under `who` once the streams followed under that name
 * have ended and their last lines are logged (at once if none is open). */
void output_log_after_streams(output_log *log, log_level level, const char *who,
                              const char *message);
/* Once every followed stream has ended (their writers are gone), stops
 * the thread, logs what drops remain untold, and frees the log. */
void output_log_finish(output_log *log);

#endif
