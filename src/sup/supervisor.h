/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor runs a whole system from its spec (minos up): it creates
 * the spec's channels, starts every cell, restarts them by their policies,
 * runs their triggers, and stops everything gracefully when asked.
 *
 * Stable endpoints: the supervisor holds every wired channel end itself and
 * lends it to each instance of the cell in turn (core/channel.h). An
 * instance that ends gives its ends back instead of closing them, so the
 * cells at the other ends stay connected across a restart; a failed
 * instance's readers get MINOS_ERESET for the reply that was in flight.
 * Only when a cell will not run again are its ends closed, and its peers
 * see the end of the stream. */
#ifndef MINOS_SUP_SUPERVISOR_H
#define MINOS_SUP_SUPERVISOR_H

#include "core/error.h"
#include "spec/spec.h"

typedef struct supervisor supervisor;

/* Loads every cell's code and wires the channels; starts nothing yet. On
 * failure, error says what failed. */
minos_status supervisor_create(const spec *spec, supervisor **out, char *error, size_t error_size);
/* Listens for operators (control/control_socket.h) at path, or at the
 * system's default place (path NULL), and serves its metrics over HTTP at
 * metrics_address (NULL: the spec's "metrics", if any). */
minos_status supervisor_open_control(supervisor *supervisor, const char *path,
                                     const char *metrics_address, char *error,
                                     size_t error_size);
/* Starts the system and supervises it until it ends by itself (every cell
 * ended and none is to be restarted, no trigger left) or is stopped.
 * Returns 0, or 1 if a cell gave up or the system could not start. */
int supervisor_run(supervisor *supervisor);
/* Async-signal-safe: asks for a graceful stop (SIGINT, SIGTERM); asked
 * again, kills what still runs without waiting for the grace period. */
void supervisor_request_stop(supervisor *supervisor);
/* Async-signal-safe: wakes the supervisor's loop, which then does what a
 * signal asked of it (SIGHUP: log_reopen_if_requested). */
void supervisor_wake(supervisor *supervisor);
void supervisor_free(supervisor *supervisor);

#endif
