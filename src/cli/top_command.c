/* SPDX-License-Identifier: Apache-2.0 */
/* minos top: a live view of a running system, as htop is for processes:
 * its cells with their state, CPU, memory, restarts and traffic, sortable
 * and filterable, a cell's detail (channels, grants, limits, last fault,
 * recent log lines), its log followed, and kill and restart at a key.
 * Everything comes from the system's control socket (control_client.h):
 * one connection for requests, refreshed every interval, and one more
 * while a cell's log is followed. Without a terminal that can do it
 * (not a tty, TERM unset or dumb, --plain), it prints the table instead. */
#include <curses.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/options.h"
#include "control/control_client.h"
#include "control/control_socket.h"
#include "control/json_out.h"
#include "core/escape.h"
#include "core/log.h"

#define MAX_ROWS 4096
#define LOG_LINES 512
#define DETAIL_LINES 50
#define ESCAPE_KEY 27

typedef struct row {
  char name[64], cell[48], arch[8], state[12];
  bool trigger;
  uint64_t pid, uptime_ns, restarts, faults, cpu_ns, resident, memory, descriptors;
  uint64_t traffic; /* bytes in and out */
  uint64_t running, queued, refused;
  double cpu_percent, traffic_per_second; /* over the last interval */
} row;

typedef struct snapshot {
  row rows[MAX_ROWS];
  size_t count;
  char system[64];
  uint64_t uptime_ns, taken_ns;
  json_value *reply; /* the whole list reply, for channels */
} snapshot;

typedef enum view { VIEW_TABLE, VIEW_DETAIL, VIEW_LOG, VIEW_HELP } view;
typedef enum sort_key { SORT_CPU, SORT_MEMORY, SORT_RESTARTS, SORT_NAME, SORT_KEYS } sort_key;
static const char *const sort_names[] = {"cpu", "memory", "restarts", "name"};

typedef struct top {
  const char *system;
  control_connection link, log_link;
  snapshot *now, *before;
  size_t shown[MAX_ROWS], shown_count; /* rows in display order, filtered */
  view view;
  sort_key sort;
  size_t selected;
  char selected_cell[48], filter[48], status[200];
  json_value *detail;
  char *detail_lines[DETAIL_LINES];
  size_t detail_count;
  char *log_lines[LOG_LINES];
  size_t log_count;
  int interval_ms;
  bool failed;
} top;

static volatile sig_atomic_t interrupted;
static void on_interrupt(int number) { (void)number, interrupted = 1; }

static uint64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* ---- data ---------------------------------------------------------------- */

static void read_row(row *out, const json_value *item) {
  *out = (row){0};
  escape_string(out->cell, sizeof out->cell, json_text_of(item, "name", "?"));
  escape_string(out->name, sizeof out->name, json_text_of(item, "instance", out->cell));
  snprintf(out->arch, sizeof out->arch, "%s", json_text_of(item, "arch", "?"));
  snprintf(out->state, sizeof out->state, "%s", json_text_of(item, "state", "?"));
  out->trigger = strcmp(json_text_of(item, "kind", ""), "trigger") == 0;
  out->pid = json_count_of(item, "pid");
  out->uptime_ns = json_count_of(item, "uptime_ns");
  out->restarts = json_count_of(item, "restarts");
  out->faults = json_count_of(item, "faults");
  out->cpu_ns = json_count_of(item, "cpu_ns");
  out->resident = json_count_of(item, "resident_bytes");
  out->memory = json_count_of(item, "memory_bytes");
  out->descriptors = json_count_of(item, "descriptors");
  out->traffic = json_count_of(item, "bytes_in") + json_count_of(item, "bytes_out");
  out->running = json_count_of(item, "running");
  out->queued = json_count_of(item, "queued");
  out->refused = json_count_of(item, "refused");
  out->cpu_percent = json_real_of(item, "cpu_percent");
}

/* The same instance in the snapshot before (CPU restarts with each), or,
 * by_cell, the same cell (its channels' bytes go on across instances). */
