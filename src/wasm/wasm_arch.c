/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/wasm_arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "core/channel.h"
#include "core/scheduler.h"
#include "wasm/host_functions.h"
#include "wasm/linear_memory.h"
#include "wasm/wasm_cell.h"

typedef struct owned_instance {
  resource owned;
  void *instance;
} owned_instance;

static void release_instance(resource *item) {
  owned_instance *owned = (owned_instance *)item;
  free(owned->instance);
  free(owned);
}

/* Under the lifecycle lock, a parent waiting for init and a child waiting
 * to be started meet without missing each other's wake. */
static void report_initialised(cell *self, wasm_cell *wasm) {
  spinlock_lock(&self->end_lock);
  wasm->initialised = true;
  if (wasm->init_waiter) waiter_wake(wasm->init_waiter);
  wasm->init_waiter = NULL;
  spinlock_unlock(&self->end_lock);
}

bool wasm_cell_wait_initialised(cell *child, waiter *parent, uint64_t deadline) {
  wasm_cell *wasm = child->arch_data;
  bool initialised = false;
  for (;;) {
    spinlock_lock(&child->end_lock);
    initialised = wasm->initialised;
    bool over = initialised || atomic_load(&child->ended);
    wasm->init_waiter = over ? NULL : parent;
    spinlock_unlock(&child->end_lock);
    if (over || monotonic_ns() >= deadline) break;
    if (parent->cell && atomic_load(&parent->cell->end_request)) break;
    waiter_sleep(parent, deadline);
  }
  spinlock_lock(&child->end_lock);
  wasm->init_waiter = NULL;
  initialised = wasm->initialised && !atomic_load(&child->ended);
  spinlock_unlock(&child->end_lock);
  return initialised;
}

static bool watch_initialised(cell *item, waiter *watcher) {
  wasm_cell *wasm = item->arch_data;
  spinlock_lock(&item->end_lock);
  bool initialised = wasm->initialised;
  if (!initialised && !atomic_load(&item->ended)) wasm->init_waiter = watcher;
  spinlock_unlock(&item->end_lock);
  return initialised;
}

bool wasm_cell_initialised(cell *item) {
  wasm_cell *wasm = item->arch_data;
  spinlock_lock(&item->end_lock);
  bool initialised = wasm->initialised;
  spinlock_unlock(&item->end_lock);
  return initialised;
}

static void let_start(cell *child) {
  wasm_cell *wasm = child->arch_data;
  cell_request_start(child, &wasm->start_requested);
}

static void run(cell *self) {
  wasm_cell *wasm = self->arch_data;
  const minos_module_entry *entry = wasm->module->entry;
  owned_instance *owned = malloc(sizeof *owned);
  void *instance = calloc(1, entry->instance_size);
  if (!owned || !instance) {
    free(owned);
    free(instance);
    cell_fault_now(self, FAULT_MEMORY_LIMIT, 0);
  }
  owned->instance = instance;
  cell_own(self, &owned->owned, release_instance);
  wasm->instance = instance;
  entry->instantiate(instance, wasm); /* data segments and the start function */
  if (entry->memory) wasm->memory = entry->memory(instance);
  report_initialised(self, wasm);
  if (wasm->wait_for_start) cell_wait_to_be_started(self, &wasm->start_requested);
  if (entry->start) entry->start(instance);
}

static bool preemptible_at(cell *self, uintptr_t pc) {
  (void)self;
  return module_code_contains(pc);
}

/* In the tick's signal handler: the cell is in host code; its import
 * trampoline stops at the call's return (MINOS_HOST_LEAVE). */
static void ask_safe_point(cell *self) {
  wasm_cell *wasm = self->arch_data;
  wasm->safe_point_due = 1;
}

static int32_t install_end(cell *self, struct channel_end *end) {
  wasm_cell *wasm = self->arch_data;
  return wasi_context_install_end(&wasm->wasi, end);
}

static cell_fault classify_fault(cell *self, uintptr_t address, uintptr_t pc) {
  wasm_cell *wasm = self->arch_data;
  if (module_code_contains(pc) && linear_memory_reservation_contains(wasm, address))
    return FAULT_MEMORY_OUT_OF_BOUNDS;
  return FAULT_NONE;
}

static void describe_end(cell *self) {
  wasm_cell *wasm = self->arch_data;
  if (!self->outcome.faulted || !self->outcome.fault_address) return;
  if (!module_describe_address(wasm->module, self->outcome.fault_address, self->outcome.where,
                               sizeof self->outcome.where))
    self->outcome.where[0] = '\0';
}

