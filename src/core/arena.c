/* SPDX-License-Identifier: Apache-2.0 */
#include "core/arena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sanitizer.h"

/* Address space is what a chunk costs until its pages are touched, and
 * x86-64 gives a process 128 TiB of it: 1 GiB chunks keep the number of
 * mappings (and so VMAs) tiny without committing anything. */
#define CHUNK_BYTES ((size_t)1 << 30)

/* A returned slot and how many of its bytes are still resident. */
typedef struct free_slot {
  void *slot;
  size_t resident;
} free_slot;

struct slot_arena {
  slot_arena *next; /* in the list of all arenas */
  size_t slot_bytes;
  slot_contents contents;
  pthread_mutex_t lock;
  char *chunk; /* the chunk being carved, slot by slot */
  size_t chunk_slots, chunk_used;
  free_slot *free_slots; /* returned slots, reused last in first out */
  size_t free_count, free_capacity;
  size_t resident_free_bytes; /* kept warm in free slots, at most WARM_BYTES_MAX */
};

/* Emptying a slot with madvise costs a TLB shoot-down on every core the
 * process runs on, and its next user then faults each page back in: for a
 * small memory (a request's cell), zeroing it by hand is several times
 * cheaper. What free slots keep resident this way is bounded per arena. */
#define WARM_SLOT_BYTES_MAX ((size_t)256 * 1024)
#define WARM_BYTES_MAX ((size_t)8 << 20)

static pthread_mutex_t arenas_lock = PTHREAD_MUTEX_INITIALIZER;
static slot_arena *arenas;

static size_t page_round_up(size_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (size + page - 1) & ~(page - 1);
}

slot_arena *slot_arena_for(size_t slot_bytes, slot_contents contents) {
  slot_bytes = page_round_up(slot_bytes ? slot_bytes : 1);
  pthread_mutex_lock(&arenas_lock);
  slot_arena *arena = arenas;
  while (arena && (arena->slot_bytes != slot_bytes || arena->contents != contents))
    arena = arena->next;
  if (!arena && (arena = calloc(1, sizeof *arena)) != NULL) {
    arena->slot_bytes = slot_bytes;
    arena->contents = contents;
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
    free_slot *reused = &arena->free_slots[--arena->free_count];
    arena->resident_free_bytes -= reused->resident;
    slot = reused->slot;
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

static int remember_free(slot_arena *arena, void *slot, size_t resident) {
  if (arena->free_count == arena->free_capacity) {
    size_t capacity = arena->free_capacity ? arena->free_capacity * 2 : 64;
    free_slot *grown = realloc(arena->free_slots, capacity * sizeof *grown);
    if (!grown) return -1;
    arena->free_slots = grown;
    arena->free_capacity = capacity;
  }
  arena->free_slots[arena->free_count++] = (free_slot){slot, resident};
  return 0;
}

/* Whether `bytes` more may stay resident in this arena's free slots; if
 * so they are counted already. */
static bool reserve_warm(slot_arena *arena, size_t bytes) {
  pthread_mutex_lock(&arena->lock);
  bool room = arena->resident_free_bytes + bytes <= WARM_BYTES_MAX;
  if (room) arena->resident_free_bytes += bytes;
  pthread_mutex_unlock(&arena->lock);
  return room;
}

/* Zeros the blocks of [bytes, bytes + size) that are not zero already:
 * reading a block costs less than writing it (no cache line is dirtied),
 * and a request's cell leaves most of its memory as it found it. size is
 * a multiple of the page size, so of the block's. Four 16-byte lanes a
 * step (gcc's and clang's vector extension: SSE2 on x86-64). */
typedef uint64_t lane __attribute__((vector_size(16)));
enum { ZERO_BLOCK_BYTES = 4096, LANES_PER_BLOCK = ZERO_BLOCK_BYTES / sizeof(lane) };

static bool block_is_zero(const lane *block) {
  lane a = {0}, b = {0}, c = {0}, d = {0};
  for (size_t i = 0; i < LANES_PER_BLOCK; i += 4) {
    a |= block[i];
    b |= block[i + 1];
    c |= block[i + 2];
    d |= block[i + 3];
  }
  lane all = a | b | c | d;
  return (all[0] | all[1]) == 0;
}

static void zero_written_pages(unsigned char *bytes, size_t size) {
  for (size_t at = 0; at < size; at += ZERO_BLOCK_BYTES)
    if (!block_is_zero((const lane *)(bytes + at))) memset(bytes + at, 0, ZERO_BLOCK_BYTES);
}

/* Empties the slot's first dirty_bytes: by hand while they are few and
 * the arena has room for warm pages, else back to the kernel (private
 * anonymous pages read as zero after MADV_DONTNEED). A stack slot's top
 * kept_bytes (the runtime's frames, which no guest code addresses) stay
 * as they are. Returns how many bytes stay resident, or SIZE_MAX. */
static size_t empty_slot(slot_arena *arena, void *slot, size_t dirty_bytes) {
  size_t kept = arena->contents == SLOT_KEEPS_TOP ? arena->slot_bytes - dirty_bytes : 0;
  if (arena->contents == SLOT_ZEROED && dirty_bytes <= WARM_SLOT_BYTES_MAX &&
      reserve_warm(arena, dirty_bytes)) {
    zero_written_pages(slot, dirty_bytes);
    return dirty_bytes;
  }
  if (kept && !reserve_warm(arena, kept)) {
    dirty_bytes = arena->slot_bytes;
    kept = 0;
  }
  if (dirty_bytes && madvise(slot, dirty_bytes, MADV_DONTNEED) != 0) {
    if (kept) { /* the slot is lost: its top no longer counts */
      pthread_mutex_lock(&arena->lock);
      arena->resident_free_bytes -= kept;
      pthread_mutex_unlock(&arena->lock);
    }
    return SIZE_MAX;
  }
  return kept;
}

static void give_now(slot_arena *arena, void *slot, size_t dirty_bytes) {
  if (dirty_bytes > arena->slot_bytes) dirty_bytes = arena->slot_bytes;
  dirty_bytes = page_round_up(dirty_bytes);
  clear_sanitizer_shadow(slot, arena->slot_bytes);
  size_t resident = empty_slot(arena, slot, dirty_bytes);
  if (resident == SIZE_MAX) {
    log_error("cannot return a %zu-byte slot's pages: leaking the slot", arena->slot_bytes);
    return;
  }
  pthread_mutex_lock(&arena->lock);
  int failed = remember_free(arena, slot, resident); /* reserve_warm counted it */
  if (failed) arena->resident_free_bytes -= resident;
  pthread_mutex_unlock(&arena->lock);
  /* Without room to remember it, the slot's address space is lost (and
   * what it kept warm stays resident, no longer counted). */
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