static const row *previous_of(const snapshot *before, const row *current, bool by_cell) {
  for (size_t i = 0; before && i < before->count; i++)
    if (strcmp(by_cell ? before->rows[i].cell : before->rows[i].name,
               by_cell ? current->cell : current->name) == 0)
      return &before->rows[i];
  return NULL;
}

/* CPU and traffic over the last interval, where the same instance was
 * there before (else its average since it started). */
static void compare(snapshot *now, const snapshot *before) {
  double seconds = before ? (double)(now->taken_ns - before->taken_ns) / 1e9 : 0;
  for (size_t i = 0; i < now->count; i++) {
    row *current = &now->rows[i];
    const row *previous = seconds > 0 ? previous_of(before, current, false) : NULL;
    const row *same_cell = seconds > 0 ? previous_of(before, current, true) : NULL;
    if (previous)
      current->cpu_percent =
          current->cpu_ns >= previous->cpu_ns
              ? 100.0 * (double)(current->cpu_ns - previous->cpu_ns) / 1e9 / seconds
              : 0;
    if (same_cell && current->traffic >= same_cell->traffic)
      current->traffic_per_second = (double)(current->traffic - same_cell->traffic) / seconds;
  }
}

static bool fetch(top *self, char *error, size_t error_size) {
  json_value *reply = control_send(&self->link, "{\"request\":\"list\"}\n", error, error_size)
                          ? control_read(&self->link, NULL, CONTROL_REPLY_TIMEOUT_MS, error,
                                         error_size)
                          : NULL;
  if (!reply) return false;
  const json_value *cells = json_object_get(reply, "cells");
  if (!control_reply_ok(reply, error, error_size) || !cells || cells->type != JSON_ARRAY) {
    if (!error[0]) snprintf(error, error_size, "the system's list has no cells");
    json_free(reply);
    return false;
  }
  snapshot *next = self->before ? self->before : calloc(1, sizeof *next);
  if (!next) {
    json_free(reply);
    snprintf(error, error_size, "out of memory");
    return false;
  }
  json_free(next->reply);
  next->reply = reply;
  next->taken_ns = now_ns();
  next->uptime_ns = json_count_of(reply, "uptime_ns");
  escape_string(next->system, sizeof next->system, json_text_of(reply, "system", self->system));
  next->count = 0;
  for (size_t i = 0; i < cells->array.count && next->count < MAX_ROWS; i++)
    if (cells->array.items[i]->type == JSON_OBJECT)
      read_row(&next->rows[next->count++], cells->array.items[i]);
  compare(next, self->now);
  self->before = self->now;
  self->now = next;
  return true;
}

static double sort_value(const row *item, sort_key key) {
  switch (key) {
  case SORT_CPU: return item->cpu_percent;
  case SORT_MEMORY: return (double)(item->resident + item->memory);
  case SORT_RESTARTS: return (double)item->restarts;
  default: return 0;
  }
}

static const snapshot *sorting;
static sort_key sorting_by;

static int by_key(const void *a, const void *b) {
  const row *left = &sorting->rows[*(const size_t *)a], *right = &sorting->rows[*(const size_t *)b];
  if (sorting_by != SORT_NAME) {
    double x = sort_value(left, sorting_by), y = sort_value(right, sorting_by);
    if (x != y) return x < y ? 1 : -1;
  }
  return strcmp(left->name, right->name);
}

/* The rows shown, filtered and sorted; the selection follows its cell. */
static void arrange(top *self) {
  self->shown_count = 0;
  for (size_t i = 0; self->now && i < self->now->count; i++)
    if (!self->filter[0] || strstr(self->now->rows[i].name, self->filter))
      self->shown[self->shown_count++] = i;
  sorting = self->now;
  sorting_by = self->sort;
  qsort(self->shown, self->shown_count, sizeof self->shown[0], by_key);
  for (size_t i = 0; i < self->shown_count; i++)
    if (strcmp(self->now->rows[self->shown[i]].cell, self->selected_cell) == 0) self->selected = i;
  if (self->selected >= self->shown_count) self->selected = self->shown_count ? self->shown_count - 1 : 0;
  if (self->shown_count)
    snprintf(self->selected_cell, sizeof self->selected_cell, "%s",
             self->now->rows[self->shown[self->selected]].cell);
}

