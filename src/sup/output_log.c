/* SPDX-License-Identifier: Apache-2.0 */
#include "sup/output_log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* Drops are told at most this often per cell, and at most this late. */
#define REPORT_INTERVAL_NS 1000000000ull
/* Open streams are found by their name in this many lists. */
#define NAME_BUCKETS 1024

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

typedef struct followed followed;
struct followed {
  channel_end *end;
  log_budget *budget;
  char who[48];
  char stream[8];
  bool discard;
  size_t length;   /* bytes of the current line kept */
  uint64_t cut;    /* bytes of the current line past limits.max_line */
  char *line;      /* limits.max_line bytes, allocated at the first */
  /* What the thread has taken from it (read, and logged or kept), and
   * whether it holds a line unfinished: read from other threads. */
  _Atomic uint64_t taken;
  atomic_bool unfinished;
  /* Under the log's lock, while it is open (output_log_caught_up): */
  followed *same_bucket; /* the next open stream whose name hashes alike */
  uint64_t asked_at;     /* when the supervisor first waited for its name */
  waiter *wake;          /* woken once its name's last stream has ended */
  char *end_message;     /* logged then (output_log_after_streams) */
  log_level end_level;
};

typedef struct followed_list {
  followed **items;
  size_t count, capacity;
} followed_list;

struct output_log {
  pthread_t thread;
  pthread_mutex_t lock;
  followed_list pending; /* added by output_log_follow, under lock */
  followed_list active;  /* the thread's own */
  followed *open_by_name[NAME_BUCKETS]; /* every stream not yet ended, under lock */
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
  free(item->end_message);
  free(item);
}

/* ---- open streams by name ------------------------------------------------
 * An instance's streams stay findable by its name until they have ended
 * and their last lines are in the log: the supervisor waits for that
 * before it logs the instance's end, and a trigger's instance has its end
 * logged after them, so a cell's last words always come before its end. */

static followed **bucket_of(output_log *log, const char *who) {
  uint32_t hash = 2166136261u;
  for (const unsigned char *at = (const unsigned char *)who; *at; at++)
    hash = (hash ^ *at) * 16777619u;
  return &log->open_by_name[hash % NAME_BUCKETS];
}

/* Under the lock: the first open stream under `who`, or NULL. */
static followed *find_open(output_log *log, const char *who) {
  for (followed *item = *bucket_of(log, who); item; item = item->same_bucket)
    if (strcmp(item->who, who) == 0) return item;
  return NULL;
}

static void remove_open(output_log *log, followed *gone) {
  followed **link = bucket_of(log, gone->who);
  while (*link && *link != gone) link = &(*link)->same_bucket;
  if (*link) *link = gone->same_bucket;
}

/* A stream has ended, its last line logged: if it was its name's last,
 * the end that waited for it is logged and the supervisor woken; else a
 * stream still open under the name takes them over. */
static void retire(output_log *log, followed *item) {
  pthread_mutex_lock(&log->lock);
  remove_open(log, item);
  followed *sibling = find_open(log, item->who);
  if (sibling && !sibling->end_message) {
    sibling->end_message = item->end_message;
    sibling->end_level = item->end_level;
    item->end_message = NULL;
  }
  pthread_mutex_unlock(&log->lock);
  if (sibling) return;
  if (item->end_message) log_message(item->end_level, item->who, "%s", item->end_message);
  if (item->wake) waiter_wake(item->wake);
}

/* Whether nothing more can come into the log from a stream: its writers
 * are gone, everything they wrote has been taken (its lines logged) and no
 * line is left unfinished. Its end then need not wait for the thread to
 * see it: a cell that crashes without a word restarts at once. */
static bool nothing_left(followed *item) {
  uint64_t taken = atomic_load_explicit(&item->taken, memory_order_acquire);
  bool unfinished = atomic_load(&item->unfinished);
  channel_statistics stats;
  channel_stats(item->end, &stats); /* read after taken: more read shows */
  return !stats.write_open && stats.buffered == 0 && stats.bytes_read == taken && !unfinished;
}

bool output_log_caught_up(output_log *log, const char *who, waiter *wake, uint64_t now,
                          uint64_t *deadline) {
  bool caught_up = true;
  pthread_mutex_lock(&log->lock);
  for (followed *item = *bucket_of(log, who); item; item = item->same_bucket) {
    if (strcmp(item->who, who) != 0 || nothing_left(item)) continue;
    if (!item->asked_at) item->asked_at = now;
    item->wake = wake;
    uint64_t given_up_at = item->asked_at + OUTPUT_LOG_END_WAIT_NS;
    if (now >= given_up_at) continue; /* held open: the end goes first */
    caught_up = false;
    if (given_up_at < *deadline) *deadline = given_up_at;
  }
  pthread_mutex_unlock(&log->lock);
  return caught_up;
}

void output_log_after_streams(output_log *log, log_level level, const char *who,
                              const char *message) {
  pthread_mutex_lock(&log->lock);
  followed *item = find_open(log, who);
  bool kept = item && !item->end_message && (item->end_message = strdup(message));
  if (kept) item->end_level = level;
  pthread_mutex_unlock(&log->lock);
  if (!kept) log_message(level, who, "%s", message);
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

/* Its last line (one without a newline too) into the log, then what
 * waited for its end. */
static void finish_stream(output_log *log, followed *item) {
  if (!item->discard && (item->length || item->cut)) finish_line(log, item, monotonic_ns());
  retire(log, item);
  free_followed(item);
}

static void stop_following(output_log *log, followed_list *active, size_t index) {
  followed *item = active->items[index];
  active->items[index] = active->items[--active->count];
  finish_stream(log, item);
}

/* Moves newly followed streams into the thread's own list. */
static void adopt_pending(output_log *log) {
  pthread_mutex_lock(&log->lock);
  while (log->pending.count) {
    followed *item = log->pending.items[--log->pending.count];
    if (list_add(&log->active, item)) continue;
    pthread_mutex_unlock(&log->lock);
    finish_stream(log, item); /* out of memory: not followed after all */
    pthread_mutex_lock(&log->lock);
  }
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
      followed *item = log->active.items[which];
      take_bytes(log, item, buffer, (size_t)got);
      atomic_store(&item->unfinished, item->length || item->cut);
      atomic_fetch_add_explicit(&item->taken, (uint64_t)got, memory_order_release);
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
  if (added) {
    followed **bucket = bucket_of(log, item->who);
    item->same_bucket = *bucket;
    *bucket = item;
  }
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
