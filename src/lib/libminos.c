/* SPDX-License-Identifier: Apache-2.0 */
/* libminos: the embedding API (include/minos_host.h) over the core, which
 * creates cells of any arch (core/code.h). Host handles are thin: a channel end is the core's own,
 * a cell handle is the cell itself, owned by the host until freed. */
#include <minos_host.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/channel.h"
#include "core/runtime.h"
#include "core/code.h"

#define EXPORT __attribute__((visibility("default")))

typedef struct minos_cell minos_cell;

/* Wall-clock timeouts (minos_cell_options.timeout_ns): one watchdog thread
 * per runtime, started with its first timed cell, ends each timed cell at
 * its deadline. Timed cells wait in a list, earliest first, under
 * watch_lock; a handle is unlinked under it before it is freed, so the
 * watchdog never touches a freed cell. */
struct minos_runtime {
  runtime workers;
  pthread_mutex_t watch_lock;
  pthread_cond_t watch_wake; /* on CLOCK_MONOTONIC, as deadlines are */
  minos_cell *timed;
  bool watchdog_started, watchdog_stopping;
  pthread_t watchdog;
};

struct minos_cell {
  cell *cell;
  minos_runtime *runtime;
  uint64_t deadline; /* monotonic ns; 0: none */
  minos_cell *next_timed;
};

static void *watch_deadlines(void *argument) {
  minos_runtime *self = argument;
  pthread_mutex_lock(&self->watch_lock);
  while (!self->watchdog_stopping) {
    minos_cell *first = self->timed;
    if (!first) {
      pthread_cond_wait(&self->watch_wake, &self->watch_lock);
    } else if (monotonic_ns() >= first->deadline) {
      self->timed = first->next_timed;
      first->next_timed = NULL;
      first->deadline = 0;
      if (!atomic_load(&first->cell->ended)) cell_request_end(first->cell, FAULT_TIMEOUT);
    } else {
      struct timespec until = {.tv_sec = (time_t)(first->deadline / 1000000000u),
                               .tv_nsec = (long)(first->deadline % 1000000000u)};
      pthread_cond_timedwait(&self->watch_wake, &self->watch_lock, &until);
    }
  }
  pthread_mutex_unlock(&self->watch_lock);
  return NULL;
}

/* With watch_lock held. */
static minos_status start_watchdog(minos_runtime *self) {
  if (self->watchdog_started) return MINOS_OK;
  if (pthread_create(&self->watchdog, NULL, watch_deadlines, self) != 0) return MINOS_ENOMEM;
  self->watchdog_started = true;
  return MINOS_OK;
}

static minos_status watch(minos_cell *handle, uint64_t timeout_ns) {
  minos_runtime *self = handle->runtime;
  pthread_mutex_lock(&self->watch_lock);
  minos_status status = start_watchdog(self);
  if (status == MINOS_OK) {
    handle->deadline = deadline_after(timeout_ns);
    minos_cell **at = &self->timed;
    while (*at && (*at)->deadline <= handle->deadline) at = &(*at)->next_timed;
    handle->next_timed = *at;
    *at = handle;
    pthread_cond_signal(&self->watch_wake);
  }
  pthread_mutex_unlock(&self->watch_lock);
  return status;
}

static void unwatch(minos_cell *handle) {
  minos_runtime *self = handle->runtime;
  pthread_mutex_lock(&self->watch_lock);
  for (minos_cell **at = &self->timed; *at; at = &(*at)->next_timed)
    if (*at == handle) {
      *at = handle->next_timed;
      break;
    }
  pthread_mutex_unlock(&self->watch_lock);
}

static void stop_watchdog(minos_runtime *self) {
  pthread_mutex_lock(&self->watch_lock);
  self->watchdog_stopping = true;
  pthread_cond_signal(&self->watch_wake);
  bool started = self->watchdog_started;
  pthread_mutex_unlock(&self->watch_lock);
  if (started) pthread_join(self->watchdog, NULL);
}

static channel_end *end_of(minos_end *end) { return (channel_end *)end; }

