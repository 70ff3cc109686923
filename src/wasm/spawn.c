/* SPDX-License-Identifier: Apache-2.0 */
/* cnew: a child cell from code bytes read off a channel. The parent waits
 * while the code arrives, is compiled (or found in the cache) and the child
 * initialises on a worker; initialisation (memory, data segments, the
 * module's start function) runs under the init timeout, and a child that
 * traps or overruns it never becomes the parent's: cnew fails instead.
 *
 * Creating cells is a grant (a cell's max_cells), and a child's limits
 * are at most what its parent has left (include/minos.h): its account
 * hangs below its parent's, so what it spends counts there too. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/account.h"
#include "core/channel.h"
#include "core/child_spec.h"
#include "core/children.h"
#include "core/code.h"
#include "core/log.h"
#include "core/offload.h"
#include "core/runtime.h"
#include "wasm/compile_pool.h"
#include "wasm/guest_memory.h"
#include "wasm/minos_api.h"
#include "wasm/wasm_arch.h"

#define MAXIMUM_CODE_BYTES ((size_t)MINOS_CHANNEL_MAX_CAPACITY)
#define DEFAULT_INIT_TIMEOUT_NS ((uint64_t)1000000000)
#define ARCH_SPEC_MINIMUM 8 /* size and arch */

/* Reads the spec as far as the guest's version of it goes; fields it does
 * not have stay zero (the defaults). */
static minos_status load_spec(wasm_cell *self, uint32_t address, uint32_t size,
                              minos_arch_spec *spec) {
  memset(spec, 0, sizeof *spec);
  if (size < ARCH_SPEC_MINIMUM || size > 4096) return MINOS_EINVAL;
  const void *bytes = guest_span(self, address, size);
  if (!bytes) return MINOS_EFAULT;
  memcpy(spec, bytes, size < sizeof *spec ? size : sizeof *spec);
  if (spec->size != size) return MINOS_EINVAL;
  return child_spec_check(spec);
}

/* The code as it arrives; its buffer is the parent's memory meanwhile. */
typedef struct code_buffer {
  uint8_t *bytes;
  size_t used, capacity;
} code_buffer;

static void free_code(wasm_cell *self, code_buffer *code) {
  account_credit(self->cell->account, ACCOUNT_MEMORY, code->capacity);
  free(code->bytes);
  *code = (code_buffer){NULL, 0, 0};
}

static minos_status grow_code(wasm_cell *self, code_buffer *code) {
  size_t capacity = code->capacity ? code->capacity * 2 : 64 * 1024;
  if (capacity > MAXIMUM_CODE_BYTES) return MINOS_ELIMIT;
  size_t more = capacity - code->capacity;
  if (account_charge(self->cell->account, ACCOUNT_MEMORY, more) != MINOS_OK) return MINOS_ELIMIT;
  uint8_t *grown = realloc(code->bytes, capacity);
  if (!grown) {
    account_credit(self->cell->account, ACCOUNT_MEMORY, more);
    return MINOS_ENOMEM;
  }
  code->bytes = grown;
  code->capacity = capacity;
  return MINOS_OK;
}

/* Everything until the end of the stream, or the reason it could not be. */
static minos_status read_code(wasm_cell *self, channel_end *end, code_buffer *code) {
  uint32_t rotation = 0, which;
  minos_status status = MINOS_OK;
  while (status == MINOS_OK) {
    if (code->used == code->capacity && (status = grow_code(self, code)) != MINOS_OK) break;
    int64_t got = channel_read(&self->cell->waiter, &end, 1, code->bytes + code->used,
                               (uint32_t)(code->capacity - code->used), DEADLINE_NEVER,
                               &rotation, &which);
    if (got == 0) break;
    if (got < 0) status = (minos_status)-got;
    else code->used += (size_t)got;
  }
  return status;
}

/* Code the cache holds already is loaded here; anything else is compiled
 * on a compile thread (compile_pool.h) while the cell blocks, so the other
 * cells of its worker keep running. A cell asked to end while it waits
 * stops waiting (its caller honours the request); the job finishes alone. */
