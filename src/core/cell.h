/* Cells: sealed processes. A cell owns a guarded stack, an execution
 * context on it, and a list of resources; its arch (wasm, native) decides
 * what runs on that stack. A cell ends exactly once, by exiting or by a
 * fault, and its end is kept (a zombie) until its owner reaps it. */
#ifndef MINOS_CORE_CELL_H
#define MINOS_CORE_CELL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/context.h"
#include "core/error.h"
#include "core/resource.h"
#include "core/stack.h"

typedef enum cell_fault {
  FAULT_NONE = 0,
  FAULT_MEMORY_OUT_OF_BOUNDS,
  FAULT_TABLE_OUT_OF_BOUNDS,
  FAULT_INDIRECT_CALL_TYPE_MISMATCH,
  FAULT_NULL_FUNCTION,
  FAULT_INTEGER_DIVIDE_BY_ZERO,
  FAULT_INTEGER_OVERFLOW,
  FAULT_INVALID_CONVERSION,
  FAULT_UNREACHABLE,
  FAULT_STACK_EXHAUSTION,
  FAULT_MEMORY_LIMIT,
  FAULT_TABLE_LIMIT,
  FAULT_CPU_LIMIT,
  FAULT_INIT_TIMEOUT,
  FAULT_KILLED,
  FAULT_HOST_ERROR, /* the runtime could not serve the cell (details logged) */
  FAULT_COUNT
} cell_fault;

const char *cell_fault_name(cell_fault fault);

typedef enum cell_state { CELL_NEW, CELL_READY, CELL_RUNNING, CELL_BLOCKED, CELL_ENDED } cell_state;

typedef struct cell_outcome {
  bool faulted;
  uint32_t exit_code;  /* when !faulted */
  cell_fault fault;    /* when faulted */
  uintptr_t fault_address; /* code address of the fault, if known */
  char where[160];     /* where the fault happened, if known (a function name) */
} cell_outcome;

typedef struct cell_limits {
  uint64_t memory_bytes; /* linear memory; 0 = the arch's own maximum */
  size_t stack_bytes;    /* native stack the cell's code may use */
} cell_limits;

typedef struct cell cell;
struct scheduler;

typedef struct cell_arch {
  const char *name;
  /* Runs on the cell's own stack. Returning ends the cell with exit code 0. */
  void (*run)(cell *cell);
  /* In a signal handler: whether a memory fault at data address `address`,
   * code address `pc`, is the cell's own doing (FAULT_NONE: it is not). */
  cell_fault (*classify_fault)(cell *cell, uintptr_t address, uintptr_t pc);
  /* After the cell ended, before its resources are released: fill in
   * outcome.where (may be NULL). */
  void (*describe_end)(cell *cell);
} cell_arch;

struct cell {
  uint64_t id;
  char name[48];
  cell_state state;
  cell_limits limits;
  const cell_arch *arch;
  void *arch_data;
  execution_context context;
  guarded_stack stack;
  resource_list resources;
  cell_outcome outcome;
  struct scheduler *scheduler;
  cell *next_ready;
};

minos_status cell_create(const char *name, const cell_arch *arch, void *arch_data,
                         const cell_limits *limits, cell **out);

/* Ownership: registered resources are released when the cell ends. */
void cell_own(cell *cell, resource *resource, resource_release_fn release);

/* End the calling cell. Only valid on the cell's own stack (or in a signal
 * handler running for it); never returns. */
__attribute__((noreturn)) void cell_exit(cell *cell, uint32_t exit_code);
/* Async-signal-safe: it only records and switches. */
__attribute__((noreturn)) void cell_fault_now(cell *cell, cell_fault fault, uintptr_t address);

/* After the cell has ended: frees the zombie. */
void cell_reap(cell *cell);

/* The cell running on this thread, or NULL in the scheduler. */
cell *cell_current(void);

#endif
