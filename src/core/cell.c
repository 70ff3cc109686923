#include "core/cell.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scheduler.h"

static atomic_uint_fast64_t next_cell_id = 1;

const char *cell_fault_name(cell_fault fault) {
  static const char *const names[FAULT_COUNT] = {
      [FAULT_NONE] = "none",
      [FAULT_MEMORY_OUT_OF_BOUNDS] = "out-of-bounds memory access",
      [FAULT_TABLE_OUT_OF_BOUNDS] = "out-of-bounds table access",
      [FAULT_INDIRECT_CALL_TYPE_MISMATCH] = "indirect call type mismatch",
      [FAULT_NULL_FUNCTION] = "null function",
      [FAULT_INTEGER_DIVIDE_BY_ZERO] = "integer divide by zero",
      [FAULT_INTEGER_OVERFLOW] = "integer overflow",
      [FAULT_INVALID_CONVERSION] = "invalid conversion to integer",
      [FAULT_UNREACHABLE] = "unreachable",
      [FAULT_STACK_EXHAUSTION] = "stack exhaustion",
      [FAULT_MEMORY_LIMIT] = "memory limit",
      [FAULT_TABLE_LIMIT] = "table limit",
      [FAULT_CPU_LIMIT] = "cpu limit",
      [FAULT_INIT_TIMEOUT] = "init timeout",
      [FAULT_KILLED] = "killed",
      [FAULT_HOST_ERROR] = "host error",
  };
  if ((unsigned)fault >= FAULT_COUNT) return "unknown fault";
  return names[fault];
}

static void cell_entry(void *argument) {
  cell *self = argument;
  context_entered();
  self->arch->run(self);
  cell_exit(self, 0);
}

minos_status cell_create(const char *name, const cell_arch *arch, void *arch_data,
                         const cell_limits *limits, cell **out) {
  cell *created = calloc(1, sizeof *created);
  if (!created) return MINOS_ENOMEM;
  minos_status status = stack_create(&created->stack, limits->stack_bytes);
  if (status != MINOS_OK) {
    free(created);
    return status;
  }
  created->id = atomic_fetch_add(&next_cell_id, 1);
  snprintf(created->name, sizeof created->name, "%s", name ? name : "cell");
  created->state = CELL_NEW;
  created->limits = *limits;
  created->arch = arch;
  created->arch_data = arch_data;
  resource_list_init(&created->resources);
  context_make(&created->context, created->stack.usable_low, created->stack.usable_size,
               cell_entry, created);
  *out = created;
  return MINOS_OK;
}

void cell_own(cell *owner, resource *item, resource_release_fn release) {
  resource_add(&owner->resources, item, release);
}

void cell_exit(cell *self, uint32_t exit_code) {
  self->outcome.faulted = false;
  self->outcome.exit_code = exit_code;
  scheduler_leave_for_good(self);
}

void cell_fault_now(cell *self, cell_fault fault, uintptr_t address) {
  self->outcome.faulted = true;
  self->outcome.fault = fault;
  self->outcome.fault_address = address;
  scheduler_leave_for_good(self);
}

void cell_reap(cell *zombie) {
  if (!zombie) return;
  resource_release_all(&zombie->resources);
  stack_destroy(&zombie->stack);
  free(zombie);
}