static const row *selected_row(const top *self) {
  return self->shown_count ? &self->now->rows[self->shown[self->selected]] : NULL;
}

/* ---- formatting ---------------------------------------------------------- */



#define ROW_FORMAT "%-14.14s %-6.6s %-9.9s %7s %7s %4s %5s %7s %4s %7s"

static void format_row(const row *item, char *line, size_t size) {
  char pid[16] = "-", uptime[16] = "-", restarts[16] = "-", cpu[16], memory[16], fds[16] = "-",
       traffic[16];
  if (item->pid) snprintf(pid, sizeof pid, "%" PRIu64, item->pid);
  if (item->uptime_ns) format_duration(item->uptime_ns, uptime, sizeof uptime);
  if (!item->trigger) snprintf(restarts, sizeof restarts, "%" PRIu64, item->restarts);
  snprintf(cpu, sizeof cpu, "%.1f", item->cpu_percent);
  format_bytes((double)(item->resident + item->memory), memory, sizeof memory);
  if (item->descriptors) snprintf(fds, sizeof fds, "%" PRIu64, item->descriptors);
  format_bytes(item->traffic_per_second, traffic, sizeof traffic);
  char state[16];
  if (item->trigger) snprintf(state, sizeof state, "%" PRIu64 " live", item->running);
  else snprintf(state, sizeof state, "%s", item->state);
  snprintf(line, size, ROW_FORMAT, item->name, item->arch, state, pid, uptime, restarts, cpu,
           memory, fds, traffic);
}

static void format_header(const top *self, char *line, size_t size) {
  uint64_t restarts = 0, faults = 0, memory = 0;
  double cpu = 0;
  for (size_t i = 0; self->now && i < self->now->count; i++) {
    const row *item = &self->now->rows[i];
    restarts += item->restarts, faults += item->faults, cpu += item->cpu_percent;
    memory += item->resident + item->memory;
  }
  char uptime[16], bytes[16];
  format_duration(self->now ? self->now->uptime_ns : 0, uptime, sizeof uptime);
  format_bytes((double)memory, bytes, sizeof bytes);
  snprintf(line, size, "%s  up %s  cells %zu  restarts %" PRIu64 "  faults %" PRIu64
           "  CPU %.1f%%  mem %s",
           self->now ? self->now->system : self->system, uptime, self->now ? self->now->count : 0,
           restarts, faults, cpu, bytes);
}

/* ---- plain output -------------------------------------------------------- */

static int run_plain(top *self, long count) {
  char error[512] = "", line[256];
  for (long i = 0; count <= 0 || i < count; i++) {
    if (i) usleep((useconds_t)self->interval_ms * 1000);
    if (!fetch(self, error, sizeof error)) {
      log_error("%s: %s", self->system, error);
      return EXIT_RUNTIME_ERROR;
    }
    arrange(self);
    format_header(self, line, sizeof line);
    printf("%s\n", line);
    printf(ROW_FORMAT "\n", "CELL", "ARCH", "STATE", "PID", "UPTIME", "RST", "CPU%", "MEM",
           "FDS", "IO/s");
    for (size_t j = 0; j < self->shown_count; j++) {
      format_row(&self->now->rows[self->shown[j]], line, sizeof line);
      printf("%s\n", line);
    }
    fflush(stdout);
  }
  return 0;
}

/* ---- the screen ---------------------------------------------------------- */

/* A line at y, cut to the screen's width, in attributes. */
static void put_line(int y, const char *text, int attributes) {
  int width = COLS > 0 ? COLS : 80;
  if (y < 0 || y >= LINES) return;
  attron(attributes);
  mvprintw(y, 0, "%-*.*s", width - 1, width - 1, text);
  attroff(attributes);
}

