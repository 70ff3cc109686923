/* minos ps, kill, restart, stop: clients of running systems' control
 * sockets (control/control_socket.h). SYSTEM is a system's name (its
 * socket in the default place) or a socket's path (with a '/'). */
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/commands.h"
#include "control/control_socket.h"
#include "control/json_out.h"
#include "core/escape.h"
#include "core/log.h"
#include "spec/json.h"

#define REPLY_TIMEOUT_MS 10000
#define REPLY_MAX (64 * 1024 * 1024)

typedef struct connection {
  int fd;
  char *buffer;
  size_t length, capacity;
} connection;

static bool connect_to(const char *system, connection *out, char *error, size_t error_size) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  char path[sizeof address.sun_path];
  if (strchr(system, '/')) {
    if (strlen(system) >= sizeof path) {
      snprintf(error, error_size, "%s: path too long", system);
      return false;
    }
    snprintf(path, sizeof path, "%s", system);
  } else if (!control_socket_path(system, false, path, sizeof path, error, error_size)) {
    return false;
  }
  snprintf(address.sun_path, sizeof address.sun_path, "%s", path);
  *out = (connection){.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (out->fd < 0 || connect(out->fd, (struct sockaddr *)&address, sizeof address) != 0) {
    snprintf(error, error_size, "no system %s is running (%s: %s)", system, path,
             strerror(errno));
    if (out->fd >= 0) close(out->fd);
    return false;
  }
  return true;
}

static void disconnect(connection *link) {
  close(link->fd);
  free(link->buffer);
}

static void ignore_parse_error(void *context, const char *path, json_position at,
                               const char *message) {
  (void)context, (void)path, (void)at, (void)message;
}

/* The next line from the system, parsed (NULL: error says why); its text
 * in *raw if raw is not NULL (the caller frees it). */
static json_value *read_line_within(connection *link, char **raw, int timeout_ms, char *error,
                                    size_t error_size) {
  for (;;) {
    char *newline = link->length ? memchr(link->buffer, '\n', link->length) : NULL;
    if (newline) {
      size_t line = (size_t)(newline - link->buffer);
      json_value *reply = json_parse(link->buffer, line, ignore_parse_error, NULL);
      if (raw && reply && !(*raw = strndup(link->buffer, line))) {
        json_free(reply);
        reply = NULL;
      }
      memmove(link->buffer, newline + 1, link->length - line - 1);
      link->length -= line + 1;
      if (!reply) snprintf(error, error_size, "the system sent a malformed reply");
      return reply;
    }
    if (link->length + 65536 > link->capacity) {
      size_t capacity = link->capacity ? link->capacity * 2 : 65536 * 2;
      char *grown = capacity <= REPLY_MAX ? realloc(link->buffer, capacity) : NULL;
      if (!grown) {
        snprintf(error, error_size, "the system's reply is too long");
        return NULL;
      }
      link->buffer = grown;
      link->capacity = capacity;
    }
    struct pollfd readable = {.fd = link->fd, .events = POLLIN};
    ssize_t got = poll(&readable, 1, timeout_ms) == 1
                      ? recv(link->fd, link->buffer + link->length, 65536, 0)
                      : -1;
    if (got <= 0) {
      snprintf(error, error_size, "the system did not answer (%s)",
               got == 0 ? "it closed the connection" : "timed out");
      return NULL;
    }
    link->length += (size_t)got;
  }
}

static json_value *read_reply(connection *link, char **raw, char *error, size_t error_size) {
  return read_line_within(link, raw, REPLY_TIMEOUT_MS, error, error_size);
}

/* Connects, checks the greeting, sends one request and returns its reply
 * (NULL: printed why). */
static json_value *ask_on(connection *link, const char *system, const char *request,
                          char **raw) {
  char error[512];
  json_value *hello = read_reply(link, NULL, error, sizeof error), *reply = NULL;
  const json_value *version = hello ? json_object_get(hello, "version") : NULL;
  const json_value *refused = hello ? json_object_get(hello, "error") : NULL;
  if (refused && refused->type == JSON_STRING)
    snprintf(error, sizeof error, "%s", refused->string.text);
  else if (hello && (!version || version->type != JSON_NUMBER ||
                     version->number.integer != CONTROL_PROTOCOL_VERSION))
    snprintf(error, sizeof error, "the system speaks another version of the control protocol");
  else if (hello && send(link->fd, request, strlen(request), MSG_NOSIGNAL) < 0)
    snprintf(error, sizeof error, "cannot send: %s", strerror(errno));
  else if (hello)
    reply = read_reply(link, raw, error, sizeof error);
  if (!reply) log_error("%s: %s", system, error);
  json_free(hello);
  return reply;
}

static json_value *ask(const char *system, const char *request, char **raw) {
  char error[512];
  connection link;
  if (!connect_to(system, &link, error, sizeof error)) {
    log_error("%s", error);
    return NULL;
  }
  json_value *reply = ask_on(&link, system, request, raw);
  disconnect(&link);
  return reply;
}

