/* SPDX-License-Identifier: Apache-2.0 */
/* Slot arenas: many equal-sized regions carved from a few large mappings.
 *
 * Compact cells (whose code checks memory bounds and stack depth itself)
 * need no guard pages, so their stacks and linear memories can sit side by
 * side in one read-write mapping. The kernel then keeps one VMA for a
 * thousand cells instead of two or more per cell, which matters because
 * Linux allows 65530 VMAs per process by default (vm.max_map_count).
 *
 * Pages are committed only when touched, and given back to the kernel with
 * madvise when a slot is returned (a few small slots' stay warm), so a
 * slot costs what its user touched.
 * Slots are reused, newest returned first. Arenas live as long as the
 * process and are safe to use from several threads. */
#ifndef MINOS_CORE_ARENA_H
#define MINOS_CORE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct slot_arena slot_arena;

/* What a slot taken from an arena holds. */
typedef enum slot_contents {
  SLOT_ZEROED,   /* zeros in every byte (linear memories) */
  SLOT_KEEPS_TOP /* zeros below what its last user kept at its top (native
                    stacks: runtime frames, addressed by no guest code) */
} slot_contents;

/* The arena of slots of slot_bytes (rounded up to whole pages) holding
 * `contents`, made on first use; NULL if the host is out of memory. */
slot_arena *slot_arena_for(size_t slot_bytes, slot_contents contents);
size_t slot_arena_slot_bytes(const slot_arena *arena);

/* A slot holding what `contents` says; NULL when the arena can get no
 * more address space. */
void *slot_arena_take(slot_arena *arena);

/* Returns a slot taken from this arena. Its first dirty_bytes (the part
 * that may have been written; the rest must still be zero, or in a
 * SLOT_KEEPS_TOP arena be kept for the next user) read as zero again:
 * zeroed by hand when few (their pages stay resident, up to a bound per
 * arena), else given back to the kernel. */
void slot_arena_give(slot_arena *arena, void *slot, size_t dirty_bytes);

/* Returning pages costs tens of microseconds (a system call whose TLB
 * shootdowns reach every core the process runs on). A worker defers the
 * gives of the cells that end on it, up to 64, and makes them when it has
 * nothing to run, so the cell that runs next (a restarted service, the
 * next request's cell) does not wait for them. For the calling thread. */
void slot_arena_defer_gives(bool defer);
/* Makes the calling thread's deferred gives; whether there were any. */
bool slot_arena_flush_gives(void);

#endif