static void free_network_grants(wasm_cell *wasm) {
  free(wasm->connect_rules);
  free(wasm->listen_rules);
  wasm->connect_rules = wasm->listen_rules = NULL;
  wasm->connect_rule_count = wasm->listen_rule_count = 0;
}

static void destroy(cell *self) {
  free_network_grants(self->arch_data);
  free(self->arch_data);
}

const cell_arch wasm_arch = {
    .name = "wasm",
    .initialised = wasm_cell_initialised,
    .watch_initialised = watch_initialised,
    .let_start = let_start,
    .run = run,
    .classify_fault = classify_fault,
    .describe_end = describe_end,
    .preemptible_at = preemptible_at,
    .ask_safe_point = ask_safe_point,
    .install_end = install_end,
    .destroy = destroy,
};

/* Registered first, so released last: everything else of the cell is gone
 * by the time its wasm state and module reference go. The wasm_cell itself
 * stays with the zombie: a parent may still be passing it an end, which
 * then finds the table released (MINOS_ECLOSED). */
static void release_wasm_cell(resource *item) {
  wasm_cell *wasm = (wasm_cell *)((char *)item - offsetof(wasm_cell, owned));
  wasi_context_release(&wasm->wasi);
  module_release(wasm->module);
  wasm->module = NULL;
}

static bool copy_rules(const net_rule *rules, size_t count, net_rule **copy, size_t *copy_count) {
  *copy = NULL;
  *copy_count = 0;
  if (count == 0) return true;
  if (!(*copy = malloc(count * sizeof *rules))) return false;
  memcpy(*copy, rules, count * sizeof *rules);
  *copy_count = count;
  return true;
}

static bool copy_network_grants(wasm_cell *wasm, const cell_config *config) {
  return copy_rules(config->connect_rules, config->connect_rule_count, &wasm->connect_rules,
                    &wasm->connect_rule_count) &&
         copy_rules(config->listen_rules, config->listen_rule_count, &wasm->listen_rules,
                    &wasm->listen_rule_count);
}

minos_status wasm_cell_create(loaded_module *module, const cell_config *config, cell **out,
                              char *error, size_t error_size) {
  if (!host_imports_granted(&module->info, config->denied_grants, error, error_size)) {
    for (int fd = 0; fd < 3; fd++)
      if (config->stdio[fd]) channel_end_close(config->stdio[fd]);
    return MINOS_EMODULE;
  }
  wasm_cell *wasm = calloc(1, sizeof *wasm);
  if (wasm && !copy_network_grants(wasm, config)) {
    free_network_grants(wasm);
    free(wasm);
    wasm = NULL;
  }
  if (wasm) wasm->wasi.descriptor_limit = config->descriptor_limit;
  minos_status status = wasm ? wasi_context_init(&wasm->wasi, config, error, error_size)
                             : MINOS_ENOMEM;
  if (status != MINOS_OK) {
    for (int fd = 0; fd < 3; fd++)
      if (config->stdio[fd]) channel_end_close(config->stdio[fd]);
    if (wasm) free_network_grants(wasm);
    free(wasm);
    return status;
  }
  size_t guest_stack = config->stack_bytes ? config->stack_bytes : WASM_DEFAULT_STACK_BYTES;
  cell_limits limits = {.memory_bytes = config->memory_limit_bytes,
                        .stack_bytes = guest_stack + HOST_STACK_RESERVE,
                        .cpu_time_ns = config->cpu_time_ns,
                        .host_fds = config->host_fds,
                        .max_cells = config->max_cells,
                        .parent_account = config->parent_account,
                        .unguarded_stack = module->variant == MODULE_COMPACT};
  wasm->wait_for_start = config->wait_for_start;
  wasm->denied_grants = config->denied_grants;
  cell *created;
  status = cell_create(config->name, &wasm_arch, wasm, &limits, &created);
  if (status != MINOS_OK) {
    snprintf(error, error_size, status == MINOS_ELIMIT ? "cannot create cell: too many cells"
                                                       : "cannot create cell: %s",
             minos_status_name(status));
    wasi_context_release(&wasm->wasi);
    free_network_grants(wasm);
    free(wasm);
    return status;
  }
  wasm->cell = created;
  wasm->module = module;
  module_retain(module);
  wasm->host_stack_floor = (const char *)created->stack.usable_low + HOST_STACK_RESERVE;
  cell_own(created, &wasm->owned, release_wasm_cell);
  /* Its granted directories are host descriptors of its share. */
  status = wasi_context_charge(&wasm->wasi, created->account);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "its granted directories are more than its share of host "
                                "descriptors");
    cell_disown(created); /* never started: freed here, with everything it holds */
    return status;
  }
  *out = created;
  return MINOS_OK;
}

