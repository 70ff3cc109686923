/* SPDX-License-Identifier: Apache-2.0 */
/* minos ps, logs, kill, restart, upgrade, stop: clients of running systems' control
 * sockets (control/control_socket.h). SYSTEM is a system's name (its
 * socket in the default place) or a socket's path (with a '/'). */
#include <errno.h>
#include <dirent.h>
#include <libgen.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/options.h"
#include "control/control_client.h"
#include "control/control_socket.h"
#include "control/json_out.h"
#include "core/escape.h"
#include "core/log.h"
#include "spec/json.h"

/* A reply's error, printed; true if it was one. */
static bool failed(const char *system, const json_value *reply) {
  char error[512], escaped[512];
  if (control_reply_ok(reply, error, sizeof error)) return false;
  log_error("%s: %s", system, escape_string(escaped, sizeof escaped, error));
  return true;
}

/* ---- minos ps ----------------------------------------------------------- */



#define PS_ROW "%-12s %-16s %-6s %-10s %7s %8s %8s %-14s %8s %8s %4s %7s %7s %s"

/* A cell of a list reply: its object, or its row and the reply's columns. */
typedef struct cell_view {
  const json_value *object;
  const json_value *row;
  const int *index; /* column of each key below, -1 if absent */
} cell_view;

enum { KEY_NAME, KEY_INSTANCE, KEY_ARCH, KEY_STATE, KEY_KIND, KEY_PID, KEY_UPTIME, KEY_CPU,
       KEY_CPU_PERCENT, KEY_RESIDENT, KEY_MEMORY, KEY_DESCRIPTORS, KEY_RESTARTS, KEY_RUNNING,
       KEY_QUEUED, KEY_REFUSED, KEY_IN, KEY_OUT, KEY_COUNT };
static const char *const keys[KEY_COUNT] = {
    "name",        "instance", "arch",      "state",    "kind",          "pid",
    "uptime_ns",   "cpu_ns",   "cpu_percent", "resident_bytes", "memory_bytes", "descriptors",
    "restarts",    "running",  "queued",    "refused",  "bytes_in",      "bytes_out"};

static const json_value *view_value(const cell_view *view, int key) {
  if (view->object) return json_object_get(view->object, keys[key]);
  int column = view->index[key];
  if (column < 0 || (size_t)column >= view->row->array.count) return NULL;
  const json_value *value = view->row->array.items[column];
  return value->type == JSON_NULL ? NULL : value;
}

static const char *view_text(const cell_view *view, int key, const char *otherwise) {
  const json_value *value = view_value(view, key);
  return value && value->type == JSON_STRING ? value->string.text : otherwise;
}

static uint64_t view_count(const cell_view *view, int key) {
  const json_value *value = view_value(view, key);
  return value && value->type == JSON_NUMBER && value->number.is_integer &&
                 value->number.integer > 0
             ? (uint64_t)value->number.integer
             : 0;
}

static double view_real(const cell_view *view, int key) {
  const json_value *value = view_value(view, key);
  if (!value || value->type != JSON_NUMBER) return 0;
  return value->number.is_integer ? (double)value->number.integer : value->number.real;
}

static void print_cell(const char *system, const cell_view *item) {
  char name[64], uptime[24] = "-", cpu[24] = "-", resident[24] = "-", memory[24] = "-",
       pid[16] = "-", restarts[24] = "-", extra[96] = "", fds[24] = "-", in[16] = "-",
       out[16] = "-";
  escape_string(name, sizeof name, view_text(item, KEY_INSTANCE, view_text(item, KEY_NAME, "?")));
  if (view_value(item, KEY_UPTIME)) {
    format_duration(view_count(item, KEY_UPTIME), uptime, sizeof uptime);
    snprintf(cpu, sizeof cpu, "%.2fs %4.1f%%", (double)view_count(item, KEY_CPU) / 1e9,
             view_real(item, KEY_CPU_PERCENT));
    format_bytes((double)view_count(item, KEY_RESIDENT), resident, sizeof resident);
    format_bytes((double)view_count(item, KEY_MEMORY), memory, sizeof memory);
  }
  if (view_count(item, KEY_PID)) snprintf(pid, sizeof pid, "%" PRIu64, view_count(item, KEY_PID));
  if (strcmp(view_text(item, KEY_KIND, ""), "trigger") == 0)
    snprintf(extra, sizeof extra, "running %" PRIu64 " queued %" PRIu64 " refused %" PRIu64,
             view_count(item, KEY_RUNNING), view_count(item, KEY_QUEUED),
             view_count(item, KEY_REFUSED));
  else
    snprintf(restarts, sizeof restarts, "%" PRIu64, view_count(item, KEY_RESTARTS));
  if (view_value(item, KEY_DESCRIPTORS))
    snprintf(fds, sizeof fds, "%" PRIu64, view_count(item, KEY_DESCRIPTORS));
  if (view_value(item, KEY_IN)) format_bytes((double)view_count(item, KEY_IN), in, sizeof in);
  if (view_value(item, KEY_OUT)) format_bytes((double)view_count(item, KEY_OUT), out, sizeof out);
  printf(PS_ROW "\n", system, name, view_text(item, KEY_ARCH, "?"), view_text(item, KEY_STATE, "?"),
         pid, uptime, restarts, cpu, resident, memory, fds, in, out, extra);
}