static void draw_table(top *self) {
  char line[512];
  format_header(self, line, sizeof line);
  put_line(0, line, A_BOLD);
  snprintf(line, sizeof line, "sort: %s%s%s   ? help  q quit", sort_names[self->sort],
           self->filter[0] ? "  filter: " : "", self->filter);
  put_line(1, line, A_NORMAL);
  snprintf(line, sizeof line, ROW_FORMAT, "CELL", "ARCH", "STATE", "PID", "UPTIME", "RST",
           "CPU%", "MEM", "FDS", "IO/s");
  put_line(2, line, A_REVERSE);
  int rows = LINES - 4; /* header, sort line, column names, status line */
  size_t first = rows > 0 && self->selected >= (size_t)rows ? self->selected - (size_t)rows + 1 : 0;
  for (int y = 0; y < rows; y++) {
    size_t index = first + (size_t)y;
    if (index >= self->shown_count) {
      put_line(3 + y, "", A_NORMAL);
      continue;
    }
    format_row(&self->now->rows[self->shown[index]], line, sizeof line);
    put_line(3 + y, line, index == self->selected ? A_REVERSE : A_NORMAL);
  }
}

/* The channels a cell's ends are on, from the list reply. */
static int draw_channels(top *self, int y, const char *cell_name) {
  const json_value *channels = self->now ? json_object_get(self->now->reply, "channels") : NULL;
  const json_value *old = self->before ? json_object_get(self->before->reply, "channels") : NULL;
  double seconds = self->before ? (double)(self->now->taken_ns - self->before->taken_ns) / 1e9 : 0;
  char line[512], prefix[64];
  snprintf(prefix, sizeof prefix, "%s.", cell_name);
  put_line(y++, "channels:                                      fill    bytes/s   total", A_BOLD);
  for (size_t i = 0; channels && channels->type == JSON_ARRAY && i < channels->array.count; i++) {
    const json_value *wire = channels->array.items[i];
    const char *from = json_text_of(wire, "from", ""), *to = json_text_of(wire, "to", "");
    if (strncmp(from, prefix, strlen(prefix)) != 0 && strncmp(to, prefix, strlen(prefix)) != 0)
      continue;
    uint64_t capacity = json_count_of(wire, "capacity"), bytes = json_count_of(wire, "bytes");
    double rate = 0;
    for (size_t j = 0; old && old->type == JSON_ARRAY && j < old->array.count && seconds > 0; j++)
      if (i == j && json_count_of(old->array.items[j], "bytes") <= bytes)
        rate = (double)(bytes - json_count_of(old->array.items[j], "bytes")) / seconds;
    char through[16], per_second[16];
    format_bytes((double)bytes, through, sizeof through);
    format_bytes(rate, per_second, sizeof per_second);
    char names[160];
    escape_string(names, sizeof names, json_text_of(wire, "name", "?"));
    char route[160];
    snprintf(route, sizeof route, "%s -> %s", from, to);
    snprintf(line, sizeof line, "  %-12.12s %-32.32s %3.0f%% full %7s/s %7s", names, route,
             capacity ? 100.0 * (double)json_count_of(wire, "buffered") / (double)capacity : 0,
             per_second, through);
    put_line(y++, line, A_NORMAL);
  }
  return y;
}

static bool is_true(const json_value *object, const char *key) {
  const json_value *value = json_object_get(object, key);
  return value && value->type == JSON_BOOLEAN && value->boolean;
}

