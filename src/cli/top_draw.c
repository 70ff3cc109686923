/* SPDX-License-Identifier: Apache-2.0 */
/* minos top's screens (the table, a cell's detail, its log, the help) and
 * its plain table. Every line goes to the screen through put_line, which
 * cuts it to the screen's width as the terminal measures it and shows
 * whatever could act on the terminal as \xNN (screen_text.h): a system's
 * names and its cells' log lines never move the cursor or wrap. */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/format.h"
#include "cli/screen_text.h"
#include "cli/top.h"
#include "core/escape.h"

/* ---- the table's columns ------------------------------------------------ */

enum { COL_CELL, COL_ARCH, COL_STATE, COL_PID, COL_UPTIME, COL_RESTARTS, COL_CPU, COL_MEMORY,
       COL_FDS, COL_TRAFFIC, COLUMN_COUNT };

typedef struct column {
  const char *title;
  int width;      /* at least; the name's column grows on a wide screen */
  int drop_order; /* on a narrow screen the lowest goes first; 0: never */
  bool left;      /* aligned left (text) or right (numbers) */
} column;

/* At 80 columns every one fits (79 wide, with the name's 14). */
static const column columns[COLUMN_COUNT] = {
    [COL_CELL] = {"CELL", 14, 0, true},      [COL_ARCH] = {"ARCH", 6, 3, true},
    [COL_STATE] = {"STATE", 10, 0, true},    [COL_PID] = {"PID", 7, 2, false},
    [COL_UPTIME] = {"UPTIME", 6, 4, false},  [COL_RESTARTS] = {"RST", 4, 6, false},
    [COL_CPU] = {"CPU%", 5, 0, false},       [COL_MEMORY] = {"MEM", 7, 7, false},
    [COL_FDS] = {"FDS", 4, 1, false},        [COL_TRAFFIC] = {"IO/s", 7, 5, false}};

#define NAME_WIDTH_MAX 48
#define FIELD_SIZE 112

typedef struct layout {
  bool shown[COLUMN_COUNT];
  int name_width;
} layout;

static int layout_width(const layout *chosen) {
  int width = -1;
  for (int i = 0; i < COLUMN_COUNT; i++)
    if (chosen->shown[i]) width += 1 + (i == COL_CELL ? chosen->name_width : columns[i].width);
  return width;
}

/* The columns that fit in width (the least useful dropped first), the
 * name's column grown into what is left, up to the longest name. */
static layout layout_for(int width, int longest_name) {
  layout chosen = {.name_width = columns[COL_CELL].width};
  for (int i = 0; i < COLUMN_COUNT; i++) chosen.shown[i] = true;
  for (int order = 1; layout_width(&chosen) > width; order++) {
    int dropped = 0;
    for (int i = 0; i < COLUMN_COUNT; i++)
      if (columns[i].drop_order == order) chosen.shown[i] = false, dropped++;
    if (!dropped) break; /* only the ones never dropped are left */
  }
  int room = width - layout_width(&chosen);
  int wanted = (longest_name < NAME_WIDTH_MAX ? longest_name : NAME_WIDTH_MAX) - chosen.name_width;
  if (room > 0 && wanted > 0) chosen.name_width += room < wanted ? room : wanted;
  return chosen;
}

/* A name too long for its column keeps its start and its end (the
 * instance's number, a name's distinguishing tail), joined by '~'. */
static void cut_middle(char *out, size_t size, const char *name, int width) {
  size_t length = strlen(name);
  if (length <= (size_t)width || width < 5) {
    snprintf(out, size, "%.*s", width, name);
    return;
  }
  int head = (width - 1) / 2, tail = width - 1 - head; /* the end tells more */
  snprintf(out, size, "%.*s~%s", head, name, name + length - (size_t)tail);
}

