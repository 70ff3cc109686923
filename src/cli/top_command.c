/* SPDX-License-Identifier: Apache-2.0 */
/* minos top: a live view of a running system, as htop is for processes:
 * its cells with their state, CPU, memory, restarts and traffic, sortable
 * and filterable, a cell's detail (channels, grants, limits, last fault,
 * recent log lines), its log followed, and kill and restart at a key.
 * Everything comes from the system's control socket (control_client.h):
 * one connection for requests, refreshed every interval, and one more
 * while a cell's log is followed. Without a terminal that can do it
 * (not a tty, TERM unset, dumb or unknown, --plain), it prints the table
 * instead. The screens themselves are top_draw.c's.
 *
 * The loop never waits for anything but the next refresh, a key or a log
 * line: a question (kill?, the filter) is a state of the screen, not a
 * blocking read, so the view keeps refreshing while it is asked. A system
 * that stops while watched stays on the screen, marked stopped, and is
 * looked for again at every refresh. */
#include <curses.h>
#include <glob.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/screen_text.h"
#include "cli/top.h"
#include "control/control_client.h"
#include "control/control_socket.h"
#include "control/json_out.h"
#include "core/escape.h"
#include "core/log.h"

#define ESCAPE_KEY 27
#define CONTROL_KEY(letter) ((letter) & 0x1f)
/* Shorter than other commands' waits: the keys do not answer meanwhile
 * (a system that does not answer is marked so and asked again later). */
#define TOP_REPLY_TIMEOUT_MS 3000
#define TOP_GREETING_TIMEOUT_MS 1000
/* Log lines taken at once while following, so a flood cannot starve keys. */
#define LOG_LINES_PER_TURN 2000
#define SYSTEMS_LISTED 8

static volatile sig_atomic_t interrupted;
static void on_interrupt(int number) { (void)number, interrupted = 1; }

static uint64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* ---- data ---------------------------------------------------------------- */

static void read_row(top_row *out, const json_value *item) {
  *out = (top_row){0};
  snprintf(out->cell, sizeof out->cell, "%s", json_text_of(item, "name", "?"));
  escape_string(out->cell_text, sizeof out->cell_text, out->cell);
  escape_string(out->name, sizeof out->name, json_text_of(item, "instance", out->cell));
  escape_string(out->arch, sizeof out->arch, json_text_of(item, "arch", "?"));
  escape_string(out->state, sizeof out->state, json_text_of(item, "state", "?"));
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
  out->accepted = json_count_of(item, "accepted");
  out->refused = json_count_of(item, "refused");
  out->cpu_percent = json_real_of(item, "cpu_percent");
}

/* The same cell in the snapshot before: the list comes in the spec's
 * order, so it is at the same index unless the system changed (a search
 * then), which keeps a refresh of thousands of cells linear. */
static const top_row *previous_of(const top_snapshot *before, const top_row *current,
                                  size_t index) {
  if (!before) return NULL;
  if (index < before->count && strcmp(before->rows[index].cell, current->cell) == 0)
    return &before->rows[index];
  for (size_t i = 0; i < before->count; i++)
    if (strcmp(before->rows[i].cell, current->cell) == 0) return &before->rows[i];
  return NULL;
}

/* CPU over the last interval where the same instance was there before
 * (else its average since it started, as the system gives it), and
 * traffic where the same cell was (its channels go on across instances). */
static void compare(top_snapshot *now, const top_snapshot *before) {
  double seconds = before ? (double)(now->taken_ns - before->taken_ns) / 1e9 : 0;
  if (seconds <= 0) return;
  for (size_t i = 0; i < now->count; i++) {
    top_row *current = &now->rows[i];
    const top_row *previous = previous_of(before, current, i);
    if (!previous) continue;
    if (strcmp(previous->name, current->name) == 0)
      current->cpu_percent =
          current->cpu_ns >= previous->cpu_ns
              ? 100.0 * (double)(current->cpu_ns - previous->cpu_ns) / 1e9 / seconds
              : 0;
    if (current->traffic >= previous->traffic)
      current->traffic_per_second = (double)(current->traffic - previous->traffic) / seconds;
  }
}