/* Prints a list reply's cells: rows (with their columns) or objects. */
static bool print_cells(const char *system, const json_value *reply) {
  const json_value *rows = json_object_get(reply, "rows");
  const json_value *columns = json_object_get(reply, "columns");
  const json_value *cells = json_object_get(reply, "cells");
  int index[KEY_COUNT];
  for (int key = 0; key < KEY_COUNT; key++) {
    index[key] = -1;
    for (size_t i = 0; columns && columns->type == JSON_ARRAY && i < columns->array.count; i++)
      if (columns->array.items[i]->type == JSON_STRING &&
          strcmp(columns->array.items[i]->string.text, keys[key]) == 0)
        index[key] = (int)i;
  }
  const json_value *list = rows ? rows : cells;
  if (!list || list->type != JSON_ARRAY) return false;
  for (size_t i = 0; i < list->array.count; i++) {
    const json_value *item = list->array.items[i];
    cell_view view = {.index = index};
    if (rows && item->type == JSON_ARRAY) view.row = item;
    else if (!rows && item->type == JSON_OBJECT) view.object = item;
    else continue;
    print_cell(system, &view);
  }
  return true;
}

/* How minos ps prints what it learns, system after system. */
typedef struct ps_output {
  bool as_json;
  bool every_system; /* without SYSTEM: a socket nobody listens at is skipped */
  size_t printed;    /* systems so far (the table's header, the JSON array's commas) */
} ps_output;

/* One system's list, asked on a connection of its own. */
static json_value *ask_list(const char *system, ps_output *output, char **raw, int *status) {
  char error[512];
  control_connection link;
  *status = 0;
  if (!control_connect(system, &link, error, sizeof error)) {
    /* Every system: one that ended without removing its socket (killed)
     * is not running, which is no error. */
    if (!(output->every_system && link.absent)) {
      log_error("%s: %s", system, error);
      *status = EXIT_RUNTIME_ERROR;
    }
    return NULL;
  }
  json_value *reply =
      control_send(&link,
                   output->as_json ? "{\"request\":\"list\"}\n"
                                   : "{\"request\":\"list\",\"channels\":false,\"rows\":true}\n",
                   error, sizeof error)
          ? control_read(&link, raw, CONTROL_REPLY_TIMEOUT_MS, error, sizeof error)
          : NULL;
  control_disconnect(&link);
  if (!reply) {
    log_error("%s: %s", system, error);
    *status = EXIT_RUNTIME_ERROR;
  }
  return reply;
}

static int ps_one(const char *system, ps_output *output) {
  char *raw = NULL;
  int status;
  json_value *reply = ask_list(system, output, &raw, &status);
  if (!reply) return status;
  if (failed(system, reply)) {
    status = EXIT_RUNTIME_ERROR;
  } else if (output->as_json) {
    /* What the system said; without SYSTEM, each system's in one array
     * (a line each), so that the output is one JSON text in every case. */
    if (output->every_system) printf("%s%s", output->printed ? ",\n" : "[", raw);
    else printf("%s\n", raw);
    output->printed++;
  } else {
    if (!output->printed++)
      printf(PS_ROW "\n", "SYSTEM", "CELL", "ARCH", "STATE", "PID", "UPTIME", "RESTARTS", "CPU",
             "RSS", "MEMORY", "FDS", "IN", "OUT", "");
    char system_name[64];
    escape_string(system_name, sizeof system_name, json_text_of(reply, "system", system));
    if (!print_cells(system_name, reply)) {
      log_error("%s: the reply has no cells", system);
      status = EXIT_RUNTIME_ERROR;
    }
  }
  json_free(reply);
  free(raw);
  return status;
}

