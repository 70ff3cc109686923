/* SPDX-License-Identifier: Apache-2.0 */
/* What minos needs to know about a wasm module before and after compiling
 * it: its imports (to seal them), its memory and exports (to run it), and
 * its name section (to name the function a trap happened in). This is not a
 * validator: wasm-validate has checked the module first; the reader is still
 * bounds-checked everywhere because it also runs on cached modules. */
#ifndef MINOS_WASM_MODULE_H
#define MINOS_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum wasm_value_type {
  WASM_I32 = 0x7f,
  WASM_I64 = 0x7e,
  WASM_F32 = 0x7d,
  WASM_F64 = 0x7c,
  WASM_V128 = 0x7b,
  WASM_FUNCREF = 0x70,
  WASM_EXTERNREF = 0x6f,
};

enum wasm_external_kind { WASM_EXTERNAL_FUNCTION = 0, WASM_EXTERNAL_TABLE = 1, WASM_EXTERNAL_MEMORY = 2, WASM_EXTERNAL_GLOBAL = 3, WASM_EXTERNAL_TAG = 4 };

typedef struct wasm_function_type {
  uint32_t param_count, result_count;
  const uint8_t *params, *results; /* point into the module bytes */
} wasm_function_type;

/* Names are NUL-terminated copies, but a wasm name may hold a NUL: the
 * lengths say where each really ends ("fd_write\0x" is not "fd_write"). */
typedef struct wasm_import {
  char *module, *name;
  uint32_t module_length, name_length;
  uint8_t kind;        /* enum wasm_external_kind */
  uint32_t type_index; /* for functions */
} wasm_import;

typedef struct wasm_export {
  char *name;
  uint32_t name_length;
  uint8_t kind;
  uint32_t index;
} wasm_export;

typedef struct wasm_function_name {
  uint32_t index;
  char *name;
} wasm_function_name;

typedef struct wasm_module {
  uint32_t type_count;
  wasm_function_type *types;
  uint32_t import_count;
  wasm_import *imports;
  uint32_t imported_function_count;
  uint32_t defined_function_count;
  uint32_t *function_type_indices; /* of each defined function */
  uint32_t defined_memory_count;
  uint64_t memory_initial_pages, memory_maximum_pages;
  bool memory_has_maximum;
  uint32_t export_count;
  wasm_export *exports;
  char *module_name;
  uint32_t function_name_count;
  wasm_function_name *function_names; /* sorted by index */
} wasm_module;

/* Reads the module. On failure, error holds a one-line description that
 * names what is wrong and its byte offset. */
minos_status wasm_module_read(const uint8_t *bytes, size_t length, wasm_module *module,
                              char *error, size_t error_size);
void wasm_module_release(wasm_module *module);
/* Only the magic number and version. */
minos_status wasm_module_check_header(const uint8_t *bytes, size_t length, char *error,
                                      size_t error_size);

/* How deep a function's blocks, loops and ifs may nest: past this, wasm2c
 * (and wasm-validate, further on) overflow their stacks. An if becomes a
 * brace block in C, and clang stops at 256 nested brackets, so ifs nest
 * less deep. */
#define WASM_NESTING_LIMIT 8192u
#define WASM_IF_NESTING_LIMIT 200u

/* Refuses (MINOS_EMODULE, naming the byte offset) a function nested past
 * the limits above. It walks the code before validation, so that no tool
 * sees such a function; what it cannot decode it leaves to the validator. */
minos_status wasm_module_check_nesting(const uint8_t *bytes, size_t length, char *error,
                                       size_t error_size);

const wasm_export *wasm_module_find_export(const wasm_module *module, const char *name,
                                           uint8_t kind);
/* The name-section name of a function (by wasm function index), or NULL. */
const char *wasm_module_function_name(const wasm_module *module, uint32_t function_index);

/* "(i32, i64) -> i32" style rendering, for error messages. */
void wasm_function_type_format(const wasm_function_type *type, char *out, size_t out_size);

#endif
