/* SPDX-License-Identifier: Apache-2.0 */
#include "sup/output_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* Drops are told at most this often per cell, and at most this late. */
#define REPORT_INTERVAL_NS 1000000000ull

/* What one spec cell may still put into the log (token bucket for lines,
 * a running total for bytes), and what it lost. Only the log's thread
 * touches it. */
typedef struct log_budget {
  spec_log_limits limits;
  const char *name;
  double tokens; /* lines that may go now, up to the burst */
  uint64_t refilled_at;
  uint64_t logged_bytes;
  bool volume_spent;
  uint64_t dropped;   /* lines dropped since the last report */
  uint64_t report_at; /* when to report them; 0: nothing to report */
} log_budget;

typedef struct followed {
  channel_end *end;
  log_budget *budget;
  char who[48];
  char stream[8];
  bool discard;
  size_t length;   /* bytes of the current line kept */
  uint64_t cut;    /* bytes of the current line past limits.max_line */
  char *line;      /* limits.max_line bytes, allocated at the first */
} followed;

typedef struct followed_list {
  followed **items;
  size_t count, capacity;
} followed_list;

struct output_log {
  pthread_t thread;
  pthread_mutex_t lock;
  followed_list pending; /* added by output_log_follow, under lock */
  followed_list active;  /* the thread's own */
  /* A byte on the control channel wakes the thread to take new streams;
   * its end tells the thread to finish. */
  channel_end *control_write, *control_read;
  log_budget *budgets; /* one per spec cell, then one for any other */
  size_t budget_count;
  log_budget **waiting; /* budgets with drops to report */
  size_t waiting_count;
};

static bool list_add(followed_list *list, followed *item) {
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? list->capacity * 2 : 16;
    followed **grown = realloc(list->items, capacity * sizeof *grown);
    if (!grown) return false;
    list->items = grown;
    list->capacity = capacity;
  }
  list->items[list->count++] = item;
  return true;
}

static void free_followed(followed *item) {
  channel_end_close(item->end);
  free(item->line);
  free(item);
}

/* "100/s" */
static void format_rate(const spec_log_limits *limits, char *out, size_t size) {
  uint64_t period = limits->rate_period_ns / 1000000000ull;
  snprintf(out, size, "%llu/%s", (unsigned long long)limits->rate_lines,
           period >= 3600 ? "h" : period >= 60 ? "m" : "s");
}

static void report_drops(log_budget *budget) {
  char rate[32];
  format_rate(&budget->limits, rate, sizeof rate);
  if (budget->volume_spent)
    log_message(LOG_WARN, budget->name, "dropped %llu lines of output (its log volume limit, "
                "%llu bytes, is spent)", (unsigned long long)budget->dropped,
                (unsigned long long)budget->limits.max_bytes);
  else
    log_message(LOG_WARN, budget->name, "dropped %llu lines of output (over its log rate, %s "
                "with bursts of %llu)", (unsigned long long)budget->dropped, rate,
                (unsigned long long)budget->limits.burst);
  budget->dropped = 0;
  budget->report_at = 0;
}

/* Reports the drops due by now; returns when the next report is due. */
static uint64_t report_due_drops(output_log *log, uint64_t now) {
  uint64_t next = DEADLINE_NEVER;
  for (size_t i = 0; i < log->waiting_count;) {
    log_budget *budget = log->waiting[i];
    if (budget->report_at <= now) {
      report_drops(budget);
      log->waiting[i] = log->waiting[--log->waiting_count];
      continue;
    }
    if (budget->report_at < next) next = budget->report_at;
    i++;
  }
  return next;
}

static void count_drop(output_log *log, log_budget *budget, uint64_t now) {
  budget->dropped++;
  if (budget->report_at) return;
  budget->report_at = now + REPORT_INTERVAL_NS;
  log->waiting[log->waiting_count++] = budget; /* room for every budget */
}

/* Whether a line of `length` bytes may go into the log now. */
static bool admit(log_budget *budget, size_t length, uint64_t now) {
  const spec_log_limits *limits = &budget->limits;
  budget->tokens += (double)(now - budget->refilled_at) * (double)limits->rate_lines /
                    (double)limits->rate_period_ns;
  if (budget->tokens > (double)limits->burst) budget->tokens = (double)limits->burst;
  budget->refilled_at = now;
  if (budget->volume_spent || budget->tokens < 1) return false;
  if (length > limits->max_bytes - budget->logged_bytes) {
    budget->volume_spent = true;
    log_message(LOG_WARN, budget->name, "reached its log volume limit (%llu bytes): its output "
                "is dropped from now on", (unsigned long long)limits->max_bytes);
    return false;
  }
  budget->tokens -= 1;
  budget->logged_bytes += length;
  return true;
}

static void finish_line(output_log *log, followed *item, uint64_t now) {
  if (admit(item->budget, item->length, now)) {
    char ending[64];
    snprintf(ending, sizeof ending, " \xe2\x80\xa6 [cut %llu bytes]",
             (unsigned long long)item->cut);
    log_output(item->who, item->stream, item->line ? item->line : "", item->length,
               item->cut ? ending : NULL);
  } else {
    count_drop(log, item->budget, now);
  }
  item->length = 0;
  item->cut = 0;
}

/* Keeps what fits of a piece of the current line; counts the rest. */
static void keep(followed *item, const char *data, size_t length) {
  size_t limit = (size_t)item->budget->limits.max_line;
  if (!item->line && length > 0) item->line = malloc(limit);
  size_t room = item->line ? limit - item->length : 0;
  size_t taken = length < room ? length : room;
  if (taken) memcpy(item->line + item->length, data, taken);
  item->length += taken;
  item->cut += length - taken;
}