/* ---- the arch's part in core/code.h ---------------------------------- */

static bool owns(const uint8_t *head, size_t length) {
  return length >= 4 && memcmp(head, "\0asm", 4) == 0;
}

/* Small cells run compact code (module_variant.h). A cell is a command:
 * started means its _start runs. */
static minos_status prepare(const char *name, const uint8_t *bytes, size_t length,
                            uint64_t memory_limit_bytes, void **prepared, code_report *report) {
  load_report loaded = {.error = ""};
  loaded_module *module = NULL;
  minos_status status =
      bytes ? module_load_bytes_for_limit(bytes, length, name, memory_limit_bytes, &module, &loaded)
            : module_load_file_for_limit(name, memory_limit_bytes, &module, &loaded);
  report->cache_hit = loaded.cache_hit;
  snprintf(report->error, sizeof report->error, "%s", loaded.error);
  if (status == MINOS_OK && !module->entry->start) {
    snprintf(report->error, sizeof report->error,
             "it exports no _start function (not a WASI command)");
    module_release(module);
    return MINOS_EMODULE;
  }
  if (status == MINOS_OK) *prepared = module;
  return status;
}

static void release(void *prepared) { module_release(prepared); }

static minos_status create(void *prepared, const cell_config *config, cell **out, char *error,
                           size_t error_size) {
  return wasm_cell_create(prepared, config, out, error, error_size);
}

/* Checked as loading it would check it, compiling nothing (minos check). */
static minos_status inspect(const char *path, void **inspected, char *error, size_t error_size) {
  wasm_module *info = calloc(1, sizeof *info);
  if (!info) {
    snprintf(error, error_size, "out of memory");
    return MINOS_ENOMEM;
  }
  minos_status status = module_check_file(path, info, error, error_size);
  if (status == MINOS_OK && !wasm_module_find_export(info, "_start", WASM_EXTERNAL_FUNCTION)) {
    snprintf(error, error_size, "it exports no _start function (not a WASI command)");
    wasm_module_release(info);
    status = MINOS_EMODULE;
  }
  if (status != MINOS_OK) {
    free(info);
    return status;
  }
  *inspected = info;
  return MINOS_OK;
}

/* One problem per missing grant, naming the first import that needs it;
 * and an initial memory the limit cannot hold (it would fault at every
 * start). */
static void cell_problems(const void *inspected, uint64_t memory_limit_bytes,
                          uint32_t denied_grants, code_problem_report report, void *context) {
  const wasm_module *info = inspected;
  grant_kind grant;
  long refused = -1;
  while ((refused = host_import_needing(info, denied_grants, (uint32_t)(refused + 1), &grant)) >=
         0) {
    char where[64], name[64], what[160];
    snprintf(what, sizeof what, "imports %s.%s",
             escape_string(where, sizeof where, info->imports[refused].module),
             escape_string(name, sizeof name, info->imports[refused].name));
    report(context, &(code_problem){.kind = CODE_NEEDS_GRANT, .grant = grant, .what = what});
    denied_grants &= ~GRANT_BIT(grant); /* reported: once per grant */
  }
  uint64_t pages = info->defined_memory_count ? info->memory_initial_pages : 0;
  if (pages <= memory_limit_bytes / WASM_PAGE_BYTES) return;
  char what[160];
  snprintf(what, sizeof what, "the module's initial memory (%llu pages of 64 KiB, %llu bytes)",
           (unsigned long long)pages, (unsigned long long)(pages * WASM_PAGE_BYTES));
  report(context, &(code_problem){.kind = CODE_NEEDS_MEMORY, .what = what});
}

static void release_inspected(void *inspected) {
  wasm_module_release(inspected);
  free(inspected);
}

const code_arch wasm_code_arch = {
    .name = "wasm",
    .runs = "WebAssembly modules",
    .owns = owns,
    .prepare = prepare,
    .release = release,
    .inspect = inspect,
    .cell_problems = cell_problems,
    .release_inspected = release_inspected,
    .create = create,
};
