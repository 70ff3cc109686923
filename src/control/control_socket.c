/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket's server: see control_socket.h. */
#include "control/control_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/http_request.h"
#include "control/json_out.h"
#include "control/log_ring.h"
#include "core/escape.h"
#include "core/log.h"
#include "core/sync.h"
#include "net/endpoint.h"

#define CONTROL_LINGER_NS (2 * 1000000000ull)

typedef struct client {
  int fd;
  uint64_t ticket; /* names it to the handler (control_socket_reply) */
  char *in;        /* what came and is not handled yet: lines, then a part of one */
  size_t in_start, in_length, in_capacity;
  uint64_t line_begun_at; /* when the unfinished line's first byte came */
  bool awaiting;   /* a request is with the handler: the next ones wait */
  bool input_ended; /* the client said all it will (end of stream) */
  byte_buffer out; /* replies not yet written */
  bool closing;   /* close once out is written */
  bool overflowed; /* read none of CONTROL_MAX_PENDING bytes: dropped */
  bool backlog;    /* the log's recent lines are being queued: not bounded here */
  size_t allowance; /* of them, what is not sent yet: let past the limit */
  bool http;       /* a metrics client: HTTP requests, its connection kept as it asks */
  http_request pending; /* a metrics client's request awaiting the metrics */
  uint64_t linger_until; /* closing, all sent: its input drained until then */
  uint64_t accepted_at; /* (HTTP: or last answered) its next request is due within
                           CONTROL_HTTP_IDLE_S of it */
  /* Following the log (logs with follow, subscribe): */
  bool follows, events, logs;
  uint64_t seen; /* the next record to send */
  char cell[48]; /* only this cell's records ("": every one) */
} client;

/* A reply that came from the handler, for the socket's thread to queue. */
typedef struct pending_reply {
  uint64_t ticket;
  char *reply;
  struct pending_reply *next;
} pending_reply;

struct control_socket {
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  char *system_name;
  int listening_fd;
  int wake[2]; /* control_socket_close wakes the thread here */
  pthread_t thread;
  control_handler *handler;
  control_metrics_handler *metrics;
  control_cell_known *knows_cell;
  void *context;
  int metrics_fd; /* listening for HTTP, or -1 */
  client clients[CONTROL_MAX_CLIENTS + CONTROL_MAX_HTTP_CLIENTS];
  size_t client_count;
  uint64_t next_ticket;
  log_ring ring;
  int news[2]; /* the ring and control_socket_reply wake the thread here */
  pthread_mutex_t replies_lock;
  pending_reply *replies, **replies_tail; /* in the order they came */
};

char *control_ok_reply(void) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_bool(&out, "ok", true);
  json_out_end_object(&out);
  return json_out_finish(&out);
}

char *control_error_reply(const char *message) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_bool(&out, "ok", false);
  json_out_member_string(&out, "error", message);
  json_out_end_object(&out);
  return json_out_finish(&out);
}

/* tmux's way where there is no XDG_RUNTIME_DIR: a directory of the
 * user's own in /tmp, refused if someone else made it first. */
static bool private_directory(const char *directory, bool make, char *error, size_t error_size) {
  struct stat info;
  if (make && mkdir(directory, 0700) != 0 && errno != EEXIST) {
    snprintf(error, error_size, "cannot make %s: %s", directory, strerror(errno));
    return false;
  }
  if (lstat(directory, &info) != 0) {
    if (make || errno != ENOENT) {
      snprintf(error, error_size, "cannot use %s: %s", directory, strerror(errno));
      return false;
    }
    return true; /* nothing runs there yet */
  }
  if (!S_ISDIR(info.st_mode) || info.st_uid != geteuid() || (info.st_mode & 077)) {
    snprintf(error, error_size,
             "%s is not a private directory of uid %u (mode 0700): refusing to use it",
             directory, (unsigned)geteuid());
    return false;
  }
  return true;
}

/* A system's name becomes one file name in that directory: a '/' would
 * put the socket elsewhere (a name of "../x" anywhere the user can
 * write), and "", "." and ".." name no file of their own. The '*' is
 * minos ps's own, to find every system. */
static bool one_file_name(const char *system_name, char *error, size_t error_size) {
  if (strcmp(system_name, "*") == 0) return true;
  if (!system_name[0] || strchr(system_name, '/') || strcmp(system_name, ".") == 0 ||
      strcmp(system_name, "..") == 0) {
    char escaped[96];
    snprintf(error, error_size,
             "the system's name \"%s\" cannot name its control socket (it must be a file's "
             "name, without '/'): rename the system, or give the socket's path (minos up "
             "--control PATH)",
             escape_string(escaped, sizeof escaped, system_name));
    return false;
  }
  return true;
}