/* A row's fields as text, column by column. */
static void format_fields(const top_row *item, char fields[COLUMN_COUNT][FIELD_SIZE]) {
  for (int i = 0; i < COLUMN_COUNT; i++) snprintf(fields[i], FIELD_SIZE, "-");
  snprintf(fields[COL_CELL], FIELD_SIZE, "%s", item->name);
  snprintf(fields[COL_ARCH], FIELD_SIZE, "%s", item->arch);
  if (item->trigger) snprintf(fields[COL_STATE], FIELD_SIZE, "%" PRIu64 " live", item->running);
  else snprintf(fields[COL_STATE], FIELD_SIZE, "%s", item->state);
  if (item->pid) snprintf(fields[COL_PID], FIELD_SIZE, "%" PRIu64, item->pid);
  if (item->uptime_ns) format_duration(item->uptime_ns, fields[COL_UPTIME], FIELD_SIZE);
  if (!item->trigger) snprintf(fields[COL_RESTARTS], FIELD_SIZE, "%" PRIu64, item->restarts);
  snprintf(fields[COL_CPU], FIELD_SIZE, "%.1f", item->cpu_percent);
  format_bytes((double)(item->resident + item->memory), fields[COL_MEMORY], FIELD_SIZE);
  if (item->descriptors) snprintf(fields[COL_FDS], FIELD_SIZE, "%" PRIu64, item->descriptors);
  format_bytes(item->traffic_per_second, fields[COL_TRAFFIC], FIELD_SIZE);
}

/* The fields laid out in one line (each column at least its width). */
static void compose(const layout *chosen, char fields[COLUMN_COUNT][FIELD_SIZE], char *line,
                    size_t size) {
  size_t used = 0;
  line[0] = '\0';
  for (int i = 0; i < COLUMN_COUNT && used < size; i++) {
    if (!chosen->shown[i]) continue;
    char cut[FIELD_SIZE];
    int width = i == COL_CELL ? chosen->name_width : columns[i].width;
    if (i == COL_CELL) cut_middle(cut, sizeof cut, fields[i], width);
    else snprintf(cut, sizeof cut, "%s", fields[i]);
    int wrote = snprintf(line + used, size - used, columns[i].left ? "%s%-*s" : "%s%*s",
                         used ? " " : "", width, cut);
    used += wrote > 0 ? (size_t)wrote : 0;
  }
}

static void compose_titles(const layout *chosen, char *line, size_t size) {
  char titles[COLUMN_COUNT][FIELD_SIZE];
  for (int i = 0; i < COLUMN_COUNT; i++) snprintf(titles[i], FIELD_SIZE, "%s", columns[i].title);
  compose(chosen, titles, line, size);
}

static void compose_row(const layout *chosen, const top_row *item, char *line, size_t size) {
  char fields[COLUMN_COUNT][FIELD_SIZE];
  format_fields(item, fields);
  compose(chosen, fields, line, size);
}

static int longest_name(const top *self) {
  size_t longest = 0;
  for (size_t i = 0; self->now && i < self->shown_count; i++) {
    size_t length = strlen(self->now->rows[self->shown[i]].name);
    if (length > longest) longest = length;
  }
  return (int)longest;
}

/* ---- the header ---------------------------------------------------------- */

static const char *const sort_names[SORT_KEYS] = {"cpu", "memory", "restarts", "name"};

static void format_header(const top *self, char *line, size_t size) {
  uint64_t restarts = 0, faults = 0, memory = 0;
  double cpu = 0;
  for (size_t i = 0; self->now && i < self->now->count; i++) {
    const top_row *item = &self->now->rows[i];
    restarts += item->restarts, faults += item->faults, cpu += item->cpu_percent;
    memory += item->resident + item->memory;
  }
  char uptime[16], bytes[16], system[128];
  format_duration(self->now ? self->now->uptime_ns : 0, uptime, sizeof uptime);
  format_bytes((double)memory, bytes, sizeof bytes);
  escape_string(system, sizeof system, self->system);
  const char *mark = !self->lost[0]                          ? ""
                     : strstr(self->lost, "does not answer") ? " [not answering]"
                                                             : " [stopped]";
  if (!self->lost[0] && self->now && self->now->stopping) mark = " [stopping]";
  snprintf(line, size,
           "%s%s  up %s  cells %zu  restarts %" PRIu64 "  faults %" PRIu64 "  CPU %.1f%%  mem %s",
           self->now ? self->now->system : system, mark, uptime, self->now ? self->now->count : 0,
           restarts, faults, cpu, bytes);
}

