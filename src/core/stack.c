/* SPDX-License-Identifier: Apache-2.0 */
#include "core/stack.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/mapping_cache.h"
#include "core/sanitizer.h"

static size_t page_round_up(size_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (size + page - 1) & ~(page - 1);
}

/* How much of a released stack's top stays resident for the next cell. */
#define STACK_KEPT_BYTES ((size_t)32 * 1024)

/* Guarded stacks released on this thread, their usable pages emptied. */
static mapping_cache released_stacks = MAPPING_CACHE_INITIALIZER;

static void use(guarded_stack *stack, void *mapping, size_t total) {
  stack->mapping = mapping;
  stack->mapping_size = total;
  stack->usable_low = (char *)mapping + STACK_GUARD_BYTES;
  stack->usable_size = total - STACK_GUARD_BYTES;
  stack->arena = NULL;
}

minos_status stack_create(guarded_stack *stack, size_t usable_size) {
  usable_size = page_round_up(usable_size);
  size_t total = STACK_GUARD_BYTES + usable_size;
  cached_mapping cached;
  if (mapping_cache_take(&released_stacks, total, &cached)) {
    use(stack, cached.base, total);
    return MINOS_OK;
  }
  void *mapping = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapping == MAP_FAILED) return MINOS_ENOMEM;
  void *usable = (char *)mapping + STACK_GUARD_BYTES;
  if (mprotect(usable, usable_size, PROT_READ | PROT_WRITE) != 0) {
    munmap(mapping, total);
    return MINOS_ENOMEM;
  }
  use(stack, mapping, total);
  return MINOS_OK;
}

minos_status stack_create_unguarded(guarded_stack *stack, size_t usable_size) {
  slot_arena *arena = slot_arena_for(usable_size, SLOT_KEEPS_TOP);
  void *slot = arena ? slot_arena_take(arena) : NULL;
  if (!slot) return MINOS_ENOMEM;
  stack->mapping = slot;
  stack->mapping_size = slot_arena_slot_bytes(arena);
  stack->usable_low = slot;
  stack->usable_size = stack->mapping_size;
  stack->arena = arena;
  return MINOS_OK;
}

void stack_destroy(guarded_stack *stack) {
  if (!stack->mapping) return;
  /* Its top pages, which every cell touches, stay as they are (emptying
   * them costs a TLB shoot-down now and page faults at the next start);
   * how deep the stack went is not known, so the rest goes back (pages
   * never touched cost madvise nothing). Guest code never addresses the
   * native stack, so the frames left there are readable by nobody (as in
   * wasmtime's pooling allocator, whose stack zeroing is off by default). */
  size_t kept = stack->usable_size < STACK_KEPT_BYTES ? stack->usable_size : STACK_KEPT_BYTES;
  if (stack->arena) {
    slot_arena_give(stack->arena, stack->mapping, stack->mapping_size - kept);
  } else {
#ifdef MINOS_ASAN
    /* The red zones of frames that never returned (a cell ended inside a
     * host call) stay poisoned in ASan's shadow, which munmap leaves as it
     * is: the next mapping at this address would inherit them. */
    __asan_unpoison_memory_region(stack->usable_low, stack->usable_size);
#endif
    cached_mapping released = {stack->mapping, stack->mapping_size, stack->usable_size};
    if ((kept < stack->usable_size &&
         madvise(stack->usable_low, stack->usable_size - kept, MADV_DONTNEED) != 0) ||
        !mapping_cache_give(&released_stacks, &released))
      munmap(stack->mapping, stack->mapping_size);
  }
  stack->mapping = NULL;
}

bool stack_guard_contains(const guarded_stack *stack, const void *address) {
  uintptr_t low = (uintptr_t)stack->mapping, at = (uintptr_t)address;
  return stack->mapping && !stack->arena && at >= low && at < low + STACK_GUARD_BYTES;
}
