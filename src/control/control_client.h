/* SPDX-License-Identifier: Apache-2.0 */
/* A client of a running system's control socket (control_socket.h), for
 * minos ps, logs, kill, restart, stop and top. SYSTEM is a system's name
 * (its socket in the default place) or a socket's path (with a '/'). */
#ifndef MINOS_CONTROL_CONTROL_CLIENT_H
#define MINOS_CONTROL_CONTROL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/json.h"

#define CONTROL_REPLY_TIMEOUT_MS 10000

typedef struct control_connection {
  int fd;
  char *buffer; /* what came and is not yet a whole line */
  size_t length, capacity;
  bool absent; /* control_connect failed: nothing listens there (no system, or a stale socket) */
  bool ended;  /* control_read found the end of the connection */
} control_connection;

/* Connects and checks the system's greeting (its protocol version). */
bool control_connect(const char *system, control_connection *out, char *error,
                     size_t error_size);
/* The same, waiting at most timeout_ms for the greeting (a stopped or
 * hung system accepts connections and says nothing). */
bool control_connect_within(const char *system, control_connection *out, int timeout_ms,
                            char *error, size_t error_size);
void control_disconnect(control_connection *connection);
bool control_send(control_connection *connection, const char *request, char *error,
                  size_t error_size);
/* The next line, parsed: NULL (error says why) after timeout_ms (-1:
 * none), at the end of the connection, or for a malformed line. Its text
 * in *raw if raw is not NULL (the caller frees it). */
json_value *control_read(control_connection *connection, char **raw, int timeout_ms,
                         char *error, size_t error_size);
/* The next line if it is whole without waiting (one recv at most): for a
 * connection read between other work, where a line may come in pieces.
 * NULL with *ended false while it is not whole yet; with *ended true
 * (error says why) at the end of the connection or for a malformed line. */
json_value *control_read_ready(control_connection *connection, bool *ended, char *error,
                               size_t error_size);
/* Whether a line is waiting already (or the connection ended). */
bool control_readable(control_connection *connection);
/* One request on a connection of its own: its reply, or NULL. */
json_value *control_ask(const char *system, const char *request, char **raw, char *error,
                        size_t error_size);

/* Members of a reply, with a default where absent or of another type. */
const char *json_text_of(const json_value *object, const char *key, const char *otherwise);
uint64_t json_count_of(const json_value *object, const char *key);
double json_real_of(const json_value *object, const char *key);
/* Whether a reply says "ok": true; if not, its error in error. */
bool control_reply_ok(const json_value *reply, char *error, size_t error_size);

#endif