static const char *text_of(const json_value *object, const char *key, const char *otherwise) {
  const json_value *value = json_object_get(object, key);
  return value && value->type == JSON_STRING ? value->string.text : otherwise;
}

static uint64_t number_of(const json_value *object, const char *key) {
  const json_value *value = json_object_get(object, key);
  return value && value->type == JSON_NUMBER && value->number.is_integer &&
                 value->number.integer > 0
             ? (uint64_t)value->number.integer
             : 0;
}

static double real_of(const json_value *object, const char *key) {
  const json_value *value = json_object_get(object, key);
  if (!value || value->type != JSON_NUMBER) return 0;
  return value->number.is_integer ? (double)value->number.integer : value->number.real;
}

/* A reply's error, printed; true if it was one. */
static bool failed(const char *system, const json_value *reply) {
  const json_value *ok = json_object_get(reply, "ok");
  if (ok && ok->type == JSON_BOOLEAN && ok->boolean) return false;
  char escaped[512];
  log_error("%s: %s", system, escape_string(escaped, sizeof escaped, text_of(reply, "error", "refused")));
  return true;
}

/* ---- minos ps ----------------------------------------------------------- */

static void format_duration(uint64_t ns, char *text, size_t size) {
  uint64_t seconds = ns / 1000000000u;
  if (seconds >= 86400) snprintf(text, size, "%" PRIu64 "d%02" PRIu64 "h", seconds / 86400, seconds % 86400 / 3600);
  else if (seconds >= 3600) snprintf(text, size, "%" PRIu64 "h%02" PRIu64 "m", seconds / 3600, seconds % 3600 / 60);
  else if (seconds >= 60) snprintf(text, size, "%" PRIu64 "m%02" PRIu64 "s", seconds / 60, seconds % 60);
  else snprintf(text, size, "%.1fs", (double)ns / 1e9);
}

static void format_bytes(uint64_t bytes, char *text, size_t size) {
  static const char *const units[] = {"B", "K", "M", "G", "T"};
  double value = (double)bytes;
  size_t unit = 0;
  while (value >= 1024 && unit < 4) value /= 1024, unit++;
  snprintf(text, size, unit ? "%.1f%s" : "%.0f%s", value, units[unit]);
}

static void print_cell(const char *system, const json_value *item) {
  char name[64], uptime[24] = "-", cpu[24] = "-", resident[24] = "-", memory[24] = "-",
       pid[16] = "-", restarts[24] = "-", extra[96] = "";
  escape_string(name, sizeof name, text_of(item, "instance", text_of(item, "name", "?")));
  if (json_object_get(item, "uptime_ns")) {
    format_duration(number_of(item, "uptime_ns"), uptime, sizeof uptime);
    snprintf(cpu, sizeof cpu, "%.2fs %4.1f%%", (double)number_of(item, "cpu_ns") / 1e9,
             real_of(item, "cpu_percent"));
    format_bytes(number_of(item, "resident_bytes"), resident, sizeof resident);
    format_bytes(number_of(item, "memory_bytes"), memory, sizeof memory);
  }
  if (number_of(item, "pid")) snprintf(pid, sizeof pid, "%" PRIu64, number_of(item, "pid"));
  if (strcmp(text_of(item, "kind", ""), "trigger") == 0)
    snprintf(extra, sizeof extra, "running %" PRIu64 " queued %" PRIu64 " refused %" PRIu64,
             number_of(item, "running"), number_of(item, "queued"), number_of(item, "refused"));
  else
    snprintf(restarts, sizeof restarts, "%" PRIu64, number_of(item, "restarts"));
  char fds[24] = "-";
  if (json_object_get(item, "descriptors"))
    snprintf(fds, sizeof fds, "%" PRIu64, number_of(item, "descriptors"));
  printf("%-12s %-16s %-6s %-10s %7s %8s %8s %-14s %8s %8s %4s %s\n", system, name,
         text_of(item, "arch", "?"), text_of(item, "state", "?"), pid, uptime, restarts, cpu,
         resident, memory, fds, extra);
}

static int ps_one(const char *system, bool as_json, bool *header_printed) {
  char *raw = NULL;
  json_value *reply = ask(system, "{\"request\":\"list\"}\n", &raw);
  if (!reply) return EXIT_RUNTIME_ERROR;
  int status = 0;
  const json_value *cells = json_object_get(reply, "cells");
  if (failed(system, reply)) status = EXIT_RUNTIME_ERROR;
  else if (!cells || cells->type != JSON_ARRAY) {
    log_error("%s: the reply has no cells", system);
    status = EXIT_RUNTIME_ERROR;
  } else if (as_json) {
    printf("%s\n", raw); /* what the system said: one JSON line per system */
  } else {
    if (!*header_printed)
      printf("%-12s %-16s %-6s %-10s %7s %8s %8s %-14s %8s %8s %4s %s\n", "SYSTEM", "CELL",
             "ARCH", "STATE", "PID", "UPTIME", "RESTARTS", "CPU", "RSS", "MEMORY", "FDS", "");
    *header_printed = true;
    char system_name[64];
    escape_string(system_name, sizeof system_name, text_of(reply, "system", system));
    for (size_t i = 0; i < cells->array.count; i++)
      if (cells->array.items[i]->type == JSON_OBJECT)
        print_cell(system_name, cells->array.items[i]);
  }
  json_free(reply);
  free(raw);
  return status;
}

