/* SPDX-License-Identifier: Apache-2.0 */
/* minos top's state, shared by its loop and keys (top_command.c) and its
 * screens and plain table (top_draw.c). Everything in it came from a
 * running system's control socket and is shown only escaped (names) or
 * through screen_text.h (all of it, on the screen). */
#ifndef MINOS_CLI_TOP_H
#define MINOS_CLI_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/control_client.h"

#define TOP_LOG_LINES 512
#define TOP_DETAIL_LINES 50

typedef struct top_row {
  char cell[80];      /* the cell's name as the system sent it: for requests */
  char cell_text[96]; /* the same, escaped, to show */
  char name[112];     /* its instance's name (the cell's when none runs), escaped */
  char arch[16], state[16];
  bool trigger;
  uint64_t pid, uptime_ns, restarts, faults, cpu_ns, resident, memory, descriptors;
  uint64_t traffic; /* bytes in and out */
  uint64_t running, queued, accepted, refused;
  double cpu_percent, traffic_per_second; /* over the last interval */
} top_row;

typedef struct top_snapshot {
  top_row *rows;
  size_t count, capacity;
  char system[96];
  bool stopping;
  uint64_t uptime_ns, taken_ns;
  json_value *reply; /* the whole list reply, for channels */
} top_snapshot;

typedef enum top_view { VIEW_TABLE, VIEW_DETAIL, VIEW_LOG, VIEW_HELP } top_view;
/* A question on the status line; the screen keeps refreshing meanwhile. */
typedef enum top_prompt { PROMPT_NONE, PROMPT_FILTER, PROMPT_KILL } top_prompt;
typedef enum top_sort { SORT_CPU, SORT_MEMORY, SORT_RESTARTS, SORT_NAME, SORT_KEYS } top_sort;

typedef struct top {
  const char *system;
  control_connection link, log_link;
  top_snapshot *now, *before;
  size_t *shown, shown_count; /* rows in display order, filtered */
  size_t selected, first_shown; /* first_shown: the table's top row on the screen */
  bool picked; /* a cell was selected by a key: the selection follows it, else stays on top */
  top_view view, help_from;
  top_prompt prompt;
  top_sort sort;
  char selected_cell[80], filter[48], filter_before[48];
  char prompt_cell[80], prompt_instance[112]; /* what the kill prompt asks about */
  char status[256];
  char lost[256]; /* why the system cannot be reached; "" while it can */
  json_value *detail;
  char *detail_lines[TOP_DETAIL_LINES];
  size_t detail_count;
  char *log_lines[TOP_LOG_LINES];
  size_t log_count, log_back; /* log_back: lines scrolled back from the newest */
  char log_cell[96];
  int interval_ms;
} top;

/* The selected row, or NULL when no row is shown. */
const top_row *top_selected_row(const top *self);
/* The whole screen of the current view, its status line and prompt. */
void top_draw(top *self);
/* The header and the table, plainly, on stdout; false if it cannot be
 * written (a pipe's reader gone: SIGPIPE is ignored). */
bool top_print_plain(const top *self);

#endif
