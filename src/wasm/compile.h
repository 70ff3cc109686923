/* SPDX-License-Identifier: Apache-2.0 */
/* Ahead-of-time compilation of one module into a shared object:
 * wasm-validate, then wasm2c, then the system C compiler. */
#ifndef MINOS_WASM_COMPILE_H
#define MINOS_WASM_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "wasm/module.h"
#include "wasm/module_variant.h"

/* The largest native frame a function of a compact module may have. A
 * compact function checks the stack pointer against the cell's stack floor
 * once, on entry, so its own frame (and the shallow libc calls it makes)
 * may reach this far below the floor, into the host's reserve there
 * (HOST_STACK_RESERVE, 128 KiB, in wasm_arch.h), which must stay well
 * larger. Checked from the C compiler's -fstack-usage report. */
#define COMPACT_FRAME_LIMIT ((size_t)32 * 1024)

/* Checks the module with wasm-validate; MINOS_EMODULE with the validator's
 * complaint, reworded to name the byte offset, if it is invalid. */
minos_status compile_validate(const char *wasm_path, const char *directory, char *error,
                              size_t error_size);

/* The C sources alone (wasm2c's output as minos patches it, and the glue),
 * written in directory; no C compiler runs. compile_module's first half,
 * and what the module fuzzer (tests/fuzz/module.c) checks. */
minos_status compile_write_sources(const char *wasm_path, const wasm_module *module,
                                   module_variant variant, const char *directory, char *error,
                                   size_t error_size);

/* Translates and compiles wasm_path (already validated and sealed) into
 * output_path, working in directory, as the variant says (module_variant.h).
 * MINOS_ELIMIT: compact only, a function's native frame is larger than
 * COMPACT_FRAME_LIMIT (the module can still run as a fast one). Safe to
 * call from several threads at once, in different directories. */
minos_status compile_module(const char *wasm_path, const wasm_module *module,
                            module_variant variant, const char *directory,
                            const char *output_path, char *error, size_t error_size);

#endif