static int socket_file(const struct dirent *entry) {
  size_t length = strlen(entry->d_name);
  return length > 5 && strcmp(entry->d_name + length - 5, ".sock") == 0;
}

/* Every system of the user: the sockets in the default place (in the
 * order of their names), skipping those nobody listens at any more. */
static int ps_all(ps_output *output) {
  char pattern[256], error[512];
  if (!control_socket_path("*", false, pattern, sizeof pattern, error, sizeof error)) {
    log_error("%s", error);
    return EXIT_RUNTIME_ERROR;
  }
  char *directory = dirname(pattern); /* the pattern is DIRECTORY/\*.sock */
  struct dirent **found = NULL;
  int count = scandir(directory, &found, socket_file, alphasort), status = 0;
  for (int i = 0; i < count; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", directory, found[i]->d_name);
    if (ps_one(path, output) != 0) status = EXIT_RUNTIME_ERROR;
    free(found[i]);
  }
  free(found);
  if (output->as_json) printf("%s\n", output->printed ? "]" : "[]");
  else if (!output->printed) printf("no system is running (none in %s)\n", directory);
  return status;
}

int command_ps(int argc, char **argv) {
  static const struct option long_options[] = {
      {"json", no_argument, NULL, OPTION_LONG_ONLY}, OPTION_HELP, OPTION_END};
  options_parser parser = {.command = "ps", .short_options = "h", .long_options = long_options,
                           .argc = argc, .argv = argv};
  bool as_json = false;
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) return parser.exit_status;
    as_json = true; /* --json, the only other option */
  }
  if (!options_operands(&parser, 0, 1, "")) return parser.exit_status;
  ps_output output = {.as_json = as_json, .every_system = parser.operand == argc};
  return output.every_system ? ps_all(&output) : ps_one(argv[parser.operand], &output);
}

/* ---- minos kill, restart, upgrade, stop --------------------------------- */

#define UPGRADE_TIMEOUT_MS 75000 /* a compile and the new code's initialisation */

/* minos upgrade SYSTEM CELL CODE */
static int upgrade(const char *system, const char *cell_name, const char *code) {
  char *path = realpath(code, NULL), error[640];
  if (!path) {
    log_error("upgrade: %s: %s", code, strerror(errno));
    return EXIT_USAGE;
  }
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", "upgrade");
  json_out_member_string(&out, "cell", cell_name);
  json_out_member_string(&out, "code", path);
  json_out_end_object(&out);
  free(path);
  char *request = json_out_finish(&out);
  control_connection link;
  json_value *reply = NULL;
  if (request && control_connect(system, &link, error, sizeof error)) {
    if (control_send(&link, request, error, sizeof error))
      reply = control_read(&link, NULL, UPGRADE_TIMEOUT_MS, error, sizeof error);
    control_disconnect(&link);
  }
  free(request);
  if (!reply) {
    log_error("%s: %s", system, error);
    return EXIT_RUNTIME_ERROR;
  }
  int status = failed(system, reply) ? EXIT_RUNTIME_ERROR : 0;
  char escaped[640];
  if (!status)
    printf("%s: %s\n", system,
           escape_string(escaped, sizeof escaped, json_text_of(reply, "message", "upgraded")));
  json_free(reply);
  return status;
}

/* A stop's end: the system closes every connection once it has ended,
 * after its cells' graces; true then, false (said why) if the connection
 * failed otherwise. */
static bool wait_for_the_end(const char *system, control_connection *link) {
  char error[512];
  for (;;) {
    json_value *line = control_read(link, NULL, -1, error, sizeof error);
    if (!line) {
      if (link->ended) return true;
      log_error("%s: %s", system, error);
      return false;
    }
    json_free(line); /* nothing else is asked on this connection */
  }
}

/* minos kill|restart SYSTEM CELL, minos stop SYSTEM (which waits until
 * the system has ended, so that it can be started again at once). */