static void draw_detail(top *self) {
  char line[512], escaped[256];
  const row *item = selected_row(self);
  const json_value *inspected = self->detail ? json_object_get(self->detail, "cell") : NULL;
  erase();
  if (!item) {
    put_line(0, "no cell selected", A_BOLD);
    return;
  }
  snprintf(line, sizeof line, "%s (%s, %s)  Esc: back  l: its log", item->name, item->arch,
           item->state);
  put_line(0, line, A_BOLD);
  int y = 1;
  format_row(item, line, sizeof line);
  put_line(y++, line, A_NORMAL);
  if (item->trigger) {
    snprintf(line, sizeof line, "trigger: %" PRIu64 " running, %" PRIu64 " queued, %" PRIu64
             " refused", item->running, item->queued, item->refused);
    put_line(y++, line, A_NORMAL);
  }
  snprintf(line, sizeof line, "code: %s", escape_string(escaped, sizeof escaped, json_text_of(inspected, "code", "?")));
  put_line(y++, line, A_NORMAL);
  const json_value *limits = inspected ? json_object_get(inspected, "limits") : NULL;
  char memory[16];
  format_bytes((double)json_count_of(limits, "memory_bytes"), memory, sizeof memory);
  snprintf(line, sizeof line, "limits: memory %s  cpu %.1fs  descriptors %" PRIu64
           "  init timeout %.1fs", memory, (double)json_count_of(limits, "cpu_time_ns") / 1e9,
           json_count_of(limits, "descriptors"),
           (double)json_count_of(limits, "init_timeout_ns") / 1e9);
  put_line(y++, line, A_NORMAL);
  const json_value *grants = inspected ? json_object_get(inspected, "grants") : NULL;
  const json_value *dirs = grants ? json_object_get(grants, "dirs") : NULL;
  int used = snprintf(line, sizeof line, "grants:");
  for (size_t i = 0; dirs && dirs->type == JSON_ARRAY && i < dirs->array.count; i++)
    used += snprintf(line + used, sizeof line - (size_t)used > 0 ? sizeof line - (size_t)used : 0,
                     " %s%s", escape_string(escaped, sizeof escaped,
                                            json_text_of(dirs->array.items[i], "guest", "?")),
                     is_true(dirs->array.items[i], "read_only") ? " (read-only)" : "");
  put_line(y++, (size_t)used < sizeof line ? line : "grants: (many)", A_NORMAL);
  snprintf(line, sizeof line, "last fault: %s",
           escape_string(escaped, sizeof escaped, json_text_of(inspected, "last_fault", "none")));
  put_line(y++, line, A_NORMAL);
  y = draw_channels(self, y, item->cell);
  put_line(y++, "recent log:", A_BOLD);
  size_t count = self->detail_count;
  int room = LINES - 1 - y;
  for (size_t i = count > (size_t)(room > 0 ? room : 0) ? count - (size_t)room : 0; i < count; i++)
    put_line(y++, self->detail_lines[i], A_NORMAL);
}

static void draw_log(top *self) {
  char line[256];
  erase();
  snprintf(line, sizeof line, "log of %s (following)  Esc: back", self->selected_cell);
  put_line(0, line, A_BOLD);
  int room = LINES - 2;
  size_t first = self->log_count > (size_t)(room > 0 ? room : 0) ? self->log_count - (size_t)room : 0;
  for (size_t i = first; i < self->log_count; i++)
    put_line(1 + (int)(i - first), self->log_lines[i], A_NORMAL);
}

static void draw_help(void) {
  static const char *const lines[] = {
      "minos top: keys",
      "",
      "  Up/Down, j     select a cell (k is kill)",
      "  s              sort by CPU, memory, restarts, name (in turn)",
      "  /              filter cells by name (empty: all)",
      "  Enter          the cell's detail: channels, grants, limits, last fault, log",
      "  l              follow the cell's log",
      "  k              kill the cell's instance (asks first; its policy may restart it)",
      "  r              restart the cell (a fresh instance now)",
      "  ?              this help",
      "  q, Esc         back; q in the table quits",
      "",
      "Rates (CPU%, IO/s, a channel's bytes per second) are over the last interval."};
  erase();
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    put_line((int)i, lines[i], i == 0 ? A_BOLD : A_NORMAL);
}

static void draw(top *self) {
  if (self->view == VIEW_TABLE) draw_table(self);
  else if (self->view == VIEW_DETAIL) draw_detail(self);
  else if (self->view == VIEW_LOG) draw_log(self);
  else draw_help();
  put_line(LINES - 1, self->status, A_BOLD);
  refresh();
}

