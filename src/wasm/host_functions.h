/* The host functions a wasm cell may import: the only way out of its
 * sandbox. A module importing anything not listed here, or with another
 * signature, is refused before any of its code runs. */
#ifndef MINOS_WASM_HOST_FUNCTIONS_H
#define MINOS_WASM_HOST_FUNCTIONS_H

#include <stddef.h>

#include "wasm/module.h"

typedef struct host_function {
  const char *module;
  const char *name;
  /* Parameter types then ':' then result types: 'i' i32, 'I' i64. */
  const char *signature;
  void (*implementation)(void);
} host_function;

extern const host_function host_functions[];
extern const size_t host_function_count;

/* Index into host_functions, or -1. */
int host_function_find(const char *module, const char *name);
int host_function_matches(const host_function *function, const wasm_function_type *type);

#endif
