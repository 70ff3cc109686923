/* SPDX-License-Identifier: Apache-2.0 */
/* The interface between the runtime and a compiled module (.so). It is
 * compiled into both, so it stays plain C with no runtime types.
 *
 * The module exports one symbol, minos_module_bind, which takes the host's
 * table and returns the module's entry points. Everything else in the .so
 * is hidden: the module calls the host only through the table, so nothing
 * from the runtime's process is visible to it by name. */
#ifndef MINOS_WASM_MODULE_ABI_H
#define MINOS_WASM_MODULE_ABI_H

#include <stddef.h>
#include <stdint.h>

#define MINOS_MODULE_ABI_VERSION 2

/* The host context the module's imports get (the runtime's struct
 * wasm_cell) starts with the lowest frame address host code may start
 * from (a pointer), then an int the trampolines test after each host
 * call: non-zero asks them to call the table's safe_point. */
#define MINOS_HOST_SAFE_POINT_OFFSET sizeof(void *)

/* Trap kinds the generated code reports, beyond wasm-rt.h's own. */
#define MINOS_TRAP_TABLE_OUT_OF_BOUNDS 100
#define MINOS_TRAP_NULL_FUNCTION 101
#define MINOS_TRAP_INDIRECT_TYPE_MISMATCH 102

struct wasm_rt_memory_s;

typedef struct minos_host_table {
  uint32_t abi_version;
  /* Ends the running cell; pc is the trap site in generated code. */
  __attribute__((noreturn)) void (*trap)(int kind, const void *pc);
  void (*allocate_memory)(void *memory, uint32_t initial_pages, uint32_t maximum_pages);
  uint32_t (*grow_memory)(void *memory, uint32_t delta_pages);
  void (*free_memory)(void *memory);
  void (*allocate_table)(void *table, size_t element_size, uint32_t elements, uint32_t maximum);
  uint32_t (*grow_table)(void *table, size_t element_size, uint32_t delta, const void *initial);
  void (*free_table)(void *table);
  /* After a host call, when the context's safe-point flag is set: the
   * runtime may switch away from or end the cell here; pc is the call
   * site in generated code. */
  void (*safe_point)(void *host_context, const void *pc);
  /* Host functions, in host_functions[] order (src/wasm/host_functions.c). */
  void (*const *imports)(void);
} minos_host_table;

typedef struct minos_module_entry {
  uint32_t abi_version;
  size_t instance_size;
  void (*instantiate)(void *instance, void *host_context);
  void (*free_instance)(void *instance);
  void (*start)(void *instance);        /* _start, NULL if not exported */
  void *(*memory)(void *instance);      /* exported "memory", NULL if none */
  /* wasm2c's C name of each defined function, in index order, so a trap
   * address (via the symbol table) leads back to the wasm function. */
  const char *const *function_identifiers;
  uint32_t function_identifier_count;
} minos_module_entry;

typedef const minos_module_entry *(*minos_module_bind_fn)(const minos_host_table *host);

#endif