/* ---- plain output -------------------------------------------------------- */

/* The terminal's width if stdout is one (the table then fits it rather
 * than wrap), else 0: every column, whole names, for scripts and files. */
static int output_width(void) {
  struct winsize size;
  return isatty(1) && ioctl(1, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 ? size.ws_col - 1 : 0;
}

bool top_print_plain(const top *self) {
  char line[1024];
  int longest = longest_name(self), width = output_width();
  layout all = layout_for(width ? width : 1 << 20, longest);
  if (!width) all.name_width = longest > columns[COL_CELL].width ? longest : columns[COL_CELL].width;
  format_header(self, line, sizeof line);
  printf("%s\n", line);
  compose_titles(&all, line, sizeof line);
  printf("%s\n", line);
  for (size_t i = 0; i < self->shown_count; i++) {
    compose_row(&all, &self->now->rows[self->shown[i]], line, sizeof line);
    printf("%s\n", line);
  }
  return fflush(stdout) == 0 && !ferror(stdout);
}

/* ---- the screen ---------------------------------------------------------- */

/* A line at y, cut to the screen's width (its last column left empty,
 * where some terminals wrap), in attributes to its end. */
static void put_line(int y, const char *text, int attributes) {
  if (y < 0 || y >= LINES || COLS < 2) return;
  char fitted[2048];
  int used = screen_fit(fitted, sizeof fitted, text, COLS - 1);
  attrset(attributes);
  mvaddstr(y, 0, fitted);
  for (int x = used; x < COLS - 1; x++) addch(' ');
  attrset(A_NORMAL);
}

/* A log line with its date left out (the time of day is enough here, and
 * the screen's width is better spent on what the cell said). */
static const char *without_date(const char *line) {
  /* 2026-12-03T15:48:32.385068+00:00 */
  if (strlen(line) > 20 && line[4] == '-' && line[7] == '-' && line[10] == 'T' &&
      line[13] == ':' && line[16] == ':')
    return line + 11;
  return line;
}

/* The time of day of a log line kept to the second: "15:48:32 info ...". */
static void short_log_line(char *out, size_t size, const char *line) {
  const char *rest = without_date(line);
  if (rest == line) {
    snprintf(out, size, "%s", line);
    return;
  }
  const char *after = strchr(rest, ' ');
  snprintf(out, size, "%.8s%s", rest, after ? after : "");
}

/* Rows of cells the table has room for: the header, the sort line, the
 * column titles and the status line take four. */
static int table_rows(void) {
  return LINES - 4 > 0 ? LINES - 4 : 0;
}

/* Keeps the selected row on the screen, moving the window as little as
 * it can (a cursor at the bottom stays there as the list scrolls). */
static void scroll_to_selection(top *self, size_t rows) {
  if (self->selected < self->first_shown) self->first_shown = self->selected;
  if (rows && self->selected >= self->first_shown + rows) self->first_shown = self->selected - rows + 1;
  if (self->shown_count <= rows) self->first_shown = 0;
  else if (self->first_shown > self->shown_count - rows) self->first_shown = self->shown_count - rows;
}

static void draw_sort_line(const top *self, size_t rows) {
  char line[512], where[64] = "";
  if (self->shown_count > rows && rows)
    snprintf(where, sizeof where, "  rows %zu-%zu of %zu", self->first_shown + 1,
             self->first_shown + rows, self->shown_count);
  snprintf(line, sizeof line, "sort: %s%s%s%s   ? help  q quit", sort_names[self->sort],
           self->filter[0] ? "  filter: " : "", self->filter, where);
  put_line(1, line, A_NORMAL);
}

static void draw_table(top *self) {
  char line[1024];
  size_t rows = (size_t)table_rows();
  layout chosen = layout_for(COLS - 1, longest_name(self));
  scroll_to_selection(self, rows);
  format_header(self, line, sizeof line);
  put_line(0, line, A_BOLD);
  draw_sort_line(self, rows);
  compose_titles(&chosen, line, sizeof line);
  put_line(2, line, A_REVERSE);
  if (!self->shown_count && self->now && self->now->count) {
    snprintf(line, sizeof line, "no cell matches \"%s\" (/ to change the filter, Esc clears it)",
             self->filter);
    put_line(3, line, A_NORMAL);
  }
  for (size_t y = 0; y < rows; y++) {
    size_t index = self->first_shown + y;
    if (index >= self->shown_count) break;
    compose_row(&chosen, &self->now->rows[self->shown[index]], line, sizeof line);
    put_line(3 + (int)y, line, index == self->selected ? A_REVERSE : A_NORMAL);
  }
}

/* ---- a cell's detail ----------------------------------------------------- */

/* The channels a cell's ends are on, from the list reply, with their fill
 * and their bytes per second since the list before. */
static int draw_channels(const top *self, int y, const char *cell_name) {
  const json_value *channels = self->now ? json_object_get(self->now->reply, "channels") : NULL;
  const json_value *old = self->before ? json_object_get(self->before->reply, "channels") : NULL;
  double seconds = self->before ? (double)(self->now->taken_ns - self->before->taken_ns) / 1e9 : 0;
  char line[1024], prefix[96];
  snprintf(prefix, sizeof prefix, "%s.", cell_name);
  int title = y++, listed = 0;
  for (size_t i = 0; channels && channels->type == JSON_ARRAY && i < channels->array.count; i++) {
    const json_value *wire = channels->array.items[i];
    const char *from = json_text_of(wire, "from", ""), *to = json_text_of(wire, "to", "");
    if (strncmp(from, prefix, strlen(prefix)) != 0 && strncmp(to, prefix, strlen(prefix)) != 0)
      continue;
    uint64_t capacity = json_count_of(wire, "capacity"), bytes = json_count_of(wire, "bytes");
    const json_value *was = old && old->type == JSON_ARRAY && i < old->array.count
                                ? old->array.items[i] : NULL;
    double rate = 0;
    if (was && seconds > 0 && strcmp(json_text_of(was, "from", ""), from) == 0 &&
        json_count_of(was, "bytes") <= bytes)
      rate = (double)(bytes - json_count_of(was, "bytes")) / seconds;
    char total[16], per_second[16], name[64], route[256], fill[16] = "   -";
    format_bytes((double)bytes, total, sizeof total);
    format_bytes(rate, per_second, sizeof per_second);
    escape_string(name, sizeof name, json_text_of(wire, "name", "-"));
    if (strstr(name, "->")) snprintf(name, sizeof name, "-"); /* unnamed: its route is its name */
    char from_text[112], to_text[112];
    snprintf(route, sizeof route, "%s -> %s", escape_string(from_text, sizeof from_text, from),
             escape_string(to_text, sizeof to_text, to));
    if (capacity)
      snprintf(fill, sizeof fill, "%3.0f%%",
               100.0 * (double)json_count_of(wire, "buffered") / (double)capacity);
    snprintf(line, sizeof line, "  %-12.12s %-32s %s full %7s/s %7s", name, route, fill,
             per_second, total);
    put_line(y++, line, A_NORMAL);
    listed++;
  }
  put_line(title, listed ? "channels:                                      fill    bytes/s   total"
                         : "channels: none",
           A_BOLD);
  return y;
}

static bool is_true(const json_value *object, const char *key) {
  const json_value *value = json_object_get(object, key);
  return value && value->type == JSON_BOOLEAN && value->boolean;
}

/* Appends " text" to line if it fits. */
static void append(char *line, size_t size, const char *text) {
  size_t used = strlen(line);
  if (used + 1 + strlen(text) < size) snprintf(line + used, size - used, " %s", text);
}

static void describe_grants(const json_value *grants, char *line, size_t size) {
  char escaped[256], piece[320];
  snprintf(line, size, "grants:");
  const json_value *dirs = json_object_get(grants, "dirs");
  for (size_t i = 0; dirs && dirs->type == JSON_ARRAY && i < dirs->array.count; i++) {
    const json_value *dir = dirs->array.items[i];
    snprintf(piece, sizeof piece, "%s (%s)",
             escape_string(escaped, sizeof escaped, json_text_of(dir, "guest", "?")),
             is_true(dir, "read_only") ? "read-only" : "read-write");
    append(line, size, piece);
  }
  static const char *const rules[] = {"connect", "listen"};
  for (size_t r = 0; r < 2; r++) {
    const json_value *list = json_object_get(grants, rules[r]);
    for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->array.count; i++) {
      const json_value *rule = list->array.items[i];
      snprintf(piece, sizeof piece, "%s %s", rules[r],
               escape_string(escaped, sizeof escaped,
                             rule->type == JSON_STRING ? rule->string.text : "?"));
      append(line, size, piece);
    }
  }
  if (is_true(grants, "clock")) append(line, size, "clock");
  if (is_true(grants, "random")) append(line, size, "random");
  if (json_count_of(grants, "spawn_max_cells")) {
    snprintf(piece, sizeof piece, "spawn %" PRIu64, json_count_of(grants, "spawn_max_cells"));
    append(line, size, piece);
  }
  if (strcmp(line, "grants:") == 0) snprintf(line, size, "grants: none");
}

