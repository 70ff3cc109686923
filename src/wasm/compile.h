/* Ahead-of-time compilation of one module into a shared object:
 * wasm-validate, then wasm2c, then the system C compiler. */
#ifndef MINOS_WASM_COMPILE_H
#define MINOS_WASM_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "wasm/module.h"

/* Checks the module with wasm-validate; MINOS_EMODULE with the validator's
 * complaint, reworded to name the byte offset, if it is invalid. */
minos_status compile_validate(const char *wasm_path, const char *directory, char *error,
                              size_t error_size);

/* Translates and compiles wasm_path (already validated and sealed) into
 * output_path, working in directory. */
minos_status compile_module(const char *wasm_path, const wasm_module *module,
                            const char *directory, const char *output_path, char *error,
                            size_t error_size);

#endif