static bool reserve_rows(top_snapshot *snapshot, size_t count) {
  if (count <= snapshot->capacity) return true;
  top_row *grown = realloc(snapshot->rows, count * sizeof *grown);
  if (!grown) return false;
  snapshot->rows = grown;
  snapshot->capacity = count;
  return true;
}

static void free_snapshot(top_snapshot *snapshot) {
  if (!snapshot) return;
  json_free(snapshot->reply);
  free(snapshot->rows);
  free(snapshot);
}

/* A request on the request connection: its reply, or NULL with error
 * saying why (the connection is then unusable: the caller drops it). */
static json_value *request(top *self, const char *line, char *error, size_t error_size) {
  if (self->link.fd < 0) {
    snprintf(error, error_size, "not connected");
    return NULL;
  }
  return control_send(&self->link, line, error, error_size)
             ? control_read(&self->link, NULL, TOP_REPLY_TIMEOUT_MS, error, error_size)
             : NULL;
}

/* The system's list as the new snapshot (the one before it kept, for
 * rates); false with error saying why. */
static bool fetch(top *self, char *error, size_t error_size) {
  json_value *reply = request(self, "{\"request\":\"list\"}\n", error, error_size);
  if (!reply) return false;
  const json_value *cells = json_object_get(reply, "cells");
  top_snapshot *next = NULL;
  if (!control_reply_ok(reply, error, error_size) || !cells || cells->type != JSON_ARRAY) {
    if (!error[0] || strcmp(error, "refused") == 0)
      snprintf(error, error_size, "the system's list has no cells");
  } else if (!(next = self->before ? self->before : calloc(1, sizeof *next)) ||
             !reserve_rows(next, cells->array.count)) {
    snprintf(error, error_size, "out of memory");
    if (next != self->before) free_snapshot(next);
    next = NULL;
  }
  if (!next) {
    json_free(reply);
    return false;
  }
  json_free(next->reply);
  next->reply = reply;
  next->taken_ns = now_ns();
  next->uptime_ns = json_count_of(reply, "uptime_ns");
  const json_value *stopping = json_object_get(reply, "stopping");
  next->stopping = stopping && stopping->type == JSON_BOOLEAN && stopping->boolean;
  escape_string(next->system, sizeof next->system, json_text_of(reply, "system", self->system));
  next->count = 0;
  for (size_t i = 0; i < cells->array.count; i++)
    if (cells->array.items[i]->type == JSON_OBJECT)
      read_row(&next->rows[next->count++], cells->array.items[i]);
  compare(next, self->now);
  self->before = self->now;
  self->now = next;
  return true;
}

static double sort_value(const top_row *item, top_sort key) {
  switch (key) {
  case SORT_CPU: return item->cpu_percent;
  case SORT_MEMORY: return (double)(item->resident + item->memory);
  case SORT_RESTARTS: return (double)item->restarts;
  default: return 0;
  }
}

static const top_snapshot *sorting;
static top_sort sorting_by;

/* Largest first, but names A to Z; ties by name, so the order is stable
 * from one refresh to the next. */
static int by_key(const void *a, const void *b) {
  const top_row *left = &sorting->rows[*(const size_t *)a];
  const top_row *right = &sorting->rows[*(const size_t *)b];
  if (sorting_by != SORT_NAME) {
    double x = sort_value(left, sorting_by), y = sort_value(right, sorting_by);
    if (x != y) return x < y ? 1 : -1;
  }
  return strcmp(left->name, right->name);
}

const top_row *top_selected_row(const top *self) {
  return self->shown_count ? &self->now->rows[self->shown[self->selected]] : NULL;
}

/* Remembers which cell is selected, so that it stays selected whatever a
 * refresh, a sort or a filter does to the rows' order. */