bool control_socket_path(const char *system_name, bool make, char *path, size_t size,
                         char *error, size_t error_size) {
  const char *runtime_dir = getenv("XDG_RUNTIME_DIR"), *chosen = getenv("MINOS_CONTROL_DIR");
  char directory[256];
  if (!one_file_name(system_name, error, error_size)) return false;
  if (chosen && chosen[0] == '/') snprintf(directory, sizeof directory, "%s", chosen);
  else if (geteuid() == 0) snprintf(directory, sizeof directory, "/run/minos");
  else if (runtime_dir && runtime_dir[0] == '/')
    snprintf(directory, sizeof directory, "%s/minos", runtime_dir);
  else snprintf(directory, sizeof directory, "/tmp/minos-%u", (unsigned)geteuid());
  if (!private_directory(directory, make, error, error_size)) return false;
  int length = snprintf(path, size, "%s/%s.sock", directory, system_name);
  if (length < 0 || (size_t)length >= size ||
      (size_t)length >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    snprintf(error, error_size,
             "the control socket's path is too long: %.64s/%.64s....sock (at most %zu bytes; "
             "give a shorter one with minos up --control PATH)",
             directory, system_name, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
    return false;
  }
  return true;
}

/* ---- replies ----------------------------------------------------------- */

/* Queues bytes for the client; a client that has not read this much is
 * not reading: it is dropped. */
static void queue(client *peer, const char *bytes, size_t length) {
  /* One reply of any size is taken when nothing is pending: a big
   * system's list is bounded by its spec. */
  if (peer->overflowed) return;
  /* Nor is the recent log asked for (logs): the ring bounds it, but its
   * escapes in JSON may make it bigger than the limit; what it has not
   * sent yet counts beside the limit, not against it. */
  if (peer->out.length && !peer->backlog &&
      peer->out.length + length > CONTROL_MAX_PENDING + peer->allowance) {
    /* Logged by the caller: this may run under the log ring's lock. */
    peer->out.length = 0;
    peer->closing = peer->overflowed = true;
    return;
  }
  if (!byte_buffer_append(&peer->out, bytes, length, 0)) peer->closing = true;
}

/* Bytes the client took. */
static void consume(client *peer, size_t sent) {
  byte_buffer_consume(&peer->out, sent);
  if (peer->allowance > peer->out.length) peer->allowance = peer->out.length;
}

static void queue_reply(client *peer, char *reply) {
  static const char out_of_memory[] = "{\"ok\":false,\"error\":\"out of memory\"}\n";
  if (reply) queue(peer, reply, strlen(reply));
  else queue(peer, out_of_memory, sizeof out_of_memory - 1);
  free(reply);
}

static void queue_error(client *peer, const char *message) {
  queue_reply(peer, control_error_reply(message));
}

/* ---- requests ---------------------------------------------------------- */

typedef struct parse_error {
  char message[200];
} parse_error;

static void note_parse_error(void *context, const char *path, json_position at,
                             const char *message) {
  parse_error *error = context;
  (void)path;
  if (!error->message[0])
    snprintf(error->message, sizeof error->message, "malformed request (column %u): %s",
             at.column, message);
}

/* ---- the log: logs and subscribe --------------------------------------- */

static const char *level_name(log_level level) {
  static const char *const names[] = {"output", "error", "warn", "info", "debug"};
  return level <= LOG_DEBUG ? names[level] : "info";
}

static bool record_matches(const void *context, const log_record *record) {
  const client *peer = context;
  size_t length = strlen(peer->cell);
  if (record->kind == RECORD_EVENT ? !peer->events : !peer->logs) return false;
  return !length || (strncmp(record->who, peer->cell, length) == 0 &&
                     (!record->who[length] || record->who[length] == '#'));
}

/* {"log":{...}} or {"event":{...}}, one line. */
static void send_record(void *context, const log_record *record) {
  client *peer = context;
  if (!record_matches(peer, record) || peer->closing) return;
  if (record->kind == RECORD_EVENT) {
    queue(peer, "{\"event\":", 9);
    queue(peer, record->text, record->length);
    queue(peer, "}\n", 2);
    return;
  }
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_key(&out, "log");
  json_out_begin_object(&out);
  json_out_member_uint(&out, "seq", record->sequence);
  json_out_member_string(&out, "level", level_name(record->level));
  json_out_member_string(&out, "cell", record->who);
  json_out_key(&out, "line");
  json_out_string_bytes(&out, record->text, record->length);
  json_out_end_object(&out);
  json_out_end_object(&out);
  char *line = json_out_finish(&out);
  if (line) queue(peer, line, strlen(line));
  free(line);
}

/* A boolean member, `otherwise` where absent: false (the client told
 * why) if it is there but not true or false. */
static bool take_boolean(client *peer, const json_value *request, const char *key, bool otherwise,
                         bool *out) {
  const json_value *value = json_object_get(request, key);
  *out = otherwise;
  if (!value) return true;
  if (value->type != JSON_BOOLEAN) {
    char message[96];
    snprintf(message, sizeof message, "\"%s\" must be true or false", key);
    queue_error(peer, message);
    return false;
  }
  *out = value->boolean;
  return true;
}

/* Which cell's records: false (the client told why) if "cell" is there
 * but names no cell of the system (NAME, or one instance's NAME#N). */
static bool take_cell_filter(control_socket *self, client *peer, const json_value *request) {
  const json_value *cell = json_object_get(request, "cell");
  peer->cell[0] = '\0';
  if (!cell) return true;
  if (cell->type != JSON_STRING || cell->string.length >= sizeof peer->cell ||
      strlen(cell->string.text) != cell->string.length) {
    queue_error(peer, "\"cell\" must be a cell's name");
    return false;
  }
  char base[sizeof peer->cell];
  memcpy(base, cell->string.text, cell->string.length + 1);
  char *instance = strchr(base, '#');
  if (instance) *instance = '\0';
  if (self->knows_cell && !self->knows_cell(self->context, base)) {
    char message[160], escaped[96];
    snprintf(message, sizeof message, "no cell named \"%s\" in system %.40s",
             escape_string(escaped, sizeof escaped, base), self->system_name);
    queue_error(peer, message);
    return false;
  }
  memcpy(peer->cell, cell->string.text, cell->string.length + 1);
  return true;
}

/* logs: the last `lines` lines (default 100), one {"log":...} line each,
 * then {"ok":true,...}; with "follow", new lines keep coming. */
static void send_logs(control_socket *self, client *peer, const json_value *request) {
  const json_value *lines = json_object_get(request, "lines");
  long long wanted = 100;
  bool follow;
  if (lines && (lines->type != JSON_NUMBER || !lines->number.is_integer ||
                lines->number.integer < 0)) {
    queue_error(peer, "\"lines\" must be a count");
    return;
  }
  if (lines) wanted = lines->number.integer;
  if (!take_boolean(peer, request, "follow", false, &follow) ||
      !take_cell_filter(self, peer, request))
    return;
  peer->logs = true;
  peer->events = false;
  uint64_t from = log_ring_recent(&self->ring,
                                  wanted > LOG_RING_RECORDS ? LOG_RING_RECORDS : (size_t)wanted,
                                  record_matches, peer);
  size_t before = peer->out.length;
  peer->backlog = true;
  peer->seen = log_ring_read(&self->ring, from, send_record, peer);
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_bool(&out, "ok", true);
  json_out_member_bool(&out, "following", follow);
  json_out_end_object(&out);
  queue_reply(peer, json_out_finish(&out));
  peer->backlog = false;
  peer->allowance = peer->out.length - before;
  peer->follows = follow;
}

/* subscribe: {"ok":true}, then every new event (and log line, unless
 * "logs" is false) as it happens. */
static void subscribe(control_socket *self, client *peer, const json_value *request) {
  bool logs;
  if (!take_boolean(peer, request, "logs", true, &logs) || !take_cell_filter(self, peer, request))
    return;
  peer->events = true;
  peer->logs = logs;
  peer->seen = log_ring_read(&self->ring, log_ring_recent(&self->ring, 0, NULL, NULL),
                             send_record, peer);
  peer->follows = true;
  queue_reply(peer, control_ok_reply());
}

static void tap_into_ring(void *context, log_level level, const char *who, const char *line,
                          size_t length) {
  control_socket *self = context;
  log_ring_append(&self->ring, RECORD_LOG, level, who, line, length);
}

void control_socket_event(control_socket *self, const char *cell, const char *object) {
  if (self) log_ring_append(&self->ring, RECORD_EVENT, LOG_INFO, cell, object, strlen(object));
}

/* New records to every follower. */
static void pass_on_records(control_socket *self) {
  for (size_t i = 0; i < self->client_count; i++) {
    client *peer = &self->clients[i];
    if (peer->follows && !peer->closing)
      peer->seen = log_ring_read(&self->ring, peer->seen, send_record, peer);
  }
}

static void handle_line(control_socket *self, client *peer, char *line, size_t length) {
  if (length == 0) return; /* blank lines are allowed between requests */
  parse_error error = {{0}};
  json_value *request = json_parse(line, length, note_parse_error, &error);
  const json_value *name = request ? json_object_get(request, "request") : NULL;
  if (!request) queue_error(peer, error.message[0] ? error.message : "malformed request");
  else if (request->type != JSON_OBJECT || !name || name->type != JSON_STRING ||
           strlen(name->string.text) != name->string.length)
    queue_error(peer, "a request is a JSON object with a \"request\" string");
  else if (peer->follows)
    queue_error(peer, "this connection follows the log; open another for requests");
  else if (strcmp(name->string.text, "logs") == 0)
    send_logs(self, peer, request);
  else if (strcmp(name->string.text, "subscribe") == 0)
    subscribe(self, peer, request);
  else if (self->handler(self->context, request, peer->ticket)) {
    peer->awaiting = true; /* the handler has it now */
    return;
  } else
    queue_reply(peer, NULL);
  json_free(request);
}

/* The whole lines that came, one request each, while no earlier request
 * waits for its reply; then, at the client's end of input, what is left
 * (a last request without its newline). A line past the limit is refused
 * and the client closed (it could otherwise make us hold any amount). */
static void handle_lines(control_socket *self, client *peer) {
  while (!peer->awaiting && !peer->closing && peer->in_start < peer->in_length) {
    char *start = peer->in + peer->in_start;
    size_t left = peer->in_length - peer->in_start;
    char *newline = memchr(start, '\n', left);
    size_t length = newline ? (size_t)(newline - start) : left;
    if (length > CONTROL_MAX_REQUEST) {
      queue_error(peer, "request too long (the limit is 65536 bytes per line)");
      peer->closing = true;
      break;
    }
    if (!newline && !peer->input_ended) break; /* the rest comes later */
    peer->in_start += length + (newline != NULL);
    peer->line_begun_at = monotonic_ns(); /* the next line's, if any came */
    if (length && start[length - 1] == '\r') length--;
    handle_line(self, peer, start, length);
  }
  if (peer->in_start == peer->in_length) peer->in_start = peer->in_length = 0;
  /* All said and answered: close, unless it follows the log. */
  if (peer->input_ended && !peer->awaiting && !peer->in_length && !peer->follows)
    peer->closing = true;
}

/* Room for another read: what is handled goes, the rest moves to the
 * front, and the buffer grows (as far as a line may go, and a read). */
static bool make_room(client *peer, size_t wanted) {
  if (peer->in_start) {
    memmove(peer->in, peer->in + peer->in_start, peer->in_length - peer->in_start);
    peer->in_length -= peer->in_start;
    peer->in_start = 0;
  }
  if (peer->in_capacity - peer->in_length >= wanted) return true;
  size_t capacity = peer->in_capacity ? peer->in_capacity : 4096;
  while (capacity - peer->in_length < wanted) capacity *= 2;
  char *grown = realloc(peer->in, capacity);
  if (!grown) return false;
  peer->in = grown;
  peer->in_capacity = capacity;
  return true;
}

/* What came, kept until it makes lines. */
static void take_input(control_socket *self, client *peer, const char *bytes, size_t length) {
  if (peer->closing) return; /* its reply is on the way; the rest is dropped */
  if (!make_room(peer, length + 1)) {
    queue_reply(peer, NULL);
    peer->closing = true;
    return;
  }
  if (peer->in_length == 0) peer->line_begun_at = monotonic_ns();
  memcpy(peer->in + peer->in_length, bytes, length);
  peer->in_length += length;
  handle_lines(self, peer);
}

/* A reply from the handler: to its client (if still there), whose next
 * requests then go on. */
static void deliver(control_socket *self, uint64_t ticket, char *reply);

static void deliver_replies(control_socket *self) {
  pthread_mutex_lock(&self->replies_lock);
  pending_reply *replies = self->replies;
  self->replies = NULL;
  self->replies_tail = &self->replies;
  pthread_mutex_unlock(&self->replies_lock);
  for (pending_reply *next; replies; replies = next) {
    next = replies->next;
    deliver(self, replies->ticket, replies->reply);
    free(replies);
  }
}

void control_socket_reply(control_socket *self, uint64_t ticket, char *reply) {
  pending_reply *pending = malloc(sizeof *pending);
  if (!pending) { /* its client waits until it gives up */
    free(reply);
    log_message(LOG_WARN, NULL, "control: out of memory: a reply is lost");
    return;
  }
  *pending = (pending_reply){.ticket = ticket, .reply = reply};
  pthread_mutex_lock(&self->replies_lock);
  *self->replies_tail = pending;
  self->replies_tail = &pending->next;
  pthread_mutex_unlock(&self->replies_lock);
  if (write(self->news[1], "r", 1) < 0) { /* a full pipe holds a wake-up already */ }
}

/* ---- metrics over HTTP --------------------------------------------------- */

/* The answer's head and body; the connection stays open after it only if
 * the request asked for that and the answer allows it. */
static void http_reply(client *peer, const char *status, const char *type, const char *body,
                       const http_request *request) {
  char head[320];
  size_t length = body ? strlen(body) : 0;
  int written = snprintf(head, sizeof head,
                         "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                         "Connection: %s\r\n\r\n",
                         status, type, length,
                         request->status == 405 ? "Allow: GET, HEAD\r\n" : "",
                         request->keep_alive ? "keep-alive" : "close");
  queue(peer, head, (size_t)written);
  if (body && !request->head_only) queue(peer, body, length);
  if (!request->keep_alive) peer->closing = true;
}

static void http_error(client *peer, const http_request *request) {
  static const struct {
    int status;
    const char *line, *body;
  } errors[] = {
      {400, "400 Bad Request", "bad request\n"},
      {404, "404 Not Found", "the metrics are at /metrics\n"},
      {405, "405 Method Not Allowed", "GET /metrics only\n"},
      {431, "431 Request Header Fields Too Large", "request head too large\n"},
      {505, "505 HTTP Version Not Supported", "HTTP/1.0 and HTTP/1.1 only\n"},
  };
  size_t i = 0;
  while (i + 1 < sizeof errors / sizeof errors[0] && errors[i].status != request->status) i++;
  http_reply(peer, errors[i].line, "text/plain; charset=utf-8", errors[i].body, request);
}

static void http_unavailable(client *peer, const http_request *request) {
  http_request closing = *request;
  closing.keep_alive = false;
  http_reply(peer, "503 Service Unavailable", "text/plain; charset=utf-8", "no metrics now\n",
             &closing);
}

/* GET (or HEAD) /metrics gets the metrics (once the supervisor gives
 * them: deliver); anything else its error. */
static void answer_http(control_socket *self, client *peer, const http_request *request) {
  if (request->status != 200) {
    http_error(peer, request);
    return;
  }
  if (!self->metrics(self->context, peer->ticket)) {
    http_unavailable(peer, request);
    return;
  }
  peer->awaiting = true;
  peer->pending = *request;
}

static void answer_http_metrics(client *peer, char *text) {
  if (!text) http_unavailable(peer, &peer->pending);
  else http_reply(peer, "200 OK", "text/plain; version=0.0.4; charset=utf-8", text, &peer->pending);
  free(text);
}

/* Answers the first whole request head in the client's buffer, if the
 * answer before it is all sent: a client that sends many requests at
 * once (pipelining) and reads slowly has one answer built at a time, and
 * the rest wait in its bounded buffer. False if none was answered. */
static bool answer_next_head(control_socket *self, client *peer) {
  if (peer->closing || peer->awaiting || peer->out.length || !peer->in_length) return false;
  http_request request;
  size_t used = http_request_read(peer->in, peer->in_length, CONTROL_MAX_HTTP_REQUEST, &request);
  if (used == 0) return false;
  answer_http(self, peer, &request);
  memmove(peer->in, peer->in + used, peer->in_length - used);
  peer->in_length -= used;
  peer->accepted_at = monotonic_ns(); /* the next request has its own time */
  return true;
}

/* Reads what fits in the client's buffer (nothing while it is full of
 * requests waiting for their turn; once answered and closing, what comes
 * is dropped). False once the client has gone. */
static bool read_http_input(client *peer) {
  char dropped[4096];
  bool keep = !peer->closing;
  if (keep && !peer->in && !(peer->in = malloc(CONTROL_MAX_HTTP_REQUEST))) return false;
  size_t room = keep ? CONTROL_MAX_HTTP_REQUEST - peer->in_length : sizeof dropped;
  if (room == 0) return true;
  ssize_t got = recv(peer->fd, keep ? peer->in + peer->in_length : dropped, room, 0);
  if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return false;
  if (got > 0 && keep) peer->in_length += (size_t)got;
  return true;
}

/* ---- clients ----------------------------------------------------------- */

static void deliver(control_socket *self, uint64_t ticket, char *reply) {
  client *peer = NULL;
  for (size_t i = 0; i < self->client_count && !peer; i++)
    if (self->clients[i].ticket == ticket) peer = &self->clients[i];
  if (!peer || !peer->awaiting) {
    free(reply); /* it went meanwhile */
    return;
  }
  peer->awaiting = false;
  if (peer->http) {
    answer_http_metrics(peer, reply);
    return;
  }
  queue_reply(peer, reply);
  handle_lines(self, peer); /* the requests that waited behind it */
}

static void drop_client(control_socket *self, size_t index) {
  client *peer = &self->clients[index];
  if (peer->overflowed)
    log_message(LOG_WARN, NULL, "control: a client read none of %d bytes of replies; dropped",
                CONTROL_MAX_PENDING);
  close(peer->fd);
  free(peer->in);
  byte_buffer_free(&peer->out);
  self->clients[index] = self->clients[--self->client_count];
}

static bool same_user(int fd, char *why, size_t why_size) {
  struct ucred credentials;
  socklen_t size = sizeof credentials;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
    snprintf(why, why_size, "permission denied: cannot tell who the peer is");
    return false;
  }
  if (credentials.uid == geteuid() || credentials.uid == 0) return true;
  snprintf(why, why_size,
           "permission denied: uid %u does not own this system (only uid %u and root may "
           "control it)",
           (unsigned)credentials.uid, (unsigned)geteuid());
  return false;
}

