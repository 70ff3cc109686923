/* SPDX-License-Identifier: Apache-2.0 */
/* The host functions a wasm cell may import: the only way out of its
 * sandbox. A module importing anything not listed here, or with another
 * signature, is refused before any of its code runs. */
#ifndef MINOS_WASM_HOST_FUNCTIONS_H
#define MINOS_WASM_HOST_FUNCTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/code.h"
#include "wasm/module.h"

/* What a cell must be granted to import a function. A function's
 * implementation also refuses what a cell was not granted (a path outside
 * its directories, an address outside its rules): the import check makes a
 * spec say up front what its cells may do, and refuses code that asks for
 * more before it runs. The kinds of grant are core/code.h's. */


/* The first import from `start` on that needs a grant in `denied` (a set
 * of GRANT_BIT), with that grant in *grant; -1 if none. */
long host_import_needing(const wasm_module *module, uint32_t denied, uint32_t start,
                         grant_kind *grant);
/* Whether a module imports nothing that needs a grant in `denied`; if it
 * does, error names the import and the grant. */
bool host_imports_granted(const wasm_module *module, uint32_t denied, char *error,
                          size_t error_size);

typedef struct host_function {
  const char *module;
  const char *name;
  /* Parameter types then ':' then result types: 'i' i32, 'I' i64. */
  const char *signature;
  void (*implementation)(void);
  grant_kind grant;
} host_function;

extern const host_function host_functions[];
extern const size_t host_function_count;

/* Index into host_functions, or -1. */
int host_function_find(const char *module, const char *name);
int host_function_matches(const host_function *function, const wasm_function_type *type);

#endif