static void remember_selection(top *self) {
  const top_row *item = top_selected_row(self);
  if (item) snprintf(self->selected_cell, sizeof self->selected_cell, "%s", item->cell);
}

/* The rows shown, filtered and sorted. A cell picked stays selected
 * wherever it goes; while a filter hides it, the nearest row is lit
 * without forgetting it, so it is selected again when the filter goes.
 * Before any pick the selection is the top row. */
static void arrange(top *self) {
  size_t count = self->now ? self->now->count : 0;
  size_t *shown = realloc(self->shown, (count ? count : 1) * sizeof *shown);
  if (!shown) return; /* the old order stays, for the old snapshot's count */
  self->shown = shown;
  self->shown_count = 0;
  for (size_t i = 0; i < count; i++)
    if (!self->filter[0] || strstr(self->now->rows[i].name, self->filter))
      self->shown[self->shown_count++] = i;
  sorting = self->now;
  sorting_by = self->sort;
  qsort(self->shown, self->shown_count, sizeof self->shown[0], by_key);
  if (!self->picked) self->selected = 0;
  for (size_t i = 0; self->picked && i < self->shown_count; i++)
    if (strcmp(self->now->rows[self->shown[i]].cell, self->selected_cell) == 0) self->selected = i;
  if (self->selected >= self->shown_count) self->selected = self->shown_count ? self->shown_count - 1 : 0;
}

/* ---- the connection ------------------------------------------------------ */

/* The system went away (stopped, or its socket is gone): the screen keeps
 * its last state, marked stopped, and each refresh looks for it again. */
static void lose(top *self, const char *why) {
  char system[128];
  control_disconnect(&self->link);
  escape_string(system, sizeof system, self->system);
  if (strstr(why, "did not answer")) /* hung, or too busy: it may come back */
    snprintf(self->lost, sizeof self->lost, "%s does not answer: last state shown; q quits",
             system);
  else
    snprintf(self->lost, sizeof self->lost, "%s has stopped: last state shown; q quits", system);
}

/* Connects again after lose; the snapshots of the old run are dropped,
 * as their counters do not go on into the new one. */
static bool reconnect(top *self) {
  char error[512];
  if (!control_connect_within(self->system, &self->link, TOP_GREETING_TIMEOUT_MS, error,
                              sizeof error))
    return false;
  self->lost[0] = '\0';
  snprintf(self->status, sizeof self->status, "connected again");
  free_snapshot(self->before);
  free_snapshot(self->now);
  self->before = self->now = NULL;
  return true;
}

/* ---- requests about a cell ----------------------------------------------- */

/* A request about a cell on the request connection; its reply (NULL: the
 * status line says why). */
static json_value *ask_about(top *self, const char *what, const char *cell_name, uint64_t lines) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", what);
  json_out_member_string(&out, "cell", cell_name);
  if (lines) json_out_member_uint(&out, "lines", lines);
  if (lines) json_out_member_bool(&out, "follow", false);
  json_out_end_object(&out);
  char *line = json_out_finish(&out), error[256] = "";
  json_value *reply = line && self->link.fd >= 0 ? request(self, line, error, sizeof error) : NULL;
  if (!line) snprintf(self->status, sizeof self->status, "out of memory");
  else if (self->link.fd < 0) snprintf(self->status, sizeof self->status, "not done: the system has stopped");
  else if (!reply) lose(self, error);
  free(line);
  return reply;
}

static void clear_lines(char **lines, size_t *count) {
  for (size_t i = 0; i < *count; i++) free(lines[i]);
  *count = 0;
}

/* Keeps a {"log":...} line's text in lines (the oldest goes when full),
 * escaped as the log's text form is (the system escaped it already; a
 * line is not trusted to be); false for any other line. */