/* ---- actions ------------------------------------------------------------- */

/* A request about the selected cell on the request connection; its
 * reply (NULL: the status line says why). */
static json_value *ask_about(top *self, const char *request, const char *cell_name, bool more,
                             bool follow) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", request);
  json_out_member_string(&out, "cell", cell_name);
  if (more) json_out_member_uint(&out, "lines", 50);
  if (more) json_out_member_bool(&out, "follow", follow);
  json_out_end_object(&out);
  char *line = json_out_finish(&out), error[256] = "";
  json_value *reply = line && control_send(&self->link, line, error, sizeof error)
                          ? control_read(&self->link, NULL, CONTROL_REPLY_TIMEOUT_MS, error,
                                         sizeof error)
                          : NULL;
  free(line);
  if (!reply) snprintf(self->status, sizeof self->status, "%s", error[0] ? error : "out of memory");
  return reply;
}

static void clear_lines(char **lines, size_t *count) {
  for (size_t i = 0; i < *count; i++) free(lines[i]);
  *count = 0;
}

/* Keeps a {"log":...} line's text in lines (the oldest goes when full);
 * false for any other line. */
static bool keep_log_line(const json_value *line, char **lines, size_t *count, size_t max) {
  const json_value *record = json_object_get(line, "log");
  if (!record || record->type != JSON_OBJECT) return false;
  char *text = strdup(json_text_of(record, "line", ""));
  if (!text) return true;
  if (*count == max) {
    free(lines[0]);
    memmove(lines, lines + 1, (max - 1) * sizeof *lines);
    (*count)--;
  }
  lines[(*count)++] = text;
  return true;
}

/* The selected cell's inspect reply and its last log lines (the logs
 * reply's lines come first, then its "ok"). */
static void load_detail(top *self) {
  json_free(self->detail);
  self->detail = NULL;
  clear_lines(self->detail_lines, &self->detail_count);
  const row *item = selected_row(self);
  if (!item) return;
  self->detail = ask_about(self, "inspect", item->cell, false, false);
  json_value *line = self->detail ? ask_about(self, "logs", item->cell, true, false) : NULL;
  char error[256];
  while (line && keep_log_line(line, self->detail_lines, &self->detail_count, DETAIL_LINES)) {
    json_free(line);
    line = control_read(&self->link, NULL, CONTROL_REPLY_TIMEOUT_MS, error, sizeof error);
  }
  json_free(line);
}

static void stop_following(top *self) {
  if (self->log_link.fd >= 0) control_disconnect(&self->log_link);
  clear_lines(self->log_lines, &self->log_count);
}

/* A connection of its own that follows the selected cell's log. */
static void follow_log(top *self) {
  char error[256], request[160];
  const row *item = selected_row(self);
  stop_following(self);
  if (!item) return;
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", "logs");
  json_out_member_string(&out, "cell", item->cell);
  json_out_member_uint(&out, "lines", LOG_LINES);
  json_out_member_bool(&out, "follow", true);
  json_out_end_object(&out);
  char *line = json_out_finish(&out);
  snprintf(request, sizeof request, "%s", line ? line : "");
  free(line);
  if (!control_connect(self->system, &self->log_link, error, sizeof error) ||
      !control_send(&self->log_link, request, error, sizeof error)) {
    snprintf(self->status, sizeof self->status, "cannot follow the log: %s", error);
    stop_following(self);
    return;
  }
  self->view = VIEW_LOG;
}

static void take_log_lines(top *self) {
  char error[256];
  while (self->log_link.fd >= 0 && control_readable(&self->log_link)) {
    json_value *line = control_read(&self->log_link, NULL, 0, error, sizeof error);
    if (!line) {
      snprintf(self->status, sizeof self->status, "the log ended: %s", error);
      control_disconnect(&self->log_link);
      return;
    }
    keep_log_line(line, self->log_lines, &self->log_count, LOG_LINES);
    json_free(line);
  }
}

