/* SPDX-License-Identifier: Apache-2.0 */
/* The wasm arch: cells whose code is a compiled wasm module, isolated by
 * the wasm sandbox inside the runtime's process. */
#ifndef MINOS_WASM_ARCH_H
#define MINOS_WASM_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/cell.h"
#include "core/code.h"
#include "net/rule.h"
#include "wasm/loader.h"
#include "wasm/wasi/wasi.h"

/* Host code called from a cell needs this much stack below the frame that
 * calls it (see MINOS_HOST_ENTER). */
#define HOST_STACK_RESERVE ((size_t)128 * 1024)
#define WASM_DEFAULT_STACK_BYTES ((size_t)1 << 20)


extern const cell_arch wasm_arch;
/* The wasm arch's part in core/code.h: code that starts with "\0asm". */
extern const code_arch wasm_code_arch;

/* Creates a cell running the module, ready to be placed. It takes over
 * the stdio ends in config, even when it fails. error names what failed (a
 * grant that cannot be opened, for example). */
minos_status wasm_cell_create(loaded_module *module, const cell_config *config, cell **out,
                              char *error, size_t error_size);

/* For a cnew child: waits as `parent` until the child has initialised
 * (true) or ended or the deadline passed (false). */
bool wasm_cell_wait_initialised(cell *child, waiter *parent, uint64_t deadline);
/* Whether the cell's initialisation (memory, data, start function) is
 * done: a supervisor enforces the init timeout of the cells it starts. */
bool wasm_cell_initialised(cell *item);

#endif