static bool keep_log_line(const json_value *line, char **lines, size_t *count, size_t max) {
  const json_value *record = json_object_get(line, "log");
  if (!record || record->type != JSON_OBJECT) return false;
  const char *text = json_text_of(record, "line", "");
  size_t size = 4 * strlen(text) + 1;
  char *kept = malloc(size);
  if (!kept) return true;
  escape_unsafe(kept, size, text, strlen(text));
  if (*count == max) {
    free(lines[0]);
    memmove(lines, lines + 1, (max - 1) * sizeof *lines);
    (*count)--;
  }
  lines[(*count)++] = kept;
  return true;
}

/* Whether the detail kept is the selected cell's. */
static bool detail_is_of(const top *self, const top_row *item) {
  const json_value *inspected = self->detail ? json_object_get(self->detail, "cell") : NULL;
  return item && inspected && strcmp(json_text_of(inspected, "name", ""), item->cell) == 0;
}

/* The selected cell's inspect reply and its last log lines (the logs
 * reply's lines come first, then its "ok"). A system out of reach keeps
 * the last detail on the screen. */
static void load_detail(top *self) {
  const top_row *item = top_selected_row(self);
  if (self->lost[0] && detail_is_of(self, item)) return;
  json_free(self->detail);
  self->detail = NULL;
  clear_lines(self->detail_lines, &self->detail_count);
  if (!item || self->lost[0]) return;
  char name[sizeof item->cell]; /* item goes if the connection is lost */
  snprintf(name, sizeof name, "%s", item->cell);
  self->detail = ask_about(self, "inspect", name, 0);
  json_value *line = self->detail ? ask_about(self, "logs", name, TOP_DETAIL_LINES) : NULL;
  char error[256];
  while (line && keep_log_line(line, self->detail_lines, &self->detail_count, TOP_DETAIL_LINES)) {
    json_free(line);
    line = control_read(&self->link, NULL, TOP_REPLY_TIMEOUT_MS, error, sizeof error);
    if (!line) lose(self, error);
  }
  json_free(line);
}

static void stop_following(top *self) {
  if (self->log_link.fd >= 0) control_disconnect(&self->log_link);
  clear_lines(self->log_lines, &self->log_count);
  self->log_back = 0;
}

/* A connection of its own that follows the selected cell's log. */
static void follow_log(top *self) {
  char error[256];
  const top_row *item = top_selected_row(self);
  stop_following(self);
  if (!item) return;
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "request", "logs");
  json_out_member_string(&out, "cell", item->cell);
  json_out_member_uint(&out, "lines", TOP_LOG_LINES);
  json_out_member_bool(&out, "follow", true);
  json_out_end_object(&out);
  char *line = json_out_finish(&out);
  snprintf(self->log_cell, sizeof self->log_cell, "%s", item->cell_text);
  if (!line ||
      !control_connect_within(self->system, &self->log_link, TOP_GREETING_TIMEOUT_MS, error,
                              sizeof error) ||
      !control_send(&self->log_link, line, error, sizeof error)) {
    snprintf(self->status, sizeof self->status, "cannot follow the log: %s",
             line ? error : "out of memory");
    stop_following(self);
  } else {
    self->view = VIEW_LOG;
  }
  free(line);
}

/* The followed log's new lines, whole lines only (one may come in pieces). */
static void take_log_lines(top *self) {
  char error[256];
  for (int taken = 0; self->log_link.fd >= 0 && taken < LOG_LINES_PER_TURN; taken++) {
    bool ended;
    json_value *line = control_read_ready(&self->log_link, &ended, error, sizeof error);
    if (ended) {
      snprintf(self->status, sizeof self->status, "the log ended: %s", error);
      control_disconnect(&self->log_link);
    }
    if (!line) return;
    keep_log_line(line, self->log_lines, &self->log_count, TOP_LOG_LINES);
    json_free(line);
  }
}

/* kill or restart a cell; the status line says how it went. */
static void act(top *self, const char *what, const char *cell_name) {
  char error[256], shown[128];
  json_value *reply = ask_about(self, what, cell_name, 0);
  escape_string(shown, sizeof shown, cell_name);
  if (reply && control_reply_ok(reply, error, sizeof error))
    snprintf(self->status, sizeof self->status, "%s: %s", shown,
             json_text_of(reply, "message", "done"));
  else if (reply)
    snprintf(self->status, sizeof self->status, "%s: %s", shown, error);
  json_free(reply);
}