static int ask_system(const char *verb, const char *system, const char *cell_name) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", verb);
  if (cell_name) json_out_member_string(&out, "cell", cell_name);
  json_out_end_object(&out);
  char *request = json_out_finish(&out), error[512] = "out of memory";
  control_connection link = {.fd = -1};
  json_value *reply = NULL;
  if (request && control_connect(system, &link, error, sizeof error) &&
      control_send(&link, request, error, sizeof error))
    reply = control_read(&link, NULL, CONTROL_REPLY_TIMEOUT_MS, error, sizeof error);
  free(request);
  if (!reply) log_error("%s: %s", system, error);
  int status = !reply || failed(system, reply) ? EXIT_RUNTIME_ERROR : 0;
  if (!status) {
    char escaped[256];
    printf("%s: %s\n", system,
           escape_string(escaped, sizeof escaped, json_text_of(reply, "message", "done")));
    fflush(stdout);
  }
  if (!status && !cell_name && !wait_for_the_end(system, &link)) status = EXIT_RUNTIME_ERROR;
  if (!status && !cell_name) printf("%s: stopped\n", system);
  json_free(reply);
  if (link.fd >= 0) control_disconnect(&link);
  return status;
}

int command_control(int argc, char **argv) {
  const char *verb = argv[0];
  bool upgrading = strcmp(verb, "upgrade") == 0, stopping = strcmp(verb, "stop") == 0;
  int wanted = upgrading ? 3 : stopping ? 1 : 2;
  const char *needed = upgrading  ? "SYSTEM, CELL and CODE"
                       : stopping ? "SYSTEM"
                                  : "SYSTEM and CELL";
  options_parser parser = {.command = verb, .argc = argc, .argv = argv};
  if (!options_help_only(&parser, wanted, wanted, needed)) return parser.exit_status;
  char **operands = argv + parser.operand;
  if (upgrading) return upgrade(operands[0], operands[1], operands[2]);
  return ask_system(verb, operands[0], stopping ? NULL : operands[1]);
}

/* ---- minos logs ------------------------------------------------------------ */

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
  static const struct option long_options[] = {{"follow", no_argument, NULL, 'f'},
                                               {"lines", required_argument, NULL, 'n'},
                                               OPTION_HELP,
                                               OPTION_END};
  options_parser parser = {.command = "logs", .short_options = "hfn:",
                           .long_options = long_options, .argc = argc, .argv = argv};
  bool follow = false;
  uint64_t lines = 100;
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) return parser.exit_status;
    if (option == 'f') follow = true;
    if (option == 'n' && parse_count_option("logs: -n", optarg, 0, 1000000000, &lines))
      return EXIT_USAGE;
  }
  if (!options_operands(&parser, 1, 2, "SYSTEM")) return parser.exit_status;
  const char *system = argv[parser.operand];
  const char *cell_name = parser.operand + 1 < argc ? argv[parser.operand + 1] : NULL;
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", "logs");
  if (cell_name) json_out_member_string(&out, "cell", cell_name);
  json_out_member_uint(&out, "lines", lines);
  json_out_member_bool(&out, "follow", follow);
  json_out_end_object(&out);
  char *request = json_out_finish(&out), error[512];
  control_connection link = {.fd = -1};
  if (!request || !control_connect(system, &link, error, sizeof error) ||
      !control_send(&link, request, error, sizeof error)) {
    if (request) log_error("%s: %s", system, error);
    if (link.fd >= 0) control_disconnect(&link);
    free(request);
    return EXIT_RUNTIME_ERROR;
  }
  free(request);
  int status = 0;
  /* The recent lines, then the request's own reply, then (following) new
   * lines until the system ends: its end of the connection, after its
   * last line, is the only end that is not an error. */
  bool answered = false;
  for (;;) {
    json_value *line =
        control_read(&link, NULL, answered ? -1 : CONTROL_REPLY_TIMEOUT_MS, error, sizeof error);
    if (!line) {
      if (!answered || !link.ended) {
        log_error("%s: %s", system, error);
        status = EXIT_RUNTIME_ERROR;
      }
      break;
    }
    if (!print_log_line(line)) {
      if (failed(system, line)) status = EXIT_RUNTIME_ERROR;
      answered = true;
    }
    json_free(line);
    if (fflush(stdout) != 0) status = EXIT_RUNTIME_ERROR; /* a closed pipe: nobody reads */
    if (status || (answered && !follow)) break;
  }
  control_disconnect(&link);
  return status;
}