/* A limit's value, or "none" where the spec sets none (0). */
static const char *limit_text(char *out, size_t size, uint64_t value, bool bytes, bool seconds) {
  if (!value) snprintf(out, size, "none");
  else if (bytes) format_bytes((double)value, out, size);
  else if (seconds) snprintf(out, size, "%.1fs", (double)value / 1e9);
  else snprintf(out, size, "%" PRIu64, value);
  return out;
}

static void describe_limits(const json_value *limits, char *line, size_t size) {
  char memory[16], cpu[16], descriptors[24], init[16];
  snprintf(line, size, "limits: memory %s  cpu %s  descriptors %s  init timeout %s",
           limit_text(memory, sizeof memory, json_count_of(limits, "memory_bytes"), true, false),
           limit_text(cpu, sizeof cpu, json_count_of(limits, "cpu_time_ns"), false, true),
           limit_text(descriptors, sizeof descriptors, json_count_of(limits, "descriptors"),
                      false, false),
           limit_text(init, sizeof init, json_count_of(limits, "init_timeout_ns"), false, true));
}

static int draw_recent_log(const top *self, int y) {
  char line[2048];
  put_line(y++, self->detail_count ? "recent log:" : "recent log: none", A_BOLD);
  int room = LINES - 1 - y;
  size_t count = self->detail_count;
  size_t first = room <= 0 ? count : count > (size_t)room ? count - (size_t)room : 0;
  for (size_t i = first; i < count; i++) {
    short_log_line(line, sizeof line, self->detail_lines[i]);
    put_line(y++, line, A_NORMAL);
  }
  return y;
}

