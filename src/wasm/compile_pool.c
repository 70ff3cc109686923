/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/compile_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cell.h"
#include "core/offload.h"
#include "wasm/cache.h"
#include "wasm/module_variant.h"

#define MAXIMUM_COMPILE_THREADS 64
#define WASM_PAGE_BYTES ((uint64_t)65536)

static unsigned compile_threads(void) {
  const char *text = getenv("MINOS_COMPILE_THREADS");
  long count = text && *text ? strtol(text, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  if (count < 1) count = 1;
  return count > MAXIMUM_COMPILE_THREADS ? MAXIMUM_COMPILE_THREADS : (unsigned)count;
}

static offload_pool compile_threads_pool = OFFLOAD_POOL_INITIALIZER(compile_threads);

/* One load on a compile thread: it owns a copy of the code and, until the
 * waiting cell takes it, what it loaded. */
typedef struct compile_job {
  uint8_t *bytes;
  size_t length;
  char display_name[64];
  uint64_t memory_limit_bytes;
  compile_limits limits;
  minos_status status;
  loaded_module *module;
  load_report report;
} compile_job;

static void run_compile(void *argument) {
  compile_job *job = argument;
  compile_session_begin(&job->limits);
  job->status = module_load_bytes_for_limit(job->bytes, job->length, job->display_name,
                                            job->memory_limit_bytes, &job->module, &job->report);
  compile_session_end();
  free(job->bytes);
  job->bytes = NULL;
}

static void release_compile(void *argument) {
  compile_job *job = argument;
  if (job->module) module_release(job->module);
  free(job->bytes);
  free(job);
}

minos_status compile_off_worker(waiter *self, const uint8_t *bytes, size_t length,
                                const char *display_name, uint64_t memory_limit_bytes,
                                const compile_limits *limits, loaded_module **module,
                                load_report *report) {
  compile_job *job = calloc(1, sizeof *job);
  if (job) job->bytes = malloc(length ? length : 1);
  if (!job || !job->bytes) {
    free(job);
    snprintf(report->error, sizeof report->error, "cannot start a compile: out of memory");
    return MINOS_ENOMEM;
  }
  memcpy(job->bytes, bytes, length);
  job->length = length;
  snprintf(job->display_name, sizeof job->display_name, "%s", display_name);
  job->memory_limit_bytes = memory_limit_bytes;
  job->limits = *limits;
  switch (offload_run(&compile_threads_pool, self, run_compile, release_compile, job)) {
  case OFFLOAD_ABANDONED:
    snprintf(report->error, sizeof report->error, "ended while its code compiled");
    return MINOS_EIO;
  case OFFLOAD_REFUSED:
    release_compile(job);
    snprintf(report->error, sizeof report->error, "cannot start a compile: no thread");
    return MINOS_ENOMEM;
  case OFFLOAD_DONE: break;
  }
  minos_status status = job->status;
  *module = job->module;
  *report = job->report;
  job->module = NULL;
  release_compile(job);
  return status;
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