/* kill or restart the selected cell; kill asks first. */
static void act(top *self, const char *request) {
  const row *item = selected_row(self);
  if (!item) return;
  if (strcmp(request, "kill") == 0) {
    snprintf(self->status, sizeof self->status, "kill %s's instance %s? (y/n)", item->cell,
             item->name);
    draw(self);
    timeout(-1);
    int answer = getch();
    if (answer != 'y' && answer != 'Y') {
      snprintf(self->status, sizeof self->status, "not killed");
      return;
    }
  }
  json_value *reply = ask_about(self, request, item->cell, false, false);
  char error[256];
  if (reply && control_reply_ok(reply, error, sizeof error))
    snprintf(self->status, sizeof self->status, "%s: %s", item->cell,
             json_text_of(reply, "message", "done"));
  else if (reply)
    snprintf(self->status, sizeof self->status, "%s: %s", item->cell, error);
  json_free(reply);
}

/* Reads the filter at the status line: Enter keeps it, Esc drops it. */
static void read_filter(top *self) {
  char typed[sizeof self->filter] = "";
  size_t length = 0;
  timeout(-1);
  for (;;) {
    snprintf(self->status, sizeof self->status, "filter: %s_", typed);
    draw(self);
    int key = getch();
    if (key == '\n' || key == KEY_ENTER) break;
    if (key == ESCAPE_KEY) return;
    if ((key == KEY_BACKSPACE || key == 127 || key == 8) && length) typed[--length] = '\0';
    else if (key >= 32 && key < 127 && length + 1 < sizeof typed) {
      typed[length++] = (char)key;
      typed[length] = '\0';
    }
  }
  snprintf(self->filter, sizeof self->filter, "%s", typed);
  self->status[0] = '\0';
  arrange(self);
}

/* One key; false to quit. */
static bool handle_key(top *self, int key) {
  if (self->view != VIEW_TABLE && (key == ESCAPE_KEY || key == 'q' || key == KEY_LEFT)) {
    stop_following(self);
    self->view = VIEW_TABLE;
    self->status[0] = '\0';
    erase();
    return true;
  }
  if (key == 'q') return false;
  /* k is kill (asked first), as in htop: up is the arrow only. */
  if (key == KEY_UP) {
    if (self->selected) self->selected--;
  } else if (key == KEY_DOWN || key == 'j') {
    if (self->selected + 1 < self->shown_count) self->selected++;
  } else if (key == 'k') {
    act(self, "kill");
  } else if (key == 'r') {
    act(self, "restart");
  } else if (key == 's') {
    self->sort = (self->sort + 1) % SORT_KEYS;
  } else if (key == '/') {
    read_filter(self);
  } else if (key == '\n' || key == KEY_ENTER) {
    self->view = VIEW_DETAIL;
    load_detail(self);
  } else if (key == 'l') {
    follow_log(self);
  } else if (key == '?') {
    self->view = VIEW_HELP;
  } else if (key == KEY_RESIZE) {
    erase();
  }
  if (self->shown_count)
    snprintf(self->selected_cell, sizeof self->selected_cell, "%s", selected_row(self)->cell);
  arrange(self);
  return true;
}

/* ---- the loop ------------------------------------------------------------ */

static bool terminal_can_do_it(void) {
  const char *term = getenv("TERM");
  return isatty(0) && isatty(1) && term && term[0] && strcmp(term, "dumb") != 0;
}

