/* SPDX-License-Identifier: Apache-2.0 */
#include "control/control_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/control_socket.h"

#define REPLY_MAX ((size_t)64 << 20)

const char *json_text_of(const json_value *object, const char *key, const char *otherwise) {
  const json_value *value = object ? json_object_get(object, key) : NULL;
  return value && value->type == JSON_STRING ? value->string.text : otherwise;
}

uint64_t json_count_of(const json_value *object, const char *key) {
  const json_value *value = object ? json_object_get(object, key) : NULL;
  return value && value->type == JSON_NUMBER && value->number.is_integer &&
                 value->number.integer > 0
             ? (uint64_t)value->number.integer
             : 0;
}

double json_real_of(const json_value *object, const char *key) {
  const json_value *value = object ? json_object_get(object, key) : NULL;
  if (!value || value->type != JSON_NUMBER) return 0;
  return value->number.is_integer ? (double)value->number.integer : value->number.real;
}

bool control_reply_ok(const json_value *reply, char *error, size_t error_size) {
  const json_value *ok = json_object_get(reply, "ok");
  if (ok && ok->type == JSON_BOOLEAN && ok->boolean) return true;
  snprintf(error, error_size, "%s", json_text_of(reply, "error", "refused"));
  return false;
}

static void ignore_parse_error(void *context, const char *path, json_position at,
                               const char *message) {
  (void)context, (void)path, (void)at, (void)message;
}

static char *next_line(control_connection *connection, size_t *length) {
  char *newline = connection->length ? memchr(connection->buffer, '\n', connection->length) : NULL;
  if (newline) *length = (size_t)(newline - connection->buffer);
  return newline;
}

bool control_readable(control_connection *connection) {
  size_t length;
  struct pollfd readable = {.fd = connection->fd, .events = POLLIN};
  return next_line(connection, &length) || poll(&readable, 1, 0) == 1;
}

/* Room for one more recv of 64 KiB; false past REPLY_MAX (error says so). */
static bool make_room(control_connection *connection, char *error, size_t error_size) {
  if (connection->length + 65536 <= connection->capacity) return true;
  size_t capacity = connection->capacity ? connection->capacity * 2 : 65536 * 2;
  char *grown = capacity <= REPLY_MAX ? realloc(connection->buffer, capacity) : NULL;
  if (!grown) {
    snprintf(error, error_size, "the system's reply is too long");
    return false;
  }
  connection->buffer = grown;
  connection->capacity = capacity;
  return true;
}

json_value *control_read(control_connection *connection, char **raw, int timeout_ms,
                         char *error, size_t error_size) {
  for (;;) {
    size_t line;
    char *newline = next_line(connection, &line);
    if (newline) {
      json_value *reply = json_parse(connection->buffer, line, ignore_parse_error, NULL);
      if (raw && reply && !(*raw = strndup(connection->buffer, line))) {
        json_free(reply);
        reply = NULL;
      }
      memmove(connection->buffer, newline + 1, connection->length - line - 1);
      connection->length -= line + 1;
      if (!reply) snprintf(error, error_size, "the system sent a malformed line");
      return reply;
    }
    if (!make_room(connection, error, error_size)) return NULL;
    struct pollfd readable = {.fd = connection->fd, .events = POLLIN};
    int ready;
    do ready = poll(&readable, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    ssize_t got = ready == 1 ? recv(connection->fd, connection->buffer + connection->length,
                                    65536, 0)
                             : -1;
    if (got <= 0) {
      connection->ended = got == 0;
      snprintf(error, error_size, "%s",
               got == 0 ? "the system closed the connection" : "the system did not answer");
      return NULL;
    }
    connection->length += (size_t)got;
  }
}

json_value *control_read_ready(control_connection *connection, bool *ended, char *error,
                               size_t error_size) {
  size_t line;
  *ended = false;
  if (!next_line(connection, &line)) {
    if (!make_room(connection, error, error_size)) {
      *ended = true;
      return NULL;
    }
    ssize_t got = recv(connection->fd, connection->buffer + connection->length, 65536,
                       MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      snprintf(error, error_size, "the system closed the connection");
      *ended = true;
      return NULL;
    }
    if (got > 0) connection->length += (size_t)got;
    if (!next_line(connection, &line)) return NULL; /* only part of a line so far */
  }
  json_value *value = control_read(connection, NULL, 0, error, error_size);
  *ended = value == NULL; /* a malformed line: nothing after it can be trusted */
  return value;
}

bool control_send(control_connection *connection, const char *request, char *error,
                  size_t error_size) {
  size_t length = strlen(request);
  for (size_t done = 0; done < length;) {
    ssize_t sent = send(connection->fd, request + done, length - done, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) {
      snprintf(error, error_size, "cannot send: %s", strerror(errno));
      return false;
    }
    done += (size_t)sent;
  }
  return true;
}

static bool socket_path(const char *system, char *path, size_t size, char *error,
                        size_t error_size) {
  if (!strchr(system, '/')) return control_socket_path(system, false, path, size, error, error_size);
  if (strlen(system) >= size) {
    snprintf(error, error_size, "%s: path too long", system);
    return false;
  }
  snprintf(path, size, "%s", system);
  return true;
}

bool control_connect(const char *system, control_connection *out, char *error,
                     size_t error_size) {
  return control_connect_within(system, out, CONTROL_REPLY_TIMEOUT_MS, error, error_size);
}

bool control_connect_within(const char *system, control_connection *out, int timeout_ms,
                            char *error, size_t error_size) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  *out = (control_connection){.fd = -1};
  if (!socket_path(system, address.sun_path, sizeof address.sun_path, error, error_size))
    return false;
  out->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (out->fd < 0 || connect(out->fd, (struct sockaddr *)&address, sizeof address) != 0) {
    int failure = errno;
    if (failure == EACCES || failure == EPERM)
      snprintf(error, error_size, "permission denied: %s is not this user's to use",
               address.sun_path);
    else
      snprintf(error, error_size, "no system %s is running (%s: %s)", system, address.sun_path,
               failure == ECONNREFUSED ? "a socket left by one that ended" : strerror(failure));
    control_disconnect(out);
    out->absent = failure == ECONNREFUSED || failure == ENOENT;
    return false;
  }
  json_value *hello = control_read(out, NULL, timeout_ms, error, error_size);
  const json_value *version = hello ? json_object_get(hello, "version") : NULL;
  bool fine = false;
  if (hello && json_object_get(hello, "error"))
    snprintf(error, error_size, "%s", json_text_of(hello, "error", "refused"));
  else if (hello && (!version || version->type != JSON_NUMBER ||
                     version->number.integer != CONTROL_PROTOCOL_VERSION))
    snprintf(error, error_size, "the system speaks another version of the control protocol");
  else fine = hello != NULL;
  json_free(hello);
  if (!fine) control_disconnect(out);
  return fine;
}

void control_disconnect(control_connection *connection) {
  if (connection->fd >= 0) close(connection->fd);
  free(connection->buffer);
  *connection = (control_connection){.fd = -1};
}

json_value *control_ask(const char *system, const char *request, char **raw, char *error,
                        size_t error_size) {
  control_connection connection;
  if (!control_connect(system, &connection, error, error_size)) return NULL;
  json_value *reply = control_send(&connection, request, error, error_size)
                          ? control_read(&connection, raw, CONTROL_REPLY_TIMEOUT_MS, error,
                                         error_size)
                          : NULL;
  control_disconnect(&connection);
  return reply;
}
