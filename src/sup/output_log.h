/* Cells' output into the system's log. Every line a cell writes to a
 * stream bound for the log becomes one log line under the cell's name
 * (core/log.h), so a tail of the log shows events and output in order.
 * One thread follows every such stream: a system with thousands of
 * request cells still has one. */
#ifndef MINOS_SUP_OUTPUT_LOG_H
#define MINOS_SUP_OUTPUT_LOG_H

#include <stdbool.h>

#include "core/channel.h"

typedef struct output_log output_log;

minos_status output_log_start(output_log **out);
/* Follows read_end (taking it) to its end: each line is logged as
 * "WHO: STREAM: line", or dropped when `discard` (a "null" stdout). */
minos_status output_log_follow(output_log *log, channel_end *read_end, const char *who,
                               const char *stream, bool discard);
/* Once every followed stream has ended (their writers are gone), stops
 * the thread and frees the log. */
void output_log_finish(output_log *log);

#endif