/* ---- keys ---------------------------------------------------------------- */

typedef enum key_outcome { AFTER_KEY_DONE, AFTER_KEY_QUIT, AFTER_KEY_REFRESH } key_outcome;

/* The filter is typed on the status line and applies as it is typed. */
static key_outcome filter_key(top *self, int key) {
  size_t length = strlen(self->filter);
  if (key == '\n' || key == '\r' || key == KEY_ENTER) {
    self->prompt = PROMPT_NONE;
    if (self->shown_count) { /* the row found is the one wanted */
      remember_selection(self);
      self->picked = true;
    }
  } else if (key == ESCAPE_KEY) {
    snprintf(self->filter, sizeof self->filter, "%s", self->filter_before);
    self->prompt = PROMPT_NONE;
  } else if ((key == KEY_BACKSPACE || key == 127 || key == 8) && length) {
    self->filter[length - 1] = '\0';
  } else if (key == CONTROL_KEY('u')) {
    self->filter[0] = '\0';
  } else if (key >= 32 && key < 127 && length + 1 < sizeof self->filter) {
    self->filter[length] = (char)key;
    self->filter[length + 1] = '\0';
  }
  return AFTER_KEY_DONE;
}

/* The kill prompt's answer: y kills, q quits (killing nothing), any
 * other key keeps the instance. */
static key_outcome kill_answer(top *self, int key) {
  self->prompt = PROMPT_NONE;
  if (key == 'y' || key == 'Y') {
    act(self, "kill", self->prompt_cell);
    return AFTER_KEY_REFRESH;
  }
  snprintf(self->status, sizeof self->status, "not killed");
  return key == 'q' ? AFTER_KEY_QUIT : AFTER_KEY_DONE;
}

static void ask_kill(top *self) {
  const top_row *item = top_selected_row(self);
  if (!item) return;
  snprintf(self->prompt_cell, sizeof self->prompt_cell, "%s", item->cell);
  snprintf(self->prompt_instance, sizeof self->prompt_instance, "%s", item->name);
  self->prompt = PROMPT_KILL;
}

/* The selected row's cell becomes the one the selection follows. */
static void pick(top *self) {
  if (!self->shown_count) return;
  remember_selection(self);
  self->picked = true;
}

/* Moves the selection by delta rows (clamped); in a cell's detail, the
 * detail follows it. */
static void move_selection(top *self, long delta) {
  if (!self->shown_count) return;
  long target = (long)self->selected + delta, last = (long)self->shown_count - 1;
  self->selected = (size_t)(target < 0 ? 0 : target > last ? last : target);
  self->picked = true;
  remember_selection(self);
  if (self->view == VIEW_DETAIL) load_detail(self);
}

static bool navigation_key(top *self, int key) {
  long page = LINES > 5 ? LINES - 4 : 1;
  if (self->view == VIEW_LOG) { /* scrolls the log back instead */
    long back = (long)self->log_back;
    if (key == KEY_UP) back++;
    else if (key == KEY_DOWN || key == 'j') back--;
    else if (key == KEY_PPAGE) back += page;
    else if (key == KEY_NPAGE) back -= page;
    else if (key == KEY_END) back = 0;
    else return false;
    long most = (long)self->log_count;
    self->log_back = (size_t)(back < 0 ? 0 : back > most ? most : back);
    return true;
  }
  if (key == KEY_UP) move_selection(self, -1);
  else if (key == KEY_DOWN || key == 'j') move_selection(self, 1);
  else if (key == KEY_PPAGE) move_selection(self, -page);
  else if (key == KEY_NPAGE) move_selection(self, page);
  else if (key == KEY_HOME) move_selection(self, -(long)self->shown_count);
  else if (key == KEY_END) move_selection(self, (long)self->shown_count);
  else return false;
  return true;
}

