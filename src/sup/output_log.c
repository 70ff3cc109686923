#include "sup/output_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define OUTPUT_LINE_MAX 1024

typedef struct followed {
  channel_end *end;
  char who[48];
  char stream[8];
  bool discard;
  size_t partial_length;
  char partial[OUTPUT_LINE_MAX];
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

static void emit(followed *item) {
  if (!item->discard)
    log_message(LOG_OUTPUT, item->who, "%s: %.*s", item->stream, (int)item->partial_length,
                item->partial);
  item->partial_length = 0;
}

static void take_bytes(followed *item, const char *data, size_t length) {
  for (size_t i = 0; i < length; i++) {
    if (data[i] == '\n') {
      emit(item);
      continue;
    }
    if (item->partial_length == sizeof item->partial) emit(item); /* a very long line, cut */
    item->partial[item->partial_length++] = data[i];
  }
}

static void stop_following(followed_list *active, size_t index) {
  followed *item = active->items[index];
  if (item->partial_length) emit(item);
  channel_end_close(item->end);
  free(item);
  active->items[index] = active->items[--active->count];
}

/* Moves newly followed streams into the thread's own list. */
static void adopt_pending(output_log *log) {
  pthread_mutex_lock(&log->lock);
  for (size_t i = 0; i < log->pending.count; i++)
    if (!list_add(&log->active, log->pending.items[i])) {
      channel_end_close(log->pending.items[i]->end);
      free(log->pending.items[i]);
    }
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
    uint32_t which = 0;
    int64_t got = channel_read(&self, ends, (uint32_t)count, buffer, sizeof buffer,
                               DEADLINE_NEVER, &rotation, &which);
    if (which == log->active.count) {
      control_open = got > 0; /* its end: finish once the streams have */
    } else if (got > 0) {
      take_bytes(log->active.items[which], buffer, (size_t)got);
    } else if (got != -MINOS_ERESET) {
      stop_following(&log->active, which);
    }
  }
  free(ends);
  return NULL;
}

minos_status output_log_start(output_log **out) {
  output_log *log = calloc(1, sizeof *log);
  if (!log) return MINOS_ENOMEM;
  minos_status status = channel_create(64, &log->control_write, &log->control_read);
  if (status != MINOS_OK) {
    free(log);
    return status;
  }
  pthread_mutex_init(&log->lock, NULL);
  if (pthread_create(&log->thread, NULL, follow_streams, log) != 0) {
    channel_end_close(log->control_write);
    channel_end_close(log->control_read);
    pthread_mutex_destroy(&log->lock);
    free(log);
    return MINOS_EIO;
  }
  *out = log;
  return MINOS_OK;
}

minos_status output_log_follow(output_log *log, channel_end *read_end, const char *who,
                               const char *stream, bool discard) {
  followed *item = calloc(1, sizeof *item);
  if (!item) {
    channel_end_close(read_end);
    return MINOS_ENOMEM;
  }
  item->end = read_end;
  snprintf(item->who, sizeof item->who, "%s", who);
  snprintf(item->stream, sizeof item->stream, "%s", stream);
  item->discard = discard;
  pthread_mutex_lock(&log->lock);
  bool added = list_add(&log->pending, item);
  pthread_mutex_unlock(&log->lock);
  if (!added) {
    channel_end_close(read_end);
    free(item);
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
  while (log->active.count) stop_following(&log->active, 0);
  channel_end_close(log->control_read);
  free(log->active.items);
  free(log->pending.items);
  pthread_mutex_destroy(&log->lock);
  free(log);
}
