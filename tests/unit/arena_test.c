/* SPDX-License-Identifier: Apache-2.0 */
/* Slot arenas (src/core/arena.c): a slot taken again after its user wrote
 * all over it reads as zeros, whichever way it was emptied (by hand while
 * small and the arena has room for warm pages, else by madvise), and a
 * stack slot keeps only its top. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/arena.h"

enum { SECRET = 0xa5 };

static size_t nonzero_bytes(const unsigned char *bytes, size_t size) {
  size_t found = 0;
  for (size_t i = 0; i < size; i++) found += bytes[i] != 0;
  return found;
}

/* Slots of slot_bytes written over their first dirty bytes, given back
 * `rounds` at a time (so that the warm bound is reached), taken again. */
static void zeroed_after_reuse(size_t slot_bytes, size_t dirty, int rounds) {
  slot_arena *arena = slot_arena_for(slot_bytes, SLOT_ZEROED);
  CHECK(arena != NULL);
  if (!arena) return;
  unsigned char *slots[64];
  for (int pass = 0; pass < 3; pass++) {
    for (int i = 0; i < rounds; i++) {
      slots[i] = slot_arena_take(arena);
      CHECK(slots[i] != NULL);
      CHECK(nonzero_bytes(slots[i], slot_bytes) == 0);
      memset(slots[i], SECRET, dirty);
    }
    for (int i = 0; i < rounds; i++) slot_arena_give(arena, slots[i], dirty);
  }
}

static void stack_keeps_top(void) {
  enum { SLOT = 256 * 1024, KEPT = 32 * 1024 };
  slot_arena *arena = slot_arena_for(SLOT, SLOT_KEEPS_TOP);
  CHECK(arena != NULL && arena != slot_arena_for(SLOT, SLOT_ZEROED));
  if (!arena) return;
  unsigned char *slot = slot_arena_take(arena);
  memset(slot, SECRET, SLOT);
  slot_arena_give(arena, slot, SLOT - KEPT);
  unsigned char *again = slot_arena_take(arena);
  CHECK(again == slot);
  CHECK(nonzero_bytes(again, SLOT - KEPT) == 0);
  CHECK(nonzero_bytes(again + SLOT - KEPT, KEPT) == KEPT);
}

int main(void) {
  zeroed_after_reuse(128 * 1024, 128 * 1024, 4);  /* warm: zeroed by hand */
  zeroed_after_reuse(192 * 1024, 100 * 1000, 60); /* past the warm bound too */
  zeroed_after_reuse(1024 * 1024, 1024 * 1024, 4); /* too large: madvise */
  stack_keeps_top();
  printf("arena_test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