/* Esc (or Left): back to the table; in the table, the filter goes. */
static void go_back(top *self) {
  if (self->view == VIEW_TABLE) {
    self->filter[0] = '\0';
    return;
  }
  stop_following(self);
  self->view = VIEW_TABLE;
  self->status[0] = '\0';
}

static key_outcome command_key(top *self, int key) {
  if (key == 'q') return AFTER_KEY_QUIT;
  if (self->view == VIEW_HELP) { /* any other key leaves the help */
    self->view = self->help_from;
    return AFTER_KEY_DONE;
  }
  if (navigation_key(self, key)) return AFTER_KEY_DONE;
  if (key == KEY_ENTER || (key > 0 && key < 128 && strchr("\n\rklrs", key)))
    pick(self); /* the cell acted on (or re-sorted) stays selected */
  if (key == ESCAPE_KEY || key == KEY_LEFT) go_back(self);
  else if (key == 'k') ask_kill(self); /* k is kill, as in htop: up is the arrow */
  else if (key == 'r' && top_selected_row(self)) {
    act(self, "restart", top_selected_row(self)->cell);
    return AFTER_KEY_REFRESH;
  } else if (key == 's') self->sort = (self->sort + 1) % SORT_KEYS;
  else if (key == '/') {
    snprintf(self->filter_before, sizeof self->filter_before, "%s", self->filter);
    self->prompt = PROMPT_FILTER;
  } else if ((key == '\n' || key == '\r' || key == KEY_ENTER) && self->view != VIEW_LOG) {
    self->view = VIEW_DETAIL;
    load_detail(self);
  } else if (key == 'l') follow_log(self);
  else if (key == '?') {
    self->help_from = self->view;
    self->view = VIEW_HELP;
  } else if (key == CONTROL_KEY('l')) clearok(curscr, TRUE);
  return AFTER_KEY_DONE;
}

static key_outcome handle_key(top *self, int key) {
  key_outcome outcome = AFTER_KEY_DONE;
  if (key == KEY_RESIZE) return AFTER_KEY_DONE; /* the next draw has the new size */
  if (self->prompt == PROMPT_FILTER) outcome = filter_key(self, key);
  else if (self->prompt == PROMPT_KILL) outcome = kill_answer(self, key);
  else outcome = command_key(self, key);
  arrange(self);
  /* A filter or a sort may have moved the selection to another cell. */
  if (self->view == VIEW_DETAIL && !self->lost[0] && !detail_is_of(self, top_selected_row(self)))
    load_detail(self);
  return outcome;
}

/* ---- the loop ------------------------------------------------------------ */

static bool terminal_can_do_it(void) {
  const char *term = getenv("TERM");
  return isatty(0) && isatty(1) && term && term[0] && strcmp(term, "dumb") != 0;
}

/* A refresh: the list, and the detail if it is shown; when the system is
 * out of reach, one attempt to connect again. */
static void refresh_data(top *self) {
  char error[512] = "";
  if (self->link.fd < 0 && !reconnect(self)) return;
  if (!fetch(self, error, sizeof error)) {
    lose(self, error);
    return;
  }
  arrange(self);
  if (self->view == VIEW_DETAIL) load_detail(self);
}

/* Waits for a key, a log line or the next refresh; false when the
 * terminal is gone (its end hung up), where waiting would spin. */
