/* The wasm arch: cells whose code is a compiled wasm module, isolated by
 * the wasm sandbox inside the runtime's process. */
#ifndef MINOS_WASM_ARCH_H
#define MINOS_WASM_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/cell.h"
#include "wasm/loader.h"
#include "wasm/wasi/wasi.h"

/* Host code called from a cell needs this much stack below the frame that
 * calls it (see MINOS_HOST_ENTER). */
#define HOST_STACK_RESERVE ((size_t)128 * 1024)
#define WASM_DEFAULT_STACK_BYTES ((size_t)1 << 20)

typedef struct wasm_cell_config {
  const char *name;
  loaded_module *module; /* the cell takes its own reference */
  wasi_config wasi;
  uint64_t memory_limit_bytes; /* 0: the wasm maximum (4 GiB) */
  size_t stack_bytes;          /* 0: WASM_DEFAULT_STACK_BYTES */
} wasm_cell_config;

extern const cell_arch wasm_arch;

/* Creates a cell ready to be started. error names what failed (a grant
 * that cannot be opened, for example). */
minos_status wasm_cell_create(const wasm_cell_config *config, cell **out, char *error,
                              size_t error_size);

#endif