EXPORT minos_status minos_runtime_new(unsigned worker_count, minos_runtime **out) {
  minos_runtime *created = calloc(1, sizeof *created);
  if (!created) return MINOS_ENOMEM;
  pthread_condattr_t monotonic;
  pthread_condattr_init(&monotonic);
  pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
  pthread_mutex_init(&created->watch_lock, NULL);
  pthread_cond_init(&created->watch_wake, &monotonic);
  pthread_condattr_destroy(&monotonic);
  minos_status status = runtime_init(&created->workers, worker_count);
  if (status != MINOS_OK) {
    pthread_cond_destroy(&created->watch_wake);
    pthread_mutex_destroy(&created->watch_lock);
    free(created);
    return status;
  }
  *out = created;
  return MINOS_OK;
}

EXPORT minos_status minos_runtime_set_max_cells(minos_runtime *self, uint64_t max_cells) {
  if (!self || max_cells == 0 || max_cells > 100000000u) return MINOS_EINVAL;
  runtime_set_max_cells(&self->workers, max_cells);
  return MINOS_OK;
}

/* The watchdog stops after the runtime: cells still running at shutdown
 * keep their deadlines while the runtime waits for them. */
EXPORT void minos_runtime_free(minos_runtime *self) {
  if (!self) return;
  runtime_shutdown(&self->workers);
  stop_watchdog(self);
  pthread_cond_destroy(&self->watch_wake);
  pthread_mutex_destroy(&self->watch_lock);
  free(self);
}

EXPORT minos_status minos_pipe_new(uint32_t capacity, minos_end **write_end,
                                   minos_end **read_end) {
  channel_end *w, *r;
  minos_status status = channel_create(capacity, &w, &r);
  if (status != MINOS_OK) return status;
  *write_end = (minos_end *)w;
  *read_end = (minos_end *)r;
  return MINOS_OK;
}

static uint32_t clamp(size_t length) { return length > INT32_MAX ? INT32_MAX : (uint32_t)length; }

EXPORT int64_t minos_end_write(minos_end *write_end, const void *data, size_t length,
                               int64_t timeout_ns) {
  if (!write_end) return -MINOS_EBADF;
  waiter host;
  waiter_init_host(&host);
  return channel_write(&host, end_of(write_end), data, clamp(length), channel_deadline_for_timeout(timeout_ns));
}

EXPORT int64_t minos_end_read(minos_end *read_end, void *buffer, size_t size, int64_t timeout_ns) {
  if (!read_end) return -MINOS_EBADF;
  waiter host;
  waiter_init_host(&host);
  channel_end *end = end_of(read_end);
  uint32_t rotation = 0, which;
  return channel_read(&host, &end, 1, buffer, clamp(size), channel_deadline_for_timeout(timeout_ns), &rotation,
                      &which);
}

EXPORT void minos_end_close(minos_end *end) {
  if (end) channel_end_close(end_of(end));
}

static void close_stdio(const minos_cell_options *options) {
  for (int fd = 0; fd < 3; fd++) minos_end_close(options->stdio[fd]);
}

/* The caller's options as far as its version of the struct goes (the
 * rest zero: the defaults), with the defaults filled in; MINOS_EINVAL for
 * a limit that cannot be honoured. */
static minos_status read_options(const minos_cell_options *given, minos_cell_options *options,
                                 char *error, size_t error_size) {
  memset(options, 0, sizeof *options);
  size_t known = offsetof(minos_cell_options, stdio) + sizeof given->stdio;
  if (!given || given->size < known) {
    snprintf(error, error_size, "minos_cell_options.size must be sizeof(minos_cell_options)");
    return MINOS_EINVAL;
  }
  memcpy(options, given, given->size < sizeof *options ? given->size : sizeof *options);
  if (!options->memory_bytes) options->memory_bytes = MINOS_DEFAULT_MEMORY_BYTES;
  if (!options->descriptors) options->descriptors = MINOS_DEFAULT_DESCRIPTORS;
  if (options->memory_bytes < 65536 || options->memory_bytes > ((uint64_t)4 << 30)) {
    snprintf(error, error_size, "memory_bytes must be between 64 KiB (one page) and 4 GiB");
    return MINOS_EINVAL;
  }
  if (options->descriptors < 3) {
    snprintf(error, error_size, "descriptors must be at least 3 (stdin, stdout, stderr)");
    return MINOS_EINVAL;
  }
  return MINOS_OK;
}