static minos_status load_off_worker(wasm_cell *self, const uint8_t *code, size_t length,
                                    uint64_t memory_bytes, loaded_module **module,
                                    load_report *report) {
  minos_status status =
      module_load_cached_bytes_for_limit(code, length, "child", memory_bytes, module, report);
  if (status != MINOS_OK || !report->needs_compile) return status;
  compile_limits limits;
  status = compile_limits_from_environment(&limits, report->error, sizeof report->error);
  if (status != MINOS_OK) return status;
  return compile_off_worker(&self->cell->waiter, code, length, "child", memory_bytes, &limits,
                            module, report);
}

static minos_status load_child_module(wasm_cell *self, const uint8_t *code, size_t length,
                                      uint64_t memory_bytes, loaded_module **module) {
  load_report report = {.error = ""};
  minos_status status =
      compile_precheck(code, length, memory_bytes, report.error, sizeof report.error);
  if (status == MINOS_OK)
    status = load_off_worker(self, code, length, memory_bytes, module, &report);
  if (status == MINOS_OK && !(*module)->entry->start) {
    /* A cell is a command: started means its _start runs. */
    log_message(LOG_INFO, self->cell->name, "cnew: the code exports no _start function");
    module_release(*module);
    *module = NULL;
    return MINOS_EMODULE;
  }
  if (status == MINOS_OK) return MINOS_OK;
  /* A compile limit is the runtime's to report, not only the guest's. */
  log_message(status == MINOS_ELIMIT ? LOG_WARN : LOG_INFO, self->cell->name, "cnew: %s",
              report.error);
  bool told = status == MINOS_EMODULE || status == MINOS_ELIMIT || status == MINOS_EINIT;
  return told ? status : MINOS_EIO;
}

static minos_status create_child(wasm_cell *self, loaded_module *module,
                                 const minos_arch_spec *spec, const child_limits *limits,
                                 cell **out) {
  char name[48];
  cell_config config =
      child_config(self->cell, spec, limits, self->denied_grants, name, sizeof name);
  char error[256];
  minos_status status = wasm_cell_create(module, &config, out, error, sizeof error);
  /* At a cap, the guest hears MINOS_ELIMIT: a loop must not fill the log. */
  if (status != MINOS_OK && status != MINOS_ELIMIT)
    log_message(LOG_WARN, self->cell->name, "cnew: %s", error);
  return status;
}

/* Starts the child and waits for its initialisation: its id, or why not.
 * A native child has nothing to initialise before its start. */
static int32_t initialise(wasm_cell *self, cell *child, const minos_arch_spec *spec) {
  int32_t id = cell_adopt(self->cell, child);
  if (id < 0) {
    cell_disown(child);
    return id;
  }
  minos_status status = runtime_place(runtime_of(self->cell), child,
                                      (cell_placement)spec->placement, self->cell);
  if (status != MINOS_OK) {
    cell_forget_child(self->cell, id);
    cell_disown(child);
    return minos_api_failure(status);
  }
  if (spec->arch != MINOS_ARCH_WASM) return id;
  uint64_t timeout = spec->init_timeout_ns ? spec->init_timeout_ns : DEFAULT_INIT_TIMEOUT_NS;
  if (wasm_cell_wait_initialised(child, &self->cell->waiter, deadline_after(timeout))) return id;
  bool ended = atomic_load(&child->ended);
  if (!ended) cell_request_end(child, FAULT_INIT_TIMEOUT);
  cell_forget_child(self->cell, id);
  cell_disown(child);
  return minos_api_failure(ended ? MINOS_EINIT : MINOS_ETIMEDOUT);
}

/* Preparing code of another arch (a native program: written to a file
 * and its libraries found) touches the file system: off the worker. */
static unsigned prepare_threads(void) { return 2; }
static offload_pool prepare_pool = OFFLOAD_POOL_INITIALIZER(prepare_threads);

typedef struct prepare_job {
  const uint8_t *bytes; /* the parent's code buffer */
  size_t length;
  uint64_t memory_bytes;
  cell_code code;
  code_report report;
  minos_status status;
} prepare_job;

static void run_prepare(void *argument) {
  prepare_job *job = argument;
  job->status = code_prepare_bytes(job->bytes, job->length, "child", job->memory_bytes,
                                   &job->code, &job->report);
}

/* A job whose cell let go: what it prepared goes. */
static void release_prepare(void *argument) {
  prepare_job *job = argument;
  if (job->status == MINOS_OK) code_release(&job->code);
  free(job);
}

