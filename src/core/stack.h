/* SPDX-License-Identifier: Apache-2.0 */
/* Stacks for cells.
 *
 * A guarded stack has its lowest pages inaccessible, so running off the
 * end faults at once instead of corrupting a neighbour. An unguarded stack
 * is a slot of a shared arena (core/arena.h): it costs no mapping of its
 * own, so a hundred thousand of them fit in one process, but nothing stops
 * a runaway frame at its end, so only code that checks its own depth
 * before each frame (compact wasm cells) may run on one. Either way pages
 * are committed by the kernel only when touched, so a large stack costs
 * address space, not memory. */
#ifndef MINOS_CORE_STACK_H
#define MINOS_CORE_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define STACK_GUARD_BYTES ((size_t)64 * 1024)

struct slot_arena;

typedef struct guarded_stack {
  void *mapping;      /* guard + usable, as mapped; or the arena slot */
  size_t mapping_size;
  void *usable_low;   /* first usable byte, just above the guard if any */
  size_t usable_size;
  struct slot_arena *arena; /* unguarded: the arena the slot came from */
} guarded_stack;

minos_status stack_create(guarded_stack *stack, size_t usable_size);
/* A stack without a guard page, from the arena of stacks of its size. */
minos_status stack_create_unguarded(guarded_stack *stack, size_t usable_size);
/* Either kind; does nothing to a stack already destroyed. */
void stack_destroy(guarded_stack *stack);
bool stack_guard_contains(const guarded_stack *stack, const void *address);

#endif
