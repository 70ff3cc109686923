#include "core/stack.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"

static size_t page_round_up(size_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (size + page - 1) & ~(page - 1);
}

minos_status stack_create(guarded_stack *stack, size_t usable_size) {
  usable_size = page_round_up(usable_size);
  size_t total = STACK_GUARD_BYTES + usable_size;
  void *mapping = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapping == MAP_FAILED) return MINOS_ENOMEM;
  void *usable = (char *)mapping + STACK_GUARD_BYTES;
  if (mprotect(usable, usable_size, PROT_READ | PROT_WRITE) != 0) {
    munmap(mapping, total);
    return MINOS_ENOMEM;
  }
  stack->mapping = mapping;
  stack->mapping_size = total;
  stack->usable_low = usable;
  stack->usable_size = usable_size;
  return MINOS_OK;
}

void stack_destroy(guarded_stack *stack) {
  if (stack->mapping) munmap(stack->mapping, stack->mapping_size);
  stack->mapping = NULL;
}

bool stack_guard_contains(const guarded_stack *stack, const void *address) {
  uintptr_t low = (uintptr_t)stack->mapping, at = (uintptr_t)address;
  return stack->mapping && at >= low && at < low + STACK_GUARD_BYTES;
}