/* Every system of the user: the sockets in the default place. */
static int ps_all(bool as_json) {
  char path[256], error[512];
  if (!control_socket_path("*", false, path, sizeof path, error, sizeof error)) {
    log_error("%s", error);
    return EXIT_RUNTIME_ERROR;
  }
  glob_t found;
  int status = 0;
  bool header_printed = false;
  if (glob(path, 0, NULL, &found) != 0) {
    if (!as_json) printf("no system is running (none in %s)\n", path);
    return 0;
  }
  for (size_t i = 0; i < found.gl_pathc; i++)
    if (ps_one(found.gl_pathv[i], as_json, &header_printed) != 0) status = EXIT_RUNTIME_ERROR;
  globfree(&found);
  return status;
}

#define PS_USAGE "minos ps [--json] [SYSTEM]"

int command_ps(int argc, char **argv) {
  bool as_json = false;
  const char *system = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) as_json = true;
    else if (argv[i][0] == '-' || system) {
      log_error("ps: unexpected '%s' (usage: " PS_USAGE ")", argv[i]);
      return EXIT_USAGE;
    } else system = argv[i];
  }
  bool header_printed = false;
  return system ? ps_one(system, as_json, &header_printed) : ps_all(as_json);
}

/* ---- minos kill, restart, stop ----------------------------------------- */

int command_control(int argc, char **argv) {
  const char *verb = argv[0];
  bool stop = strcmp(verb, "stop") == 0;
  int wanted = stop ? 2 : 3;
  if (argc != wanted) {
    log_error("usage: minos %s SYSTEM%s", verb, stop ? "" : " CELL");
    return EXIT_USAGE;
  }
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", verb);
  if (!stop) json_out_member_string(&out, "cell", argv[2]);
  json_out_end_object(&out);
  char *request = json_out_finish(&out);
  json_value *reply = request ? ask(argv[1], request, NULL) : NULL;
  free(request);
  if (!reply) return EXIT_RUNTIME_ERROR;
  int status = failed(argv[1], reply) ? EXIT_RUNTIME_ERROR : 0;
  if (!status) {
    char escaped[256];
    printf("%s: %s\n", argv[1], escape_string(escaped, sizeof escaped, text_of(reply, "message", "done")));
  }
  json_free(reply);
  return status;
}

/* ---- minos logs ------------------------------------------------------------ */

#define LOGS_USAGE "minos logs [-f] [-n LINES] SYSTEM [CELL]"

/* Prints a {"log":...} line's text; false for any other line. */
static bool print_log_line(const json_value *line) {
  const json_value *record = json_object_get(line, "log");
  if (!record || record->type != JSON_OBJECT) return false;
  const json_value *text = json_object_get(record, "line");
  if (text && text->type == JSON_STRING) {
    fwrite(text->string.text, 1, text->string.length, stdout);
    fputc('\n', stdout);
  }
  return true;
}

int command_logs(int argc, char **argv) {
  bool follow = false;
  long long lines = 100;
  const char *system = NULL, *cell_name = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0) follow = true;
    else if ((strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--lines") == 0) && i + 1 < argc) {
      char *end;
      lines = strtoll(argv[++i], &end, 10);
      if (*end || lines < 0) {
        log_error("logs: %s is not a count of lines", argv[i]);
        return EXIT_USAGE;
      }
    } else if (argv[i][0] == '-' || (system && cell_name)) {
      log_error("logs: unexpected '%s' (usage: " LOGS_USAGE ")", argv[i]);
      return EXIT_USAGE;
    } else if (!system) system = argv[i];
    else cell_name = argv[i];
  }
  if (!system) {
    log_error("usage: " LOGS_USAGE);
    return EXIT_USAGE;
  }
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", "logs");
  if (cell_name) json_out_member_string(&out, "cell", cell_name);
  json_out_member_uint(&out, "lines", (uint64_t)lines);
  json_out_member_bool(&out, "follow", follow);
  json_out_end_object(&out);
  char *request = json_out_finish(&out), error[512];
  connection link;
  if (!request || !connect_to(system, &link, error, sizeof error)) {
    if (request) log_error("%s", error);
    free(request);
    return EXIT_RUNTIME_ERROR;
  }
  json_value *line = ask_on(&link, system, request, NULL);
  free(request);
  int status = 0;
  /* The recent lines, then the request's own reply, then (following) new
   * lines until the system ends. */
  bool answered = false;
  while (line) {
    if (!print_log_line(line)) {
      if (failed(system, line)) status = EXIT_RUNTIME_ERROR;
      answered = true;
    }
    json_free(line);
    fflush(stdout);
    if (status || (answered && !follow)) break;
    line = read_line_within(&link, NULL, answered ? -1 : REPLY_TIMEOUT_MS, error, sizeof error);
  }
  if (!answered && !status) status = EXIT_RUNTIME_ERROR;
  disconnect(&link);
  return status;
}