static void greet(control_socket *self, client *peer) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "minos", "control");
  json_out_member_uint(&out, "version", CONTROL_PROTOCOL_VERSION);
  json_out_member_string(&out, "system", self->system_name);
  json_out_member_uint(&out, "pid", (uint64_t)getpid());
  json_out_end_object(&out);
  queue_reply(peer, json_out_finish(&out));
}

/* A refused peer gets one line, written without waiting, and is closed. */
static void refuse(int fd, const char *why) {
  char *reply = control_error_reply(why);
  if (reply && send(fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) { /* gone */ }
  free(reply);
  close(fd);
}

/* How many clients of the kind (HTTP or control) are connected. */
static size_t clients_of_kind(const control_socket *self, bool http) {
  size_t count = 0;
  for (size_t i = 0; i < self->client_count; i++) count += self->clients[i].http == http;
  return count;
}

/* A metrics client to let go for a new one: the one waiting longest for
 * a request (a scraper that connected and says nothing, or slowly) or for
 * its end after its last answer, so that such clients can never hold
 * every place; none while each is being answered. Returns its index, or
 * client_count. */
static size_t idlest_http_client(const control_socket *self) {
  size_t chosen = self->client_count;
  for (size_t i = 0; i < self->client_count; i++) {
    const client *peer = &self->clients[i];
    if (!peer->http || peer->awaiting || peer->out.length || (peer->closing && !peer->linger_until))
      continue;
    if (chosen == self->client_count || peer->accepted_at < self->clients[chosen].accepted_at)
      chosen = i;
  }
  return chosen;
}

/* Whether there is a place for a new client of the kind (an idle metrics
 * client may be let go for it); false: the new one is refused. */
static bool make_place(control_socket *self, bool http) {
  if (!http) return clients_of_kind(self, false) < CONTROL_MAX_CLIENTS;
  if (clients_of_kind(self, true) < CONTROL_MAX_HTTP_CLIENTS) return true;
  size_t idlest = idlest_http_client(self);
  if (idlest == self->client_count) return false;
  drop_client(self, idlest);
  return true;
}

/* At most ACCEPTS_AT_ONCE new clients a turn: the ones taken get their
 * requests read before a flood of others could push them out. */
enum { ACCEPTS_AT_ONCE = 8 };

static void accept_clients(control_socket *self, int listening_fd) {
  bool http = listening_fd == self->metrics_fd;
  for (int accepted = 0; accepted < ACCEPTS_AT_ONCE; accepted++) {
    int fd = accept4(listening_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    char why[160];
    if (!http && !same_user(fd, why, sizeof why)) {
      log_message(LOG_WARN, NULL, "control: refused a client: %s", why);
      refuse(fd, why);
      continue;
    }
    if (!make_place(self, http)) {
      if (http) close(fd);
      else refuse(fd, "too many control clients at once");
      continue;
    }
    client *peer = &self->clients[self->client_count++];
    *peer = (client){.fd = fd, .ticket = ++self->next_ticket, .http = http,
                     .accepted_at = monotonic_ns()};
    if (!http) greet(self, peer);
  }
}

/* Reads what the client sent and writes what it can take; false once the
 * client is to be dropped. */
/* Writes what the client can take now; false if it has gone. */
static bool send_pending(client *peer) {
  while (peer->out.length) {
    ssize_t sent =
        send(peer->fd, peer->out.bytes, peer->out.length, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) return errno == EAGAIN || errno == EINTR;
    consume(peer, (size_t)sent);
  }
  return true;
}

static bool serve_client(control_socket *self, client *peer, short events) {
  if ((events & POLLIN) && peer->http) {
    if (!read_http_input(peer)) return false;
  } else if (events & POLLIN) {
    char buffer[16384];
    ssize_t got = recv(peer->fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (got > 0) take_input(self, peer, buffer, (size_t)got);
    if (got == 0 && peer->linger_until) return false;
    if (got == 0) { /* its end of input: a last line is a request too */
      peer->input_ended = true;
      handle_lines(self, peer);
    }
  } else if (events & (POLLHUP | POLLERR) && !(events & POLLOUT)) {
    return false;
  }
  /* A metrics client's requests, each answered once the one before is out. */
  for (;;) {
    if (!send_pending(peer)) return false;
    if (peer->out.length || !peer->http || !answer_next_head(self, peer)) break;
  }
  if (!peer->closing || peer->out.length > 0) return true;
  if (peer->input_ended && !peer->http) return false; /* it has said all and read all */
  /* All said: the peer gets an orderly end of stream, and what it still
   * sends is read and dropped until it closes, for a bounded time (a close
   * with unread bytes would reset the connection and could lose the
   * reply, such as a too-long request's error). */
  if (!peer->linger_until) {
    shutdown(peer->fd, SHUT_WR);
    peer->linger_until = monotonic_ns() + CONTROL_LINGER_NS;
  }
  return true;
}

/* A client that takes too long over a request (half a line for ever, or
 * a metrics client that says nothing) is told so and closed; one that
 * lingers past its time is closed. */
static bool overdue(client *peer, uint64_t now) {
  if (peer->linger_until) return now > peer->linger_until;
  if (peer->http)
    return !peer->awaiting && now - peer->accepted_at > CONTROL_HTTP_IDLE_S * 1000000000ull;
  if (peer->closing || peer->awaiting || peer->in_length == peer->in_start) return false;
  if (now - peer->line_begun_at <= CONTROL_REQUEST_TIMEOUT_S * 1000000000ull) return false;
  queue_error(peer, "request not finished in time (a line must end within 10 s of its start)");
  peer->closing = true;
  return false; /* closed once its error is sent */
}

/* What the poll waits for from a client: a control client's input while
 * no request of its is with the handler; a metrics client's while its
 * buffer has room (its answers go out first) or once it is closing (what
 * it sends is then dropped). */
static short wanted_events(const client *peer) {
  short events = peer->out.length ? POLLOUT : 0;
  bool reading = peer->http ? peer->closing || peer->in_length < CONTROL_MAX_HTTP_REQUEST
                            : !peer->awaiting && !peer->input_ended;
  if (reading) events |= POLLIN;
  return events;
}

/* Whether some client has a clock running (overdue). */
static bool timed(const client *peer) {
  return peer->http || peer->linger_until || (peer->in_length > peer->in_start && !peer->awaiting);
}

/* The end: what followers have not been sent yet and replies still queued
 * go out for a bounded time, then every client is closed. */
static void flush_and_drop_all(control_socket *self) {
  deliver_replies(self);
  pass_on_records(self);
  uint64_t until = monotonic_ns() + CONTROL_FINAL_FLUSH_MS * 1000000ull;
  struct pollfd polled[CONTROL_MAX_CLIENTS + CONTROL_MAX_HTTP_CLIENTS];
  for (;;) {
    size_t count = 0;
    for (size_t i = 0; i < self->client_count; i++)
      if (self->clients[i].out.length)
        polled[count++] = (struct pollfd){.fd = self->clients[i].fd, .events = POLLOUT};
    uint64_t now = monotonic_ns();
    if (!count || now >= until) break;
    if (poll(polled, count, (int)((until - now) / 1000000) + 1) < 0 && errno != EINTR) break;
    for (size_t i = self->client_count; i-- > 0;) {
      client *peer = &self->clients[i];
      if (peer->out.length && !send_pending(peer)) drop_client(self, i);
    }
  }
  while (self->client_count) drop_client(self, self->client_count - 1);
}

static void *serve(void *argument) {
  control_socket *self = argument;
  enum { FIXED = 4 };
  struct pollfd polled[CONTROL_MAX_CLIENTS + CONTROL_MAX_HTTP_CLIENTS + FIXED];
  for (;;) {
    polled[0] = (struct pollfd){.fd = self->wake[0], .events = POLLIN};
    polled[1] = (struct pollfd){.fd = self->listening_fd, .events = POLLIN};
    polled[2] = (struct pollfd){.fd = self->news[0], .events = POLLIN};
    polled[3] = (struct pollfd){.fd = self->metrics_fd, .events = POLLIN};
    bool clock_running = false;
    for (size_t i = 0; i < self->client_count; i++) {
      polled[FIXED + i] = (struct pollfd){.fd = self->clients[i].fd,
                                          .events = wanted_events(&self->clients[i])};
      clock_running |= timed(&self->clients[i]);
    }
    size_t count = self->client_count;
    if (poll(polled, FIXED + count, clock_running ? 1000 : -1) < 0 && errno != EINTR) break;
    if (polled[0].revents) break;
    if (polled[2].revents) {
      char drained[256];
      while (read(self->news[0], drained, sizeof drained) > 0) continue;
      deliver_replies(self);
      pass_on_records(self);
    }
    uint64_t now = monotonic_ns();
    for (size_t i = count; i-- > 0;) {
      short events = polled[FIXED + i].revents;
      client *peer = &self->clients[i];
      /* A follower with new records, or a client with a reply that came,
       * writes them even without an event of its own. */
      if (overdue(peer, now) ||
          ((events || peer->out.length) && !serve_client(self, peer, events)))
        drop_client(self, i);
    }
    if (polled[1].revents) accept_clients(self, self->listening_fd);
    if (polled[3].revents) accept_clients(self, self->metrics_fd);
  }
  flush_and_drop_all(self);
  return NULL;
}

/* ---- the socket -------------------------------------------------------- */

/* Whether a system is accepting at path (a socket left by one that died
 * is not). */
static bool someone_listens(const struct sockaddr_un *address) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool listening = fd >= 0 && connect(fd, (const struct sockaddr *)address, sizeof *address) == 0;
  if (fd >= 0) close(fd);
  return listening;
}

static int listen_at(const char *path, char *error, size_t error_size) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof address.sun_path) {
    snprintf(error, error_size, "the control socket's path is too long: %s", path);
    return -1;
  }
  strcpy(address.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(error, error_size, "cannot make the control socket: %s", strerror(errno));
    return -1;
  }
  int bound = bind(fd, (struct sockaddr *)&address, sizeof address);
  if (bound != 0 && errno == EADDRINUSE) {
    if (someone_listens(&address)) {
      snprintf(error, error_size, "a system is running already with the control socket %s", path);
      close(fd);
      return -1;
    }
    unlink(path);
    bound = bind(fd, (struct sockaddr *)&address, sizeof address);
  }
  /* 0600 before anyone can reach it: the directory (ours, 0700) keeps
   * others out until then, and SO_PEERCRED is checked anyway. */
  if (bound != 0 || chmod(path, 0600) != 0 || listen(fd, 64) != 0) {
    snprintf(error, error_size, "cannot listen at %s: %s", path, strerror(errno));
    if (bound == 0) unlink(path);
    close(fd);
    return -1;
  }
  return fd;
}