static void draw_detail(const top *self) {
  char line[2048], escaped[1024];
  const top_row *item = top_selected_row(self);
  const json_value *inspected = self->detail ? json_object_get(self->detail, "cell") : NULL;
  if (!item) {
    put_line(0, "no cell selected  Esc: back", A_BOLD);
    return;
  }
  snprintf(line, sizeof line, "%s (%s, %s)  Esc: back  l: log  k: kill  r: restart", item->name,
           item->arch, item->trigger ? "trigger" : item->state);
  put_line(0, line, A_BOLD);
  int y = 1;
  layout chosen = layout_for(COLS - 1, (int)strlen(item->name));
  compose_titles(&chosen, line, sizeof line);
  put_line(y++, line, A_REVERSE);
  compose_row(&chosen, item, line, sizeof line);
  put_line(y++, line, A_NORMAL);
  if (item->trigger) {
    snprintf(line, sizeof line, "trigger: %" PRIu64 " running, %" PRIu64 " queued, %" PRIu64
             " accepted, %" PRIu64 " refused", item->running, item->queued, item->accepted,
             item->refused);
    put_line(y++, line, A_NORMAL);
  }
  snprintf(line, sizeof line, "code: %s",
           escape_string(escaped, sizeof escaped, json_text_of(inspected, "code", "?")));
  put_line(y++, line, A_NORMAL);
  describe_limits(inspected ? json_object_get(inspected, "limits") : NULL, line, sizeof line);
  put_line(y++, line, A_NORMAL);
  describe_grants(inspected ? json_object_get(inspected, "grants") : NULL, line, sizeof line);
  put_line(y++, line, A_NORMAL);
  snprintf(line, sizeof line, "last fault: %s",
           escape_string(escaped, sizeof escaped, json_text_of(inspected, "last_fault", "none")));
  put_line(y++, line, A_NORMAL);
  y = draw_channels(self, y, item->cell);
  draw_recent_log(self, y);
}