static int run_screen(top *self) {
  char error[512] = "";
  SCREEN *screen = newterm(NULL, stdout, stdin);
  if (!screen) return -1; /* the caller prints plainly */
  struct sigaction stop = {.sa_handler = on_interrupt};
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGTERM, &stop, NULL);
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  uint64_t next_refresh = 0;
  bool running = true;
  int status = 0;
  while (running && !interrupted) {
    uint64_t now = now_ns();
    if (now >= next_refresh) {
      if (!fetch(self, error, sizeof error)) {
        status = EXIT_RUNTIME_ERROR;
        break;
      }
      arrange(self);
      if (self->view == VIEW_DETAIL) load_detail(self);
      next_refresh = now + (uint64_t)self->interval_ms * 1000000u;
    }
    take_log_lines(self);
    draw(self);
    struct pollfd waiting[2] = {{.fd = 0, .events = POLLIN},
                                {.fd = self->log_link.fd, .events = POLLIN}};
    uint64_t left = next_refresh > now_ns() ? (next_refresh - now_ns()) / 1000000u : 0;
    poll(waiting, self->log_link.fd >= 0 ? 2 : 1, (int)left);
    /* act and read_filter wait for their answer; the loop never does. */
    for (int key; running && (timeout(0), key = getch()) != ERR;) running = handle_key(self, key);
  }
  endwin();
  delscreen(screen);
  if (status) log_error("%s: %s", self->system, error);
  return status;
}

/* The only system running, for top without a name. */
static const char *only_system(char *name, size_t size) {
  char pattern[256], error[256];
  if (!control_socket_path("*", false, pattern, sizeof pattern, error, sizeof error)) {
    log_error("%s", error);
    return NULL;
  }
  glob_t found;
  if (glob(pattern, 0, NULL, &found) != 0) {
    log_error("no system is running (none in %s)", pattern);
    return NULL;
  }
  bool one = found.gl_pathc == 1;
  if (one) snprintf(name, size, "%s", found.gl_pathv[0]);
  else log_error("%zu systems are running: name one (minos ps lists them)", found.gl_pathc);
  globfree(&found);
  return one ? name : NULL;
}

/* top's options: false to return *status at once (after --help, or a bad
 * command line). */
static bool read_options(top *self, int argc, char **argv, bool *plain, long *count,
                         int *status) {
  static const struct option long_options[] = {
      {"plain", no_argument, NULL, OPTION_LONG_ONLY}, OPTION_HELP, OPTION_END};
  options_parser parser = {.command = "top", .short_options = "hd:n:",
                           .long_options = long_options, .argc = argc, .argv = argv};
  int option;
  *status = EXIT_USAGE;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    char *end = NULL;
    if (option == OPTIONS_QUIT) {
      *status = parser.exit_status;
      return false;
    } else if (option == OPTION_LONG_ONLY) {
      *plain = true;
    } else if (option == 'd') {
      double seconds = strtod(optarg, &end);
      if (*end || !(seconds >= 0.1 && seconds <= 3600)) {
        log_error("top: -d %s: seconds between 0.1 and 3600", optarg);
        return false;
      }
      self->interval_ms = (int)(seconds * 1000);
    } else if (option == 'n') {
      *count = strtol(optarg, &end, 10);
      if (*end || *count < 1) {
        log_error("top: -n %s: a count of refreshes", optarg);
        return false;
      }
    }
  }
  if (!options_operands(&parser, 0, 1, "")) return false;
  if (parser.operand < argc) self->system = argv[parser.operand];
  return true;
}

int command_top(int argc, char **argv) {
  top *self = calloc(1, sizeof *self);
  if (!self) return EXIT_RUNTIME_ERROR;
  *self = (top){.interval_ms = 1000, .link.fd = -1, .log_link.fd = -1};
  bool plain = false;
  long count = 0;
  char only[256];
  int status;
  if (!read_options(self, argc, argv, &plain, &count, &status)) {
    free(self);
    return status;
  }
  if (!self->system) self->system = only_system(only, sizeof only);
  char error[512];
  status = EXIT_RUNTIME_ERROR;
  if (self->system && !control_connect(self->system, &self->link, error, sizeof error))
    log_error("%s: %s", self->system, error);
  else if (self->system) {
    status = plain || !terminal_can_do_it() ? -1 : run_screen(self);
    if (status < 0) status = run_plain(self, count ? count : 1);
  }
  control_disconnect(&self->link);
  stop_following(self);
  clear_lines(self->detail_lines, &self->detail_count);
  json_free(self->detail);
  for (snapshot *each = self->now; each; each = each == self->now ? self->before : NULL) {
    json_free(each->reply);
    free(each);
  }
  free(self);
  return status;
}
