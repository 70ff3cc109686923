/* SPDX-License-Identifier: Apache-2.0 */
/* Compiled into every module's shared object, ahead of wasm2c's output
 * (-include) and by the per-module glue file. It connects the generated
 * code to the minos runtime through the host table only.
 *
 * minos runs wasm2c's output with its own runtime, not wabt's sample one:
 * memory is reserved by the host (with guard regions for fast code, sized
 * to the cell's limit for compact code; see wasm/module_variant.h), traps
 * end only the running cell, and call_indirect failures are told apart
 * (wasm2c reports all three as one kind). */
#ifndef MINOS_MODULE_GLUE_H
#define MINOS_MODULE_GLUE_H

#include <stdarg.h>
#include <stdlib.h>
#include <wasm-rt.h>

#include "module_abi.h"

extern const minos_host_table *minos_host __attribute__((visibility("hidden")));

__attribute__((noreturn, cold, noinline, visibility("hidden"))) void minos_trap_indirect(
    const wasm_rt_funcref_table_t *table, uint32_t index);

/* wasm2c's load barrier, an empty asm taking each loaded value in a
 * general register, keeps a load whose value is unused so that it still
 * traps; for a float it costs a move from its SSE register to a general
 * one. Float loads (the translator renames them) take the same barrier
 * in the SSE register the value is in. Little-endian layout only, as on
 * every target minos builds for. */
#if defined(__x86_64__)
#define MINOS_FLOAT_IN_REGISTER "x"
#else
#define MINOS_FLOAT_IN_REGISTER "r"
#endif
#define MINOS_DEFINE_FLOAT_LOAD(name, t1, t2, t3)            \
  static inline t3 name(wasm_rt_memory_t *mem, u64 addr) {   \
    MEMCHECK(mem, addr, t1);                                 \
    t1 result;                                               \
    wasm_rt_memcpy(&result, &mem->data[addr], sizeof(t1));   \
    __asm__("" ::MINOS_FLOAT_IN_REGISTER(result));           \
    return (t3)(t2)result;                                   \
  }

/* Fast code: every access to linear memory through a base the function
 * loaded once (the translator's FUNC_PROLOGUE; the fast variant's memory
 * never moves, it grows in place in its reservation). wasm2c's helpers
 * read mem->data at each access, and after any store to linear memory
 * (a char store, which may alias anything) the C compiler must read it
 * again: a load of the instance per access in every loop that stores. The
 * helpers below are wasm2c's own, barrier included, with the base given. */
#define MINOS_BASE_LOAD(name, t1, t2, t3, in_register)               \
  static inline t3 minos_##name(u8 *base, u64 addr) {                \
    t1 result;                                                       \
    wasm_rt_memcpy(&result, base + addr, sizeof(t1));                \
    __asm__("" ::in_register(result));                               \
    return (t3)(t2)result;                                           \
  }
#define MINOS_BASE_STORE(name, t1, t2)                               \
  static inline void minos_##name(u8 *base, u64 addr, t2 value) {    \
    t1 wrapped = (t1)value;                                          \
    wasm_rt_memcpy(base + addr, &wrapped, sizeof(t1));               \
  }