static bool wait_for_input(top *self, uint64_t next_refresh) {
  struct pollfd waiting[2] = {{.fd = 0, .events = POLLIN},
                              {.fd = self->log_link.fd, .events = POLLIN}};
  uint64_t now = now_ns();
  int left = next_refresh > now ? (int)((next_refresh - now + 999999) / 1000000) : 0;
  if (poll(waiting, self->log_link.fd >= 0 ? 2 : 1, left) < 0) return true; /* a signal */
  return !(waiting[0].revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* Home and End as the common terminals send them, whatever TERM's entry
 * says (tmux under TERM=xterm sends \e[1~ and \e[4~, which xterm's entry
 * does not list): each sequence curses does not know yet becomes the key. */
static void define_other_keys(void) {
  static const struct { const char *sequence; int key; } keys[] = {
      {"\033[1~", KEY_HOME}, {"\033[7~", KEY_HOME}, {"\033[H", KEY_HOME}, {"\033OH", KEY_HOME},
      {"\033[4~", KEY_END},  {"\033[8~", KEY_END},  {"\033[F", KEY_END},  {"\033OF", KEY_END}};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (key_defined(keys[i].sequence) == 0) define_key(keys[i].sequence, keys[i].key);
}

static void start_screen(void) {
  struct sigaction stop = {.sa_handler = on_interrupt};
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGHUP, &stop, NULL);
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  define_other_keys();
  curs_set(0);
  /* How long an Escape waits for the rest of a key's sequence (Home is
   * ESC [ 1 ~): 25 ms split Home into Escape and text on a loaded machine
   * (seen through tmux); 100 ms, as vim's ttimeoutlen, still feels
   * immediate. */
  set_escdelay(100);
  timeout(0); /* getch never waits: poll does */
}

static int run_screen(top *self) {
  setlocale(LC_CTYPE, ""); /* what the terminal shows as characters (screen_text.h) */
  SCREEN *screen = screen_terminal_known() ? newterm(NULL, stdout, stdin) : NULL;
  if (!screen) { /* a TERM curses does not know: the caller prints plainly */
    char term[128];
    log_warn("top: the terminal TERM=%s is unknown here: the table instead",
             escape_string(term, sizeof term, getenv("TERM")));
    return -1;
  }
  start_screen();
  uint64_t next_refresh = 0;
  for (bool running = true; running && !interrupted;) {
    if (now_ns() >= next_refresh) {
      refresh_data(self);
      next_refresh = now_ns() + (uint64_t)self->interval_ms * 1000000u;
    }
    take_log_lines(self);
    top_draw(self);
    if (!wait_for_input(self, next_refresh)) break;
    for (int key; running && (key = getch()) != ERR;) {
      key_outcome outcome = handle_key(self, key);
      running = outcome != AFTER_KEY_QUIT;
      if (outcome == AFTER_KEY_REFRESH) next_refresh = 0; /* show what the action did */
    }
  }
  endwin();
  delscreen(screen);
  return 0;
}

static int run_plain(top *self, long count) {
  char error[512] = "";
  for (long i = 0; i < count && !interrupted; i++) {
    if (i) usleep((useconds_t)self->interval_ms * 1000);
    if (!fetch(self, error, sizeof error)) {
      log_error("%s: %s", self->system, error);
      return EXIT_RUNTIME_ERROR;
    }
    arrange(self);
    if (!top_print_plain(self)) return 0; /* no one reads any more: done, as with SIGPIPE */
  }
  return 0;
}

/* ---- which system -------------------------------------------------------- */

/* Whether a socket found has a system behind it (one that died leaves
 * its socket until a system of the same name replaces it). */
static bool answers(const char *path) {
  control_connection probe;
  char error[256];
  if (!control_connect(path, &probe, error, sizeof error)) return false;
  control_disconnect(&probe);
  return true;
}

/* "a, b, c" of the systems' sockets' names, for a message. */
static void list_names(char *out, size_t size, char **paths, size_t count) {
  out[0] = '\0';
  for (size_t i = 0; i < count && i < SYSTEMS_LISTED; i++) {
    const char *base = strrchr(paths[i], '/');
    base = base ? base + 1 : paths[i];
    size_t used = strlen(out);
    snprintf(out + used, size - used, "%s%.*s", i ? ", " : "",
             (int)(strlen(base) > 5 ? strlen(base) - 5 : strlen(base)), base); /* less ".sock" */
  }
  if (count > SYSTEMS_LISTED) snprintf(out + strlen(out), size - strlen(out), ", ...");
}

/* The only system running, for top without a name; with none or several,
 * says so (naming them) and returns NULL. */
static const char *only_system(char *name, size_t size) {
  char pattern[256], error[256];
  if (!control_socket_path("*", false, pattern, sizeof pattern, error, sizeof error)) {
    log_error("%s", error);
    return NULL;
  }
  glob_t found;
  size_t live = 0;
  if (glob(pattern, 0, NULL, &found) != 0) found.gl_pathc = 0;
  for (size_t i = 0; i < found.gl_pathc; i++)
    if (answers(found.gl_pathv[i])) found.gl_pathv[live++] = found.gl_pathv[i];
  char names[512];
  list_names(names, sizeof names, found.gl_pathv, live);
  if (live == 1) snprintf(name, size, "%s", found.gl_pathv[0]);
  else if (live == 0) log_error("top: no system is running (none in %s)", pattern);
  else log_error("top: %zu systems are running (%s): name one", live, names);
  for (size_t i = live; i < found.gl_pathc; i++) found.gl_pathv[i] = NULL; /* moved down */
  if (found.gl_pathc) globfree(&found);
  return live == 1 ? name : NULL;
}

/* ---- the command --------------------------------------------------------- */

enum { OPTION_PLAIN = OPTION_LONG_ONLY };

/* top's options: false to return *status at once (after --help, or a bad
 * command line). */
static bool read_options(top *self, int argc, char **argv, bool *plain, long *count,
                         int *status) {
  static const struct option long_options[] = {
      {"plain", no_argument, NULL, OPTION_PLAIN}, {"delay", required_argument, NULL, 'd'},
      {"count", required_argument, NULL, 'n'},    OPTION_HELP, OPTION_END};
  options_parser parser = {.command = "top", .short_options = "hd:n:",
                           .long_options = long_options, .argc = argc, .argv = argv};
  int option;
  *status = EXIT_USAGE;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    char *end = NULL;
    if (option == OPTIONS_QUIT) {
      *status = parser.exit_status;
      return false;
    } else if (option == OPTION_PLAIN) {
      *plain = true;
    } else if (option == 'd') {
      double seconds = strtod(optarg, &end);
      if (end == optarg || *end || !(seconds >= 0.1 && seconds <= 3600)) {
        log_error("top: -d %s: the seconds between refreshes, from 0.1 to 3600", optarg);
        return false;
      }
      self->interval_ms = (int)(seconds * 1000 + 0.5);
    } else if (option == 'n') {
      *count = strtol(optarg, &end, 10);
      if (end == optarg || *end || *count < 1) {
        log_error("top: -n %s: a count of refreshes, 1 or more", optarg);
        return false;
      }
    }
  }
  if (!options_operands(&parser, 0, 1, "")) return false;
  if (parser.operand < argc) self->system = argv[parser.operand];
  return true;
}

static void free_top(top *self) {
  control_disconnect(&self->link);
  stop_following(self);
  clear_lines(self->detail_lines, &self->detail_count);
  json_free(self->detail);
  free_snapshot(self->now);
  free_snapshot(self->before);
  free(self->shown);
  free(self);
}

int command_top(int argc, char **argv) {
  top *self = calloc(1, sizeof *self);
  if (!self) return EXIT_RUNTIME_ERROR;
  *self = (top){.interval_ms = 1000, .link.fd = -1, .log_link.fd = -1};
  bool plain = false;
  long count = 0;
  char only[256], error[512];
  int status;
  if (!read_options(self, argc, argv, &plain, &count, &status)) {
    free(self);
    return status;
  }
  if (!self->system) self->system = only_system(only, sizeof only);
  status = EXIT_RUNTIME_ERROR;
  if (self->system && !control_connect(self->system, &self->link, error, sizeof error))
    log_error("%s: %s", self->system, error);
  else if (self->system) {
    status = plain || count || !terminal_can_do_it() ? -1 : run_screen(self);
    if (status < 0) status = run_plain(self, count ? count : 1);
  }
  free_top(self);
  return status;
}