static void take_bytes(output_log *log, followed *item, const char *data, size_t length) {
  if (item->discard) return;
  uint64_t now = monotonic_ns();
  while (length > 0) {
    const char *newline = memchr(data, '\n', length);
    size_t part = newline ? (size_t)(newline - data) : length;
    if (part) keep(item, data, part);
    if (!newline) return;
    finish_line(log, item, now);
    data += part + 1;
    length -= part + 1;
  }
}

static void stop_following(output_log *log, followed_list *active, size_t index) {
  followed *item = active->items[index];
  if (!item->discard && (item->length || item->cut)) finish_line(log, item, monotonic_ns());
  free_followed(item);
  active->items[index] = active->items[--active->count];
}

/* Moves newly followed streams into the thread's own list. */
static void adopt_pending(output_log *log) {
  pthread_mutex_lock(&log->lock);
  for (size_t i = 0; i < log->pending.count; i++)
    if (!list_add(&log->active, log->pending.items[i])) free_followed(log->pending.items[i]);
  log->pending.count = 0;
  pthread_mutex_unlock(&log->lock);
}

static void *follow_streams(void *argument) {
  output_log *log = argument;
  waiter self;
  waiter_init_host(&self);
  bool control_open = true;
  uint32_t rotation = 0;
  channel_end **ends = NULL;
  size_t ends_capacity = 0;
  char buffer[4096];
  for (;;) {
    adopt_pending(log);
    if (!control_open && log->active.count == 0) break;
    size_t count = log->active.count + (control_open ? 1 : 0);
    if (count > ends_capacity) {
      channel_end **grown = realloc(ends, count * 2 * sizeof *grown);
      if (!grown) break;
      ends = grown;
      ends_capacity = count * 2;
    }
    for (size_t i = 0; i < log->active.count; i++) ends[i] = log->active.items[i]->end;
    if (control_open) ends[log->active.count] = log->control_read;
    uint64_t deadline = report_due_drops(log, monotonic_ns());
    uint32_t which = 0;
    int64_t got = channel_read(&self, ends, (uint32_t)count, buffer, sizeof buffer, deadline,
                               &rotation, &which);
    if (got == -MINOS_ETIMEDOUT) continue; /* a report is due */
    if (which == log->active.count) {
      control_open = got > 0; /* its end: finish once the streams have */
    } else if (got > 0) {
      take_bytes(log, log->active.items[which], buffer, (size_t)got);
    } else if (got != -MINOS_ERESET) {
      stop_following(log, &log->active, which);
    }
  }
  free(ends);
  return NULL;
}

static minos_status make_budgets(output_log *log, const spec *system) {
  size_t cells = system ? system->cell_count : 0;
  log->budgets = calloc(cells + 1, sizeof *log->budgets);
  log->waiting = calloc(cells + 1, sizeof *log->waiting);
  if (!log->budgets || !log->waiting) return MINOS_ENOMEM;
  uint64_t now = monotonic_ns();
  for (size_t i = 0; i <= cells; i++) {
    log_budget *budget = &log->budgets[i];
    const spec_cell *cell = i < cells ? &system->cells[i] : NULL;
    budget->limits = spec_cell_log_limits(system, cell);
    budget->name = cell ? cell->name : "minos";
    budget->tokens = (double)budget->limits.burst;
    budget->refilled_at = now;
  }
  log->budget_count = cells + 1;
  return MINOS_OK;
}

static void free_log(output_log *log) {
  free(log->budgets);
  free(log->waiting);
  free(log);
}

minos_status output_log_start(output_log **out, const spec *system) {
  output_log *log = calloc(1, sizeof *log);
  if (!log) return MINOS_ENOMEM;
  minos_status status = make_budgets(log, system);
  if (status == MINOS_OK) status = channel_create(64, &log->control_write, &log->control_read);
  if (status != MINOS_OK) {
    free_log(log);
    return status;
  }
  pthread_mutex_init(&log->lock, NULL);
  if (pthread_create(&log->thread, NULL, follow_streams, log) != 0) {
    channel_end_close(log->control_write);
    channel_end_close(log->control_read);
    pthread_mutex_destroy(&log->lock);
    free_log(log);
    return MINOS_EIO;
  }
  *out = log;
  return MINOS_OK;
}

minos_status output_log_follow(output_log *log, channel_end *read_end,
                               size_t cell_index, const char *who, const char *stream,
                               bool discard) {
  followed *item = calloc(1, sizeof *item);
  if (!item) {
    channel_end_close(read_end);
    return MINOS_ENOMEM;
  }
  item->end = read_end;
  size_t last = log->budget_count - 1;
  item->budget = &log->budgets[cell_index < last ? cell_index : last];
  snprintf(item->who, sizeof item->who, "%s", who);
  snprintf(item->stream, sizeof item->stream, "%s", stream);
  item->discard = discard;
  pthread_mutex_lock(&log->lock);
  bool added = list_add(&log->pending, item);
  pthread_mutex_unlock(&log->lock);
  if (!added) {
    free_followed(item);
    return MINOS_ENOMEM;
  }
  /* Never blocks: a full control channel already has a wake-up in it. */
  waiter caller;
  waiter_init_host(&caller);
  channel_write(&caller, log->control_write, "+", 1, DEADLINE_NOW);
  return MINOS_OK;
}

void output_log_finish(output_log *log) {
  channel_end_close(log->control_write);
  pthread_join(log->thread, NULL);
  adopt_pending(log);
  while (log->active.count) stop_following(log, &log->active, 0);
  report_due_drops(log, DEADLINE_NEVER);
  channel_end_close(log->control_read);
  free(log->active.items);
  free(log->pending.items);
  pthread_mutex_destroy(&log->lock);
  free_log(log);
}
