/* SPDX-License-Identifier: Apache-2.0 */
/* A running system's control socket (minos up): a Unix socket, mode 0600,
 * at $XDG_RUNTIME_DIR/minos/NAME.sock (/run/minos/NAME.sock for root,
 * /tmp/minos-UID/NAME.sock without XDG_RUNTIME_DIR;
 * $MINOS_CONTROL_DIR/NAME.sock where that is set; or where --control
 * says), speaking JSON lines (docs: README, "Operating a
 * running system"). Only the system's own user (and root) may talk to it:
 * a peer of another uid (SO_PEERCRED) gets an error line and is closed.
 *
 * The socket has a thread of its own: a client that sends garbage, a line
 * too long, half a line for ever, or never reads its replies costs that
 * thread a bounded buffer and is then closed; the system never waits for a
 * client, and the thread never waits for the system: each request line is
 * parsed here and handed to the handler, whose reply (one JSON line) comes
 * back when it is ready and is queued for the client. A last request
 * without its newline, before the client's end of input, is answered too.
 *
 * Two requests are the socket's own: "logs" (the recent lines of the
 * log, kept in a ring, one {"log":...} line each, then {"ok":true,...};
 * with "follow", new lines keep coming) and "subscribe" (every new event
 * and log line from then on). */
#ifndef MINOS_CONTROL_CONTROL_SOCKET_H
#define MINOS_CONTROL_CONTROL_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "spec/json.h"

#define CONTROL_PROTOCOL_VERSION 1
#define CONTROL_MAX_REQUEST (64 * 1024)      /* bytes in one request line */
#define CONTROL_MAX_PENDING (4 * 1024 * 1024) /* unread reply bytes before a client is dropped */
#define CONTROL_FINAL_FLUSH_MS 1000 /* at close, for what followers have not been sent */
/* Clients at once. A client costs its input (allocated as it comes) and
 * its unread replies, both bounded above. */
#define CONTROL_MAX_CLIENTS 128
#define CONTROL_REQUEST_TIMEOUT_S 10  /* to finish a request line once begun */
/* Metrics clients have places of their own, so that a flood of them never
 * keeps an operator off the control socket; when all are taken, the one
 * that has waited longest without a whole request is let go. */
#define CONTROL_MAX_HTTP_CLIENTS 64
#define CONTROL_MAX_HTTP_REQUEST 8192 /* bytes of a metrics request's head */
#define CONTROL_HTTP_IDLE_S 10 /* a metrics client without a request for this long goes */

/* Takes a request (an object with a "request" string member) of the
 * client `ticket`, on the socket's thread, without waiting for anything:
 * the handler owns `request` from then on (json_free) and gives its reply
 * once, now or later and from any thread, with control_socket_reply.
 * False (nothing taken: the socket frees the request and says "out of
 * memory") if it cannot. The client's next request waits for the reply,
 * so each client's replies come in the order of its requests. */
typedef bool control_handler(void *context, json_value *request, uint64_t ticket);
/* The same for a metrics client: the reply is the system's metrics in the
 * Prometheus text format (malloc'd), or NULL (503). */
typedef bool control_metrics_handler(void *context, uint64_t ticket);
/* Whether CELL names one of the system's cells (on the socket's thread:
 * it reads only what never changes while the system runs). */
typedef bool control_cell_known(void *context, const char *cell);

typedef struct control_socket control_socket;

typedef struct control_socket_config {
  const char *path, *system_name;
  control_handler *handler;
  /* "HOST:PORT" to serve GET /metrics at over HTTP (any peer that can
   * reach the address), or NULL. */
  const char *metrics_address;
  control_metrics_handler *metrics;
  control_cell_known *knows_cell; /* logs and subscribe of one cell */
  void *context; /* the handlers' */
} control_socket_config;

/* Where a system's socket is by default (without XDG_RUNTIME_DIR, a user
 * other than root gets /tmp/minos-UID): false (error says why) if that
 * directory is not the user's own, mode 0700. It is made when `make` is
 * true. */
bool control_socket_path(const char *system_name, bool make, char *path, size_t size,
                         char *error, size_t error_size);

/* Listens at path. A live system already there is an error; a stale
 * socket (nobody accepting) is replaced. */
minos_status control_socket_open(const control_socket_config *config, control_socket **out,
                                 char *error, size_t error_size);
/* Stops serving and removes the socket file; what followers have not
 * been sent yet (the system's last log lines) and replies still queued
 * get a bounded time (CONTROL_FINAL_FLUSH_MS) to go out first, then every
 * client is closed. */
void control_socket_close(control_socket *socket);

/* The reply (one JSON line, or NULL for out of memory; taken over) to
 * the request of client `ticket`, from any thread; a client gone
 * meanwhile is no error. */
void control_socket_reply(control_socket *socket, uint64_t ticket, char *reply);

/* An error reply: {"ok":false,"error":MESSAGE} as one line (malloc'd). */
char *control_error_reply(const char *message);
/* {"ok":true} as one line (malloc'd). */
char *control_ok_reply(void);

/* An event for subscribers (from any thread): `object` is a JSON object's
 * text, sent as {"event":OBJECT}; `cell` is the cell it concerns. */
void control_socket_event(control_socket *socket, const char *cell, const char *object);

#endif