static minos_status load(const minos_cell_options *options, cell_code *code, char *error,
                         size_t error_size) {
  code_report report;
  const char *name = options->module_path ? options->module_path
                     : options->name      ? options->name
                                          : "cell";
  minos_status status =
      options->module_path
          ? code_prepare_file(options->module_path, options->memory_bytes, code, &report)
          : code_prepare_bytes(options->module_bytes, options->module_size, name,
                               options->memory_bytes, code, &report);
  if (status == MINOS_EMODULE) snprintf(error, error_size, "invalid module %s: %s", name, report.error);
  else if (status != MINOS_OK) snprintf(error, error_size, "%s", report.error);
  return status;
}

EXPORT minos_status minos_cell_new(minos_runtime *runtime_handle,
                                   const minos_cell_options *given, minos_cell **out,
                                   char *error, size_t error_size) {
  char scratch[512];
  if (!error) {
    error = scratch;
    error_size = sizeof scratch;
  }
  error[0] = '\0';
  minos_cell_options resolved, *options = &resolved;
  minos_status status = read_options(given, options, error, error_size);
  if (status != MINOS_OK) {
    if (given && given->size >= offsetof(minos_cell_options, stdio) + sizeof given->stdio)
      close_stdio(given); /* it takes them over, even when it fails */
    return status;
  }
  runtime *workers = &runtime_handle->workers;
  minos_cell *handle = calloc(1, sizeof *handle);
  cell_code code = {0};
  status = handle ? MINOS_OK : MINOS_ENOMEM;
  if (status == MINOS_OK && !options->module_path && !options->module_bytes) status = MINOS_EINVAL;
  if (status == MINOS_OK) status = load(options, &code, error, error_size);
  if (status == MINOS_OK) {
    cell_config config = {
        .name = options->name ? options->name : "cell",
        .args = options->args,
        .arg_count = options->arg_count,
        .env = options->env,
        .env_count = options->env_count,
        .memory_limit_bytes = options->memory_bytes,
        .cpu_time_ns = options->cpu_time_ns,
        .descriptor_limit = options->descriptors,
        .parent_account = workers->root,
        .host_fds = workers->cell_host_fds,
        .max_cells = options->max_cells,
    };
    for (int fd = 0; fd < 3; fd++) config.stdio[fd] = end_of(options->stdio[fd]);
    status = code_create_cell(&code, &config, &handle->cell, error, error_size);
    code_release(&code);
    if (status != MINOS_OK) { /* it closed the ends */
      free(handle);
      return status;
    }
    handle->runtime = runtime_handle;
    if (options->timeout_ns) status = watch(handle, options->timeout_ns);
    if (status == MINOS_OK) status = runtime_place(workers, handle->cell, PLACE_ANY, NULL);
    if (status == MINOS_OK) {
      *out = handle;
      return MINOS_OK;
    }
    unwatch(handle);
    cell_disown(handle->cell); /* it holds the ends now */
    free(handle);
    snprintf(error, error_size, "cannot start the cell: %s", minos_status_name(status));
    return status;
  }
  close_stdio(options);
  free(handle);
  if (!error[0]) snprintf(error, error_size, "%s", minos_status_name(status));
  return status;
}

EXPORT minos_status minos_cell_wait(minos_cell *self, int64_t timeout_ns,
                                    minos_cell_status *status) {
  waiter host;
  waiter_init_host(&host);
  if (!cell_wait_end(self->cell, &host, channel_deadline_for_timeout(timeout_ns))) return MINOS_ETIMEDOUT;
  const cell_outcome *outcome = &self->cell->outcome;
  status->fault = outcome->faulted ? (uint32_t)outcome->fault : MINOS_FAULT_NONE;
  status->exit_code = outcome->faulted ? 0 : outcome->exit_code;
  return MINOS_OK;
}

EXPORT void minos_cell_kill(minos_cell *self) { cell_request_end(self->cell, FAULT_KILLED); }

EXPORT void minos_cell_free(minos_cell *self) {
  if (!self) return;
  if (self->runtime) unwatch(self);
  cell_disown(self->cell);
  free(self);
}

EXPORT const char *minos_status_text(minos_status status) { return minos_status_name(status); }

EXPORT const char *minos_fault_text(uint32_t fault) {
  return cell_fault_name((cell_fault)fault);
}