/* ---- a cell's log, the help ---------------------------------------------- */

static void draw_log(const top *self) {
  char line[2048];
  snprintf(line, sizeof line, "log of %s (%s)  Esc: back  Up/Down/PgUp/PgDn: scroll  q: quit",
           self->log_cell, self->log_link.fd >= 0 ? "following" : "ended");
  put_line(0, line, A_BOLD);
  int room = LINES - 2;
  if (room <= 0) return;
  size_t end = self->log_count > self->log_back ? self->log_count - self->log_back : 0;
  size_t first = end > (size_t)room ? end - (size_t)room : 0;
  for (size_t i = first; i < end; i++) {
    short_log_line(line, sizeof line, self->log_lines[i]);
    put_line(1 + (int)(i - first), line, A_NORMAL);
  }
}

static void draw_help(void) {
  static const char *const lines[] = {
      "minos top: keys (any key returns)",
      "",
      "  Up/Down, j     select a cell (k is kill); PgUp/PgDn, Home/End",
      "  s              sort by CPU, memory, restarts, name (in turn)",
      "  /              filter cells by name as you type (Enter keeps, Esc drops)",
      "  Enter          the cell's detail: channels, grants, limits, last fault, log",
      "  l              follow the cell's log",
      "  k              kill the cell's instance (asks first; its policy may restart it)",
      "  r              restart the cell (a fresh instance now)",
      "  ?              this help",
      "  Esc            back to the table (in the table: clears the filter)",
      "  q              quit",
      "",
      "Rates (CPU%, IO/s, a channel's bytes per second) are over the last interval."};
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    put_line((int)i, lines[i], i == 0 ? A_BOLD : A_NORMAL);
}

/* The status line: a prompt, else why the system is out of reach, else
 * the last action's outcome. */
static void draw_status(const top *self) {
  char line[512], name[128];
  if (self->prompt == PROMPT_FILTER) snprintf(line, sizeof line, "filter: %s_", self->filter);
  else if (self->prompt == PROMPT_KILL) {
    snprintf(line, sizeof line, "kill %s's instance %s? (y/n)",
             escape_string(name, sizeof name, self->prompt_cell), self->prompt_instance);
    if ((int)strlen(line) >= COLS) /* the question whole, its cell's name left out */
      snprintf(line, sizeof line, "kill %s? (y/n)", self->prompt_instance);
  }
  else snprintf(line, sizeof line, "%s", self->lost[0] ? self->lost : self->status);
  put_line(LINES - 1, line, A_BOLD);
}

void top_draw(top *self) {
  erase(); /* curses sends only what changed */
  if (self->view == VIEW_TABLE) draw_table(self);
  else if (self->view == VIEW_DETAIL) draw_detail(self);
  else if (self->view == VIEW_LOG) draw_log(self);
  else draw_help();
  draw_status(self);
  refresh();
}
