/* Guarded stacks for cells: the lowest pages are inaccessible, so running
 * off the end faults at once instead of corrupting a neighbour. Pages are
 * committed by the kernel only when touched, so a large reservation costs
 * address space, not memory. */
#ifndef MINOS_CORE_STACK_H
#define MINOS_CORE_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define STACK_GUARD_BYTES ((size_t)64 * 1024)

typedef struct guarded_stack {
  void *mapping;      /* guard + usable, as mapped */
  size_t mapping_size;
  void *usable_low;   /* first usable byte, just above the guard */
  size_t usable_size;
} guarded_stack;

minos_status stack_create(guarded_stack *stack, size_t usable_size);
void stack_destroy(guarded_stack *stack);
bool stack_guard_contains(const guarded_stack *stack, const void *address);

#endif
