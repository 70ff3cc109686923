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

typedef struct wasm_cell_config {
  const char *name;
  loaded_module *module; /* the cell takes its own reference */
  wasi_config wasi;
  uint64_t memory_limit_bytes; /* 0: the wasm maximum (4 GiB) */
  size_t stack_bytes;          /* 0: WASM_DEFAULT_STACK_BYTES */
  uint64_t cpu_time_ns;        /* 0: no CPU limit */
  uint32_t descriptor_limit;   /* 0: the WASI default */
  /* Where the cell is counted and charged (core/account.h): its parent's
   * account, or its runtime's root (runtime.root). Required. */
  struct account *parent_account;
  uint64_t host_fds;  /* host descriptors it may hold (runtime.cell_host_fds) */
  uint64_t max_cells; /* live descendants it may create; 0: none (no spawn grant) */
  bool wait_for_start;         /* stop after initialisation (cnew) */
  /* Grants the cell lacks (HOST_GRANT_BIT set): a module importing a
   * function that needs one of them is refused (MINOS_EMODULE). 0: a
   * cell of `minos run`, granted whatever it imports. Children get their
   * parent's. */
  uint32_t denied_grants;
  /* Network grants: where minos_connect may go, where minos_listen may
   * listen. Copied into the cell; none means no network at all. */
  const net_rule *connect_rules;
  size_t connect_rule_count;
  const net_rule *listen_rules;
  size_t listen_rule_count;
} wasm_cell_config;

extern const cell_arch wasm_arch;
/* The wasm arch's part in core/code.h: code that starts with "\0asm". */
extern const code_arch wasm_code_arch;

/* Creates a cell ready to be started. It takes over the stdio ends in
 * config, even when it fails. error names what failed (a grant that cannot
 * be opened, for example). */
minos_status wasm_cell_create(const wasm_cell_config *config, cell **out, char *error,
                              size_t error_size);

/* For a cnew child: waits as `parent` until the child has initialised
 * (true) or ended or the deadline passed (false). */
bool wasm_cell_wait_initialised(cell *child, waiter *parent, uint64_t deadline);
/* Whether the cell's initialisation (memory, data, start function) is
 * done: a supervisor enforces the init timeout of the cells it starts. */
bool wasm_cell_initialised(cell *item);
/* Lets a child that waits after its initialisation run its _start. */
void wasm_cell_start(cell *child);

#endif