#define MINOS_BASE_HELPERS                                           \
  MINOS_BASE_LOAD(i32_load, u32, u32, u32, "r")                      \
  MINOS_BASE_LOAD(i64_load, u64, u64, u64, "r")                      \
  MINOS_BASE_LOAD(f32_load, f32, f32, f32, MINOS_FLOAT_IN_REGISTER)  \
  MINOS_BASE_LOAD(f64_load, f64, f64, f64, MINOS_FLOAT_IN_REGISTER)  \
  MINOS_BASE_LOAD(i32_load8_s, s8, s32, u32, "r")                    \
  MINOS_BASE_LOAD(i64_load8_s, s8, s64, u64, "r")                    \
  MINOS_BASE_LOAD(i32_load8_u, u8, u32, u32, "r")                    \
  MINOS_BASE_LOAD(i64_load8_u, u8, u64, u64, "r")                    \
  MINOS_BASE_LOAD(i32_load16_s, s16, s32, u32, "r")                  \
  MINOS_BASE_LOAD(i64_load16_s, s16, s64, u64, "r")                  \
  MINOS_BASE_LOAD(i32_load16_u, u16, u32, u32, "r")                  \
  MINOS_BASE_LOAD(i64_load16_u, u16, u64, u64, "r")                  \
  MINOS_BASE_LOAD(i64_load32_s, s32, s64, u64, "r")                  \
  MINOS_BASE_LOAD(i64_load32_u, u32, u64, u64, "r")                  \
  MINOS_BASE_STORE(i32_store, u32, u32)                              \
  MINOS_BASE_STORE(i64_store, u64, u64)                              \
  MINOS_BASE_STORE(f32_store, f32, f32)                              \
  MINOS_BASE_STORE(f64_store, f64, f64)                              \
  MINOS_BASE_STORE(i32_store8, u8, u32)                              \
  MINOS_BASE_STORE(i32_store16, u16, u32)                            \
  MINOS_BASE_STORE(i64_store8, u8, u64)                              \
  MINOS_BASE_STORE(i64_store16, u16, u64)                            \
  MINOS_BASE_STORE(i64_store32, u32, u64)

/* Replaces wasm2c's CALL_INDIRECT (the translator redirects it here). */
#define MINOS_CALL_INDIRECT(table, t, ft, x, ...)                                     \
  ((LIKELY((x) < table.size && table.data[x].func &&                                 \
           table.data[x].func_type == func_types[ft])) ||                            \
       (minos_trap_indirect(&table, (x)), 0),                                        \
   ((t)table.data[x].func)(__VA_ARGS__))

/* Table accessors trap with this kind instead of the memory one. */
#define WASM_RT_TRAP_TABLE_OOB ((wasm_rt_trap_t)MINOS_TRAP_TABLE_OUT_OF_BOUNDS)

/* Every host call first checks that the cell's stack has room for host
 * code: the first word of the host context is the lowest frame address
 * the host may start from (see struct wasm_cell). */
#define MINOS_HOST_ENTER(context)                                                      \
  do {                                                                               \
    if (UNLIKELY((const char *)__builtin_frame_address(0) <                          \
                 *(const char *const *)(const void *)(context)))                     \
      minos_host->trap(WASM_RT_TRAP_EXHAUSTION, __builtin_return_address(0));        \
  } while (0)

/* After every host call, the runtime's safe point: when the preemption
 * tick landed during the call (the host context's flag), the runtime may
 * let other cells run or end this one here, where it holds no host state.
 * One load and a branch not taken otherwise. */
#define MINOS_HOST_LEAVE(context)                                                      \
  do {                                                                               \
    if (UNLIKELY(*(const volatile int *)(const void *)((const char *)(context) +     \
                                                       MINOS_HOST_SAFE_POINT_OFFSET))) \
      minos_host->safe_point((context), __builtin_return_address(0));                \
  } while (0)

/* Compact code (no guard pages) checks the stack in every function's
 * prologue instead: the stack pointer against the cell's stack floor,
 * which the instance holds as its first member (the translator adds it).
 * One load, one compare; the function's own frame, at most
 * COMPACT_FRAME_LIMIT (compile.h), may reach below the floor, into the
 * host's reserve. wasm2c names every function's instance parameter
 * "instance". */
static inline __attribute__((always_inline)) const char *minos_stack_pointer(void) {
#if defined(__x86_64__)
  const char *pointer;
  __asm__ volatile("mov %%rsp, %0" : "=r"(pointer));
  return pointer;
#else
  return (const char *)__builtin_frame_address(0);
#endif
}

#define MINOS_FUNC_PROLOGUE                                                          \
  if (UNLIKELY(minos_stack_pointer() < instance->minos_stack_floor)) TRAP(EXHAUSTION)

