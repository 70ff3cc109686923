/* SPDX-License-Identifier: Apache-2.0 */
/* The wasm arch's part of a cell: the compiled module's instance, its
 * linear memory and its WASI state. */
#ifndef MINOS_WASM_CELL_H
#define MINOS_WASM_CELL_H

#include <signal.h>
#include <stddef.h>
#include <wasm-rt.h>

#include "core/cell.h"
#include "core/preempt.h"
#include "net/rule.h"
#include "wasm/loader.h"
#include "wasm/wasi/wasi.h"

struct wasm_cell {
  /* First member on purpose: the generated import trampolines read it to
   * refuse a host call that would run the cell's stack into its guard, and
   * compact code copies it into its instance for its prologue checks. */
  const char *host_stack_floor;
  /* Second on purpose: every import trampoline reads it after its host
   * call (MINOS_HOST_LEAVE, module_glue.h) and, if set, stops there for
   * the runtime (preempt_safe_point). The preemption tick sets it when it
   * lands in a host call; only this cell's worker touches it. */
  volatile sig_atomic_t safe_point_due;
  cell *cell;
  loaded_module *module;
  void *instance;           /* the generated module's instance struct */
  wasm_rt_memory_t *memory; /* the module's memory, NULL if it has none */
  uint64_t memory_charged;  /* its bytes, counted in the cell's account */
  wasi_context wasi;
  resource owned;
  /* A child made by cnew: it stops after its initialisation until its
   * parent starts it; `initialised` and `start_requested` are read and
   * written under cell->end_lock, and init_waiter is its parent. */
  bool wait_for_start, initialised, start_requested;
  waiter *init_waiter;
  uint32_t read_rotation; /* fairness of minos read across calls */
  uint32_t denied_grants; /* its config's (core/code.h), for its children */
  /* Network grants, the cell's own copies (of its config's). */
  net_rule *connect_rules, *listen_rules;
  size_t connect_rule_count, listen_rule_count;
};

/* A safe point inside host code that runs long (a loop over a big buffer),
 * for the same tick MINOS_HOST_LEAVE would otherwise act on only at the
 * call's return: the cell may be switched away from or ended here, so
 * only where it holds nothing that ending it would leak. */
static inline void wasm_cell_safe_point(struct wasm_cell *self) {
  if (!self->safe_point_due) return;
  self->safe_point_due = 0;
  preempt_safe_point(self->cell, 0);
}

_Static_assert(offsetof(struct wasm_cell, safe_point_due) == MINOS_HOST_SAFE_POINT_OFFSET &&
                   sizeof(sig_atomic_t) == sizeof(int),
               "the generated trampolines read safe_point_due as an int at this offset");

#endif
