/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/host_table.h"

#include <pthread.h>
#include <wasm-rt.h>

#include "core/cell.h"
#include "core/preempt.h"
#include "wasm/host_functions.h"
#include "wasm/linear_memory.h"
#include "wasm/wasm_cell.h"

static cell_fault fault_of_trap(int kind) {
  switch (kind) {
    case WASM_RT_TRAP_OOB: return FAULT_MEMORY_OUT_OF_BOUNDS;
    case WASM_RT_TRAP_INT_OVERFLOW: return FAULT_INTEGER_OVERFLOW;
    case WASM_RT_TRAP_DIV_BY_ZERO: return FAULT_INTEGER_DIVIDE_BY_ZERO;
    case WASM_RT_TRAP_INVALID_CONVERSION: return FAULT_INVALID_CONVERSION;
    case WASM_RT_TRAP_UNREACHABLE: return FAULT_UNREACHABLE;
    case WASM_RT_TRAP_EXHAUSTION: return FAULT_STACK_EXHAUSTION;
    case MINOS_TRAP_TABLE_OUT_OF_BOUNDS: return FAULT_TABLE_OUT_OF_BOUNDS;
    case MINOS_TRAP_NULL_FUNCTION: return FAULT_NULL_FUNCTION;
    case MINOS_TRAP_INDIRECT_TYPE_MISMATCH: return FAULT_INDIRECT_CALL_TYPE_MISMATCH;
    default: return FAULT_UNREACHABLE;
  }
}

static __attribute__((noreturn)) void trap(int kind, const void *pc) {
  /* The return address follows the call; one byte back is inside it, which
   * matters when the trap call is the last instruction of a function. */
  cell_fault_now(cell_current(), fault_of_trap(kind), (uintptr_t)pc - 1);
}

/* The tick asked the cell to stop after its host call (wasm_arch.c). */
static void safe_point(void *host_context, const void *pc) {
  wasm_cell *self = host_context;
  self->safe_point_due = 0;
  preempt_safe_point(self->cell, (uintptr_t)pc - 1);
}

static minos_host_table table;
static void (*imports[64])(void);
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void) {
  for (size_t i = 0; i < host_function_count && i < sizeof imports / sizeof imports[0]; i++)
    imports[i] = host_functions[i].implementation;
  table = (minos_host_table){
      .abi_version = MINOS_MODULE_ABI_VERSION,
      .trap = trap,
      .allocate_memory = linear_memory_allocate,
      .grow_memory = linear_memory_grow,
      .free_memory = linear_memory_free,
      .allocate_table = table_allocate,
      .grow_table = table_grow,
      .free_table = table_free,
      .safe_point = safe_point,
      .imports = imports,
  };
}

const minos_host_table *host_table(void) {
  pthread_once(&table_once, build_table);
  return &table;
}
