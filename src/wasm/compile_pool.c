#include "wasm/compile_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cell.h"
#include "core/sync.h"
#include "wasm/cache.h"
#include "wasm/module_variant.h"

#define MAXIMUM_COMPILE_THREADS 64
#define WASM_PAGE_BYTES ((uint64_t)65536)

struct compile_job {
  compile_job *next; /* in the queue */
  bool started;      /* taken off the queue by a compile thread (queue_lock) */
  uint8_t *bytes;
  size_t length;
  char display_name[64];
  uint64_t memory_limit_bytes;
  compile_limits limits;
  /* The outcome, and who waits for it. */
  spinlock lock;
  bool done;
  unsigned references; /* the starter's and the compile thread's */
  waiter *waiting;
  minos_status status;
  loaded_module *module;
  load_report report;
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_filled = PTHREAD_COND_INITIALIZER;
static compile_job *queue_head, *queue_tail;
static unsigned thread_count, idle_threads;

static void job_release(compile_job *job) {
  spinlock_lock(&job->lock);
  bool last = --job->references == 0;
  spinlock_unlock(&job->lock);
  if (!last) return;
  if (job->module) module_release(job->module);
  free(job->bytes);
  free(job);
}

static void run_job(compile_job *job) {
  compile_session_begin(&job->limits);
  job->status = module_load_bytes_for_limit(job->bytes, job->length, job->display_name,
                                            job->memory_limit_bytes, &job->module, &job->report);
  compile_session_end();
  free(job->bytes);
  job->bytes = NULL;
  spinlock_lock(&job->lock);
  job->done = true;
  /* Woken under the lock: a waiter that gives up clears itself under it. */
  if (job->waiting) waiter_wake(job->waiting);
  spinlock_unlock(&job->lock);
  job_release(job);
}

static void *compile_thread(void *unused) {
  (void)unused;
  pthread_mutex_lock(&queue_lock);
  for (;;) {
    while (!queue_head) {
      idle_threads++;
      pthread_cond_wait(&queue_filled, &queue_lock);
      idle_threads--;
    }
    compile_job *job = queue_head;
    queue_head = job->next;
    if (!queue_head) queue_tail = NULL;
    job->started = true;
    pthread_mutex_unlock(&queue_lock);
    run_job(job);
    pthread_mutex_lock(&queue_lock);
  }
  return NULL;
}

static unsigned wanted_threads(void) {
  const char *text = getenv("MINOS_COMPILE_THREADS");
  long count = text && *text ? strtol(text, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  if (count < 1) count = 1;
  return count > MAXIMUM_COMPILE_THREADS ? MAXIMUM_COMPILE_THREADS : (unsigned)count;
}

/* With queue_lock held: a thread more while jobs wait with none idle, up
 * to the core count. Threads stay for the life of the process. */
static bool grow_pool(void) {
  if (idle_threads > 0 || thread_count >= wanted_threads()) return thread_count > 0;
  pthread_attr_t attributes;
  pthread_t thread;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  bool started = pthread_create(&thread, &attributes, compile_thread, NULL) == 0;
  pthread_attr_destroy(&attributes);
  if (started) thread_count++;
  return started || thread_count > 0;
}

compile_job *compile_job_start(const uint8_t *bytes, size_t length, const char *display_name,
                               uint64_t memory_limit_bytes, const compile_limits *limits) {
  compile_job *job = calloc(1, sizeof *job);
  if (!job) return NULL;
  job->bytes = malloc(length ? length : 1);
  if (!job->bytes) {
    free(job);
    return NULL;
  }
  memcpy(job->bytes, bytes, length);
  job->length = length;
  snprintf(job->display_name, sizeof job->display_name, "%s", display_name);
  job->memory_limit_bytes = memory_limit_bytes;
  job->limits = *limits;
  job->references = 2;
  pthread_mutex_lock(&queue_lock);
  bool served = grow_pool();
  if (served) {
    if (queue_tail) queue_tail->next = job;
    else queue_head = job;
    queue_tail = job;
    pthread_cond_signal(&queue_filled);
  }
  pthread_mutex_unlock(&queue_lock);
  if (!served) {
    free(job->bytes);
    free(job);
    return NULL;
  }
  return job;
}

bool compile_job_wait(compile_job *job, waiter *self, minos_status *status,
                      loaded_module **module, load_report *report) {
  for (;;) {
    spinlock_lock(&job->lock);
    bool done = job->done;
    job->waiting = done ? NULL : self;
    spinlock_unlock(&job->lock);
    if (done) break;
    /* A cell asked to end stops waiting; the job finishes without it. */
    if (self->cell && atomic_load(&self->cell->end_request)) {
      spinlock_lock(&job->lock);
      job->waiting = NULL;
      spinlock_unlock(&job->lock);
      return false;
    }
    waiter_sleep(self, DEADLINE_NEVER);
  }
  *status = job->status;
  *module = job->module;
  job->module = NULL;
  *report = job->report;
  return true;
}

/* With queue_lock held: takes a job nobody started off the queue. */
static bool unqueue(compile_job *job) {
  if (job->started) return false;
  compile_job **link = &queue_head, *previous = NULL;
  while (*link && *link != job) {
    previous = *link;
    link = &(*link)->next;
  }
  if (!*link) return false;
  *link = job->next;
  if (queue_tail == job) queue_tail = previous;
  return true;
}

/* A job its cell gave up on before a thread took it is dropped, so cells
 * that start compiles and are killed cannot pile up copies of code. */
void compile_job_release(compile_job *job) {
  pthread_mutex_lock(&queue_lock);
  bool dropped = unqueue(job);
  pthread_mutex_unlock(&queue_lock);
  if (dropped) job_release(job); /* the compile thread's reference */
  job_release(job);
}

bool compile_needed(const uint8_t *bytes, size_t length, uint64_t memory_limit_bytes) {
  module_variant variant = module_variant_for_memory_limit(memory_limit_bytes);
  cache_entry entry;
  char ignored[256];
  if (cache_prepare(bytes, length, module_variant_name(variant), &entry, ignored,
                    sizeof ignored) != MINOS_OK)
    return true;
  if (cache_exists(&entry)) return false;
  /* Refused in compact form: the fast artefact is what will be loaded. */
  if (variant != MODULE_COMPACT || !cache_refused(&entry, ignored, sizeof ignored)) return true;
  return cache_prepare(bytes, length, module_variant_name(MODULE_FAST), &entry, ignored,
                       sizeof ignored) != MINOS_OK ||
         !cache_exists(&entry);
}

/* ---- refusing what could never run ----------------------------------- */

static bool read_leb(const uint8_t **at, const uint8_t *end, uint64_t *value) {
  *value = 0;
  for (unsigned shift = 0; *at < end && shift < 64; shift += 7) {
    uint8_t byte = *(*at)++;
    *value |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

/* The initial size of the module's first defined memory, in pages. */
static bool first_memory_pages(const uint8_t *at, const uint8_t *end, uint64_t *pages) {
  uint64_t count, flags;
  if (!read_leb(&at, end, &count) || count == 0) return false;
  return read_leb(&at, end, &flags) && read_leb(&at, end, pages);
}

/* Only section headers and the memory section are read; anything
 * malformed is left to the validator, which says more. */
minos_status compile_precheck(const uint8_t *bytes, size_t length, uint64_t memory_limit_bytes,
                              char *error, size_t error_size) {
  if (memory_limit_bytes == 0 || length < 8) return MINOS_OK;
  const uint8_t *at = bytes + 8, *end = bytes + length;
  while (at < end) {
    uint8_t id = *at++;
    uint64_t size, pages;
    if (!read_leb(&at, end, &size) || size > (uint64_t)(end - at)) return MINOS_OK;
    if (id == 11 && size > memory_limit_bytes) {
      snprintf(error, error_size,
               "the module's data section (%llu bytes) is larger than the cell's memory limit "
               "(%llu bytes)",
               (unsigned long long)size, (unsigned long long)memory_limit_bytes);
      return MINOS_EINIT;
    }
    if (id == 5 && first_memory_pages(at, at + size, &pages) &&
        pages > memory_limit_bytes / WASM_PAGE_BYTES) {
      snprintf(error, error_size,
               "the module's initial memory (%llu pages of 64 KiB) is larger than the cell's "
               "memory limit (%llu bytes)",
               (unsigned long long)pages, (unsigned long long)memory_limit_bytes);
      return MINOS_EINIT;
    }
    at += size;
  }
  return MINOS_OK;
}