/* A trap is reported in the wasm function whose code holds the trap's call
 * (found through the inlining tables), so compact code, where every check
 * ends in such a call, must keep one call per check: the C compiler would
 * otherwise merge identical calls of a function, across the wasm functions
 * inlined into it. (Fast code faults at the access itself.) */
#ifdef MINOS_COMPACT
#if defined(__clang__)
__attribute__((nomerge)) void wasm_rt_trap(wasm_rt_trap_t kind);
#elif defined(__GNUC__)
#pragma GCC optimize("no-crossjumping", "no-tree-tail-merge")
#endif
#endif

#ifdef MINOS_GLUE_DEFINE_RUNTIME

const minos_host_table *minos_host;

/* Binding to the host is the runtime's initialisation. */
bool wasm_rt_is_initialized(void) { return minos_host != 0; }

void wasm_rt_trap(wasm_rt_trap_t kind) { minos_host->trap((int)kind, __builtin_return_address(0)); }

void minos_trap_indirect(const wasm_rt_funcref_table_t *table, uint32_t index) {
  int kind = MINOS_TRAP_INDIRECT_TYPE_MISMATCH;
  if (index >= table->size)
    kind = MINOS_TRAP_TABLE_OUT_OF_BOUNDS;
  else if (!table->data[index].func)
    kind = MINOS_TRAP_NULL_FUNCTION;
  minos_host->trap(kind, __builtin_return_address(0));
}

/* Function types are compared only within one module (minos does not link
 * modules together), so each shared object keeps its own registry; it is
 * filled once, by init_module, under the host's load lock. */
typedef struct {
  uint32_t params, results;
  wasm_rt_type_t *types;
} minos_function_type;

static minos_function_type *minos_function_types;
static uint32_t minos_function_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  wasm_rt_type_t *types = malloc(sizeof *types * (params + results + 1));
  if (!types) abort();
  va_list arguments;
  va_start(arguments, results);
  for (uint32_t i = 0; i < params + results; i++) types[i] = va_arg(arguments, wasm_rt_type_t);
  va_end(arguments);
  for (uint32_t i = 0; i < minos_function_type_count; i++) {
    minos_function_type *known = &minos_function_types[i];
    if (known->params == params && known->results == results &&
        memcmp(known->types, types, sizeof *types * (params + results)) == 0) {
      free(types);
      return i;
    }
  }
  minos_function_type *grown = realloc(minos_function_types,
                                       sizeof *grown * (minos_function_type_count + 1));
  if (!grown) abort();
  minos_function_types = grown;
  grown[minos_function_type_count] = (minos_function_type){params, results, types};
  return minos_function_type_count++;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial, uint32_t maximum) {
  minos_host->allocate_memory(memory, initial, maximum);
}
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta) {
  return minos_host->grow_memory(memory, delta);
}
void wasm_rt_free_memory(wasm_rt_memory_t *memory) { minos_host->free_memory(memory); }

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements,
                                    uint32_t maximum) {
  minos_host->allocate_table(table, sizeof(wasm_rt_funcref_t), elements, maximum);
}
void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *table, uint32_t elements,
                                      uint32_t maximum) {
  minos_host->allocate_table(table, sizeof(wasm_rt_externref_t), elements, maximum);
}
uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *table, uint32_t delta,
                                    wasm_rt_funcref_t initial) {
  return minos_host->grow_table(table, sizeof initial, delta, &initial);
}
uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *table, uint32_t delta,
                                      wasm_rt_externref_t initial) {
  return minos_host->grow_table(table, sizeof initial, delta, &initial);
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) { minos_host->free_table(table); }
void wasm_rt_free_externref_table(wasm_rt_externref_table_t *table) {
  minos_host->free_table(table);
}

#endif /* MINOS_GLUE_DEFINE_RUNTIME */
#endif