static int listen_for_metrics(const char *address, char *error, size_t error_size) {
  char rule[NET_ENDPOINT_TEXT_MAX];
  net_endpoint endpoint;
  int fd = -1;
  int length = snprintf(rule, sizeof rule, "tcp:%s", address);
  if (length < 0 || (size_t)length >= sizeof rule ||
      !net_endpoint_parse(rule, (size_t)length, &endpoint))
    snprintf(error, error_size, "metrics: not an address: %s", address);
  else if (net_listen_socket(&endpoint, &fd) != MINOS_OK)
    snprintf(error, error_size, "metrics: cannot listen at %s: %s", address, strerror(errno));
  return fd;
}

static void free_replies(control_socket *self) {
  for (pending_reply *next; self->replies; self->replies = next) {
    next = self->replies->next;
    free(self->replies->reply);
    free(self->replies);
  }
  self->replies_tail = &self->replies;
}

minos_status control_socket_open(const control_socket_config *config, control_socket **out,
                                 char *error, size_t error_size) {
  control_socket *self = calloc(1, sizeof *self);
  if (!self || !(self->system_name = strdup(config->system_name))) {
    free(self);
    snprintf(error, error_size, "out of memory");
    return MINOS_ENOMEM;
  }
  snprintf(self->path, sizeof self->path, "%s", config->path);
  self->handler = config->handler;
  self->metrics = config->metrics;
  self->knows_cell = config->knows_cell;
  self->context = config->context;
  self->wake[0] = self->wake[1] = self->news[0] = self->news[1] = -1;
  self->metrics_fd = -1;
  self->replies_tail = &self->replies;
  pthread_mutex_init(&self->replies_lock, NULL);
  self->listening_fd = listen_at(config->path, error, error_size);
  bool listening = self->listening_fd >= 0;
  if (listening && config->metrics_address) {
    self->metrics_fd = listen_for_metrics(config->metrics_address, error, error_size);
    listening = self->metrics_fd >= 0;
  }
  bool piped = listening && pipe2(self->wake, O_CLOEXEC) == 0 &&
               pipe2(self->news, O_CLOEXEC | O_NONBLOCK) == 0;
  if (piped) {
    log_ring_init(&self->ring, self->news[1]);
    log_set_tap(tap_into_ring, self);
  }
  if (!piped || pthread_create(&self->thread, NULL, serve, self) != 0) {
    if (piped) {
      log_set_tap(NULL, NULL);
      log_ring_free(&self->ring);
    }
    if (listening) snprintf(error, error_size, "cannot start the control socket's thread");
    int fds[] = {self->news[0], self->news[1], self->wake[0], self->wake[1],
                 self->metrics_fd, self->listening_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
      if (fds[i] >= 0) close(fds[i]);
    if (self->listening_fd >= 0) unlink(config->path);
    pthread_mutex_destroy(&self->replies_lock);
    free(self->system_name);
    free(self);
    return MINOS_EIO;
  }
  *out = self;
  return MINOS_OK;
}

void control_socket_close(control_socket *self) {
  if (!self) return;
  /* Nobody new: the socket file goes first. */
  unlink(self->path);
  if (write(self->wake[1], "x", 1) != 1) { /* the thread sees the pipe anyway */ }
  pthread_join(self->thread, NULL);
  log_set_tap(NULL, NULL);
  log_ring_free(&self->ring);
  close(self->listening_fd);
  if (self->metrics_fd >= 0) close(self->metrics_fd);
  close(self->wake[0]);
  close(self->wake[1]);
  close(self->news[0]);
  close(self->news[1]);
  free_replies(self);
  pthread_mutex_destroy(&self->replies_lock);
  free(self->system_name);
  free(self);
}
