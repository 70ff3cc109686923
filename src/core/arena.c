/* SPDX-License-Identifier: Apache-2.0 */
#include "core/arena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sanitizer.h"

/* Address space is what a chunk costs until its pages are touched, and
 * x86-64 gives a process 128 TiB of it: 1 GiB chunks keep the number of
 * mappings (and so VMAs) tiny without committing anything. */
#define CHUNK_BYTES ((size_t)1 << 30)

struct slot_arena {
  slot_arena *next; /* in the list of all arenas */
  size_t slot_bytes;
  pthread_mutex_t lock;
  char *chunk; /* the chunk being carved, slot by slot */
  size_t chunk_slots, chunk_used;
  void **free_slots; /* returned slots, reused last in first out */
  size_t free_count, free_capacity;
};

static pthread_mutex_t arenas_lock = PTHREAD_MUTEX_INITIALIZER;
static slot_arena *arenas;

static size_t page_round_up(size_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (size + page - 1) & ~(page - 1);
}

slot_arena *slot_arena_for(size_t slot_bytes) {
  slot_bytes = page_round_up(slot_bytes ? slot_bytes : 1);
  pthread_mutex_lock(&arenas_lock);
  slot_arena *arena = arenas;
  while (arena && arena->slot_bytes != slot_bytes) arena = arena->next;
  if (!arena && (arena = calloc(1, sizeof *arena)) != NULL) {
    arena->slot_bytes = slot_bytes;
    pthread_mutex_init(&arena->lock, NULL);
    arena->next = arenas;
    arenas = arena;
  }
  pthread_mutex_unlock(&arenas_lock);
  return arena;
}

size_t slot_arena_slot_bytes(const slot_arena *arena) { return arena->slot_bytes; }

/* Read-write from the start: no per-slot mprotect, so every chunk stays
 * one VMA (and neighbouring chunks merge). MAP_NORESERVE: the chunk is
 * address space, not a commitment of memory. */
static void *map_chunk(size_t bytes) {
  void *chunk = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (chunk == MAP_FAILED) return NULL;
  /* A transparent huge page would commit 2 MiB for one touched byte and
   * span several cells' slots, defeating both the accounting and madvise. */
  madvise(chunk, bytes, MADV_NOHUGEPAGE);
  return chunk;
}

/* Called with the arena locked and its chunk used up. */
static int new_chunk(slot_arena *arena) {
  size_t slots = CHUNK_BYTES / arena->slot_bytes;
  if (slots == 0) slots = 1;
  /* A smaller chunk when the system will not give a large one (strict
   * overcommit accounting ignores MAP_NORESERVE). */
  for (; slots > 0; slots /= 8) {
    void *chunk = map_chunk(slots * arena->slot_bytes);
    if (chunk) {
      arena->chunk = chunk;
      arena->chunk_slots = slots;
      arena->chunk_used = 0;
      return 0;
    }
  }
  return -1;
}

void *slot_arena_take(slot_arena *arena) {
  void *slot = NULL;
  pthread_mutex_lock(&arena->lock);
  if (arena->free_count > 0) {
    slot = arena->free_slots[--arena->free_count];
  } else if (arena->chunk_used < arena->chunk_slots || new_chunk(arena) == 0) {
    slot = arena->chunk + arena->chunk_used++ * arena->slot_bytes;
  }
  pthread_mutex_unlock(&arena->lock);
  if (!slot) log_error("out of address space for %zu-byte slots", arena->slot_bytes);
  return slot;
}

/* AddressSanitizer: a stack slot may keep the poisoned red zones of frames
 * that never returned (a cell that trapped), and its next user must start
 * clean. Zero shadow means addressable, so the shadow's whole pages go back
 * to the kernel like the slot's own (writing zeros over the shadow of a
 * large slot would commit all of it), and only its ragged ends are
 * unpoisoned by hand. */
static void clear_sanitizer_shadow(void *slot, size_t bytes) {
#ifdef MINOS_ASAN
  size_t scale, offset;
  __asan_get_shadow_mapping(&scale, &offset);
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t begin = (uintptr_t)slot, end = begin + bytes;
  uintptr_t shadow_begin = (begin >> scale) + offset, shadow_end = (end >> scale) + offset;
  uintptr_t whole_begin = (shadow_begin + page - 1) & ~(page - 1);
  uintptr_t whole_end = shadow_end & ~(page - 1);
  if (whole_begin >= whole_end) {
    __asan_unpoison_memory_region(slot, bytes);
    return;
  }
  madvise((void *)whole_begin, whole_end - whole_begin, MADV_DONTNEED);
  uintptr_t cleared_begin = (whole_begin - offset) << scale;
  uintptr_t cleared_end = (whole_end - offset) << scale;
  __asan_unpoison_memory_region(slot, cleared_begin - begin);
  __asan_unpoison_memory_region((void *)cleared_end, end - cleared_end);
#else
  (void)slot;
  (void)bytes;
#endif
}

static int remember_free(slot_arena *arena, void *slot) {
  if (arena->free_count == arena->free_capacity) {
    size_t capacity = arena->free_capacity ? arena->free_capacity * 2 : 64;
    void **grown = realloc(arena->free_slots, capacity * sizeof *grown);
    if (!grown) return -1;
    arena->free_slots = grown;
    arena->free_capacity = capacity;
  }
  arena->free_slots[arena->free_count++] = slot;
  return 0;
}

static void give_now(slot_arena *arena, void *slot, size_t dirty_bytes) {
  if (dirty_bytes > arena->slot_bytes) dirty_bytes = arena->slot_bytes;
  dirty_bytes = page_round_up(dirty_bytes);
  clear_sanitizer_shadow(slot, arena->slot_bytes);
  /* Private anonymous pages read as zero after MADV_DONTNEED: that both
   * returns the memory and gives the next user a zeroed slot. */
  if (dirty_bytes && madvise(slot, dirty_bytes, MADV_DONTNEED) != 0) {
    log_error("cannot return a %zu-byte slot's pages: leaking the slot", arena->slot_bytes);
    return;
  }
  pthread_mutex_lock(&arena->lock);
  int failed = remember_free(arena, slot);
  pthread_mutex_unlock(&arena->lock);
  /* Without room to remember it, the slot's address space is lost but its
   * memory is already back with the kernel. */
  if (failed) log_error("out of memory: a %zu-byte slot is not reused", arena->slot_bytes);
}

/* Deferred gives, per thread. */
#define DEFERRED_MAX 64
typedef struct deferred_give {
  slot_arena *arena;
  void *slot;
  size_t dirty_bytes;
} deferred_give;
static _Thread_local bool deferring;
static _Thread_local deferred_give deferred[DEFERRED_MAX];
static _Thread_local size_t deferred_count;

void slot_arena_give(slot_arena *arena, void *slot, size_t dirty_bytes) {
  if (!slot) return;
  if (deferring && deferred_count < DEFERRED_MAX) {
    deferred[deferred_count++] = (deferred_give){arena, slot, dirty_bytes};
    return;
  }
  give_now(arena, slot, dirty_bytes);
}

void slot_arena_defer_gives(bool defer) {
  deferring = defer;
  if (!defer) slot_arena_flush_gives();
}

bool slot_arena_flush_gives(void) {
  bool any = deferred_count > 0;
  while (deferred_count > 0) {
    deferred_give *give = &deferred[--deferred_count];
    give_now(give->arena, give->slot, give->dirty_bytes);
  }
  return any;
}