/* A child from code that is not a wasm module, through the core
 * (core/code.h): the arch is the code's, told by its first bytes. */
static minos_status create_other_child(wasm_cell *self, const code_buffer *code,
                                       const minos_arch_spec *spec, const child_limits *limits,
                                       cell **out) {
  prepare_job *job = calloc(1, sizeof *job);
  if (!job) return MINOS_ENOMEM;
  *job = (prepare_job){.bytes = code->bytes, .length = code->used,
                       .memory_bytes = limits->memory_bytes, .status = MINOS_EIO};
  offload_outcome outcome =
      offload_run(&prepare_pool, &self->cell->waiter, run_prepare, release_prepare, job);
  if (outcome == OFFLOAD_ABANDONED) return MINOS_EIO; /* ending: the caller honours it */
  minos_status status = outcome == OFFLOAD_REFUSED ? MINOS_EIO : job->status;
  if (status != MINOS_OK && outcome == OFFLOAD_DONE)
    log_message(LOG_INFO, self->cell->name, "cnew: %s", job->report.error);
  if (status == MINOS_OK) {
    char name[48], error[256];
    cell_config config =
      child_config(self->cell, spec, limits, self->denied_grants, name, sizeof name);
    status = code_create_cell(&job->code, &config, out, error, sizeof error);
    if (status != MINOS_OK && status != MINOS_ELIMIT)
      log_message(LOG_WARN, self->cell->name, "cnew: %s", error);
    code_release(&job->code);
  }
  free(job);
  return status == MINOS_OK || status == MINOS_ELIMIT || status == MINOS_EMODULE ? status
                                                                                   : MINOS_EIO;
}

/* The arch the code's first bytes say must be the spec's. */
static minos_status check_arch(wasm_cell *self, const code_buffer *code,
                               const minos_arch_spec *spec) {
  const code_arch *arch = code_arch_of(code->bytes, code->used);
  bool native = arch && arch != &wasm_code_arch;
  if (native == (spec->arch == MINOS_ARCH_NATIVE)) return MINOS_OK;
  char what[160];
  log_message(LOG_INFO, self->cell->name, "cnew: the code is %s; the spec's arch says %s",
              code_describe(code->bytes, code->used, what, sizeof what),
              spec->arch == MINOS_ARCH_NATIVE ? "native" : "wasm");
  return MINOS_EMODULE;
}

int32_t minos_api_cnew(wasm_cell *self, int32_t code_rfd, uint32_t spec_address,
                       uint32_t spec_size) {
  minos_arch_spec spec;
  child_limits limits;
  minos_status status = load_spec(self, spec_address, spec_size, &spec);
  if (status != MINOS_OK) return minos_api_failure(status);
  channel_end *end = code_rfd >= 0 ? wasi_context_end(&self->wasi, (uint32_t)code_rfd) : NULL;
  if (!end) return minos_api_failure(MINOS_EBADF);
  if (end->writes) return minos_api_failure(MINOS_EPERM);
  /* Refused before the code is read: the code stays the caller's. */
  status = child_limits_resolve(self->cell, &spec, self->wasi.descriptor_limit, &limits);
  if (status != MINOS_OK) return minos_api_failure(status);
  code_buffer code = {NULL, 0, 0};
  status = read_code(self, end, &code);
  if (status == MINOS_OK) channel_end_close(wasi_context_take_end(&self->wasi, (uint32_t)code_rfd));
  if (status == MINOS_OK) status = check_arch(self, &code, &spec);
  loaded_module *module = NULL;
  cell *child = NULL;
  if (status == MINOS_OK && spec.arch == MINOS_ARCH_NATIVE)
    status = create_other_child(self, &code, &spec, &limits, &child);
  else if (status == MINOS_OK)
    status = load_child_module(self, code.bytes, code.used, limits.memory_bytes, &module);
  free_code(self, &code);
  if (status == MINOS_OK && !child) status = create_child(self, module, &spec, &limits, &child);
  if (module) module_release(module);
  int32_t result = status == MINOS_OK ? initialise(self, child, &spec) : minos_api_failure(status);
  cell_honour_end_request(self->cell);
  return result;
}
