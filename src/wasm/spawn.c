/* cnew: a child cell from code bytes read off a channel. The parent waits
 * while the code arrives, is compiled (or found in the cache) and the child
 * initialises on a worker; initialisation (memory, data segments, the
 * module's start function) runs under the init timeout, and a child that
 * traps or overruns it never becomes the parent's: cnew fails instead. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/channel.h"
#include "core/children.h"
#include "core/log.h"
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
  if (spec->size != size || spec->arch != MINOS_ARCH_WASM) return MINOS_EINVAL;
  if (spec->placement > MINOS_PLACE_OTHER_WORKER) return MINOS_EINVAL;
  if (spec->stack_bytes && spec->stack_bytes < 16 * 1024) return MINOS_EINVAL;
  return MINOS_OK;
}

/* Everything until the end of the stream, or the reason it could not be. */
static minos_status read_code(wasm_cell *self, channel_end *end, uint8_t **out, size_t *length) {
  size_t used = 0, capacity = 64 * 1024;
  uint8_t *code = malloc(capacity);
  uint32_t rotation = 0, which;
  minos_status status = code ? MINOS_OK : MINOS_ENOMEM;
  while (status == MINOS_OK) {
    if (used == capacity) {
      uint8_t *grown = capacity < MAXIMUM_CODE_BYTES ? realloc(code, capacity * 2) : NULL;
      if (!grown) {
        status = capacity < MAXIMUM_CODE_BYTES ? MINOS_ENOMEM : MINOS_ELIMIT;
        break;
      }
      code = grown;
      capacity *= 2;
    }
    int64_t got = channel_read(&self->cell->waiter, &end, 1, code + used,
                               (uint32_t)(capacity - used), DEADLINE_NEVER, &rotation, &which);
    if (got == 0) break;
    if (got < 0) status = (minos_status)-got;
    else used += (size_t)got;
  }
  if (status != MINOS_OK) {
    free(code);
    return status;
  }
  *out = code;
  *length = used;
  return MINOS_OK;
}

/* Code the cache holds already is loaded here; anything else is compiled
 * on a compile thread (compile_pool.h) while the cell blocks, so the other
 * cells of its worker keep running. A cell asked to end while it waits
 * stops waiting (its caller honours the request); the job finishes alone. */
static minos_status load_off_worker(wasm_cell *self, const uint8_t *code, size_t length,
                                    uint64_t memory_bytes, loaded_module **module,
                                    load_report *report) {
  if (!compile_needed(code, length, memory_bytes))
    return module_load_bytes_for_limit(code, length, "child", memory_bytes, module, report);
  compile_limits limits;
  minos_status status = compile_limits_from_environment(&limits, report->error,
                                                        sizeof report->error);
  if (status != MINOS_OK) return status;
  compile_job *job = compile_job_start(code, length, "child", memory_bytes, &limits);
  if (!job) {
    snprintf(report->error, sizeof report->error, "cannot start a compile: out of memory");
    return MINOS_ENOMEM;
  }
  bool done = compile_job_wait(job, &self->cell->waiter, &status, module, report);
  compile_job_release(job);
  if (!done) snprintf(report->error, sizeof report->error, "ended while its child compiled");
  return done ? status : MINOS_EIO;
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
  return status == MINOS_EMODULE || status == MINOS_ELIMIT ? status : MINOS_EIO;
}

static minos_status create_child(wasm_cell *self, loaded_module *module,
                                 const minos_arch_spec *spec, cell **out) {
  static const char *const args[] = {"child"};
  char name[48];
  snprintf(name, sizeof name, "%s/child", self->cell->name);
  wasm_cell_config config = {
      .name = name,
      .module = module,
      .wasi = {.args = args, .arg_count = 1},
      .memory_limit_bytes = spec->memory_bytes,
      .stack_bytes = spec->stack_bytes,
      .cpu_time_ns = spec->cpu_time_ns,
      .wait_for_start = true,
      .denied_grants = self->denied_grants,
  };
  char error[256];
  minos_status status = wasm_cell_create(&config, out, error, sizeof error);
  if (status != MINOS_OK) log_message(LOG_WARN, self->cell->name, "cnew: %s", error);
  return status;
}

/* Starts the child and waits for its initialisation: its id, or why not. */
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
  uint64_t timeout = spec->init_timeout_ns ? spec->init_timeout_ns : DEFAULT_INIT_TIMEOUT_NS;
  if (wasm_cell_wait_initialised(child, &self->cell->waiter, deadline_after(timeout))) return id;
  bool ended = atomic_load(&child->ended);
  if (!ended) cell_request_end(child, FAULT_INIT_TIMEOUT);
  cell_forget_child(self->cell, id);
  cell_disown(child);
  return minos_api_failure(ended ? MINOS_EINIT : MINOS_ETIMEDOUT);
}

int32_t minos_api_cnew(wasm_cell *self, int32_t code_rfd, uint32_t spec_address,
                       uint32_t spec_size) {
  minos_arch_spec spec;
  minos_status status = load_spec(self, spec_address, spec_size, &spec);
  if (status != MINOS_OK) return minos_api_failure(status);
  channel_end *end = code_rfd >= 0 ? wasi_context_end(&self->wasi, (uint32_t)code_rfd) : NULL;
  if (!end) return minos_api_failure(MINOS_EBADF);
  if (end->writes) return minos_api_failure(MINOS_EPERM);
  uint8_t *code = NULL;
  size_t length = 0;
  status = read_code(self, end, &code, &length);
  if (status == MINOS_OK) channel_end_close(wasi_context_take_end(&self->wasi, (uint32_t)code_rfd));
  loaded_module *module = NULL;
  if (status == MINOS_OK) status = load_child_module(self, code, length, spec.memory_bytes, &module);
  free(code);
  cell *child = NULL;
  if (status == MINOS_OK) status = create_child(self, module, &spec, &child);
  if (module) module_release(module);
  int32_t result = status == MINOS_OK ? initialise(self, child, &spec) : minos_api_failure(status);
  cell_honour_end_request(self->cell);
  return result;
}
