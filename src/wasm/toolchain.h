/* SPDX-License-Identifier: Apache-2.0 */
/* The external tools of the ahead-of-time pipeline: wasm-validate, wasm2c
 * and the system C compiler. Each can be overridden by an environment
 * variable (MINOS_WASM_VALIDATE, MINOS_WASM2C, MINOS_CC). */
#ifndef MINOS_WASM_TOOLCHAIN_H
#define MINOS_WASM_TOOLCHAIN_H

#include <stddef.h>

#include "core/error.h"

typedef enum toolchain_tool { TOOL_VALIDATE, TOOL_WASM2C, TOOL_CC, TOOL_COUNT } toolchain_tool;

/* The resolved executable of a tool, or NULL (error names what is missing). */
const char *toolchain_path(toolchain_tool tool, char *error, size_t error_size);

/* A string identifying the exact tools in use (path, size, mtime, inode of
 * each resolved executable), for cache keys: an upgraded compiler changes
 * it without minos having to start the compiler to ask its version. */
minos_status toolchain_identity(char *out, size_t out_size, char *error, size_t error_size);

/* Runs argv (argv[0] a resolved path) in directory, sandboxed and
 * limited (compile_sandbox.h), waits, and captures its combined output
 * (truncated to output_size). *exit_status is the tool's exit status or -1
 * if it died by a signal. On a status other than MINOS_OK, output holds
 * the reason: MINOS_ELIMIT when a compile limit stopped the tool. */
minos_status toolchain_run(const char *const argv[], const char *directory, int *exit_status,
                           char *output, size_t output_size);

#endif
