/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/linear_memory.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/account.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mapping_cache.h"
#include "wasm/wasm_cell.h"

typedef struct owned_memory {
  resource owned;
  wasm_cell *owner;    /* its memory_charged bytes are counted in its account */
  void *reservation;
  slot_arena *arena;   /* compact: the arena of the slot; NULL: 8 GiB reservation */
} owned_memory;

typedef struct owned_table {
  resource owned;
  wasm_rt_funcref_table_t *table; /* externref tables share the layout */
} owned_table;

/* 8 GiB reservations released on this thread, emptied; `accessible` says
 * how much of each is still read-write. */
static mapping_cache released_reservations = MAPPING_CACHE_INITIALIZER;

static wasm_cell *running_wasm_cell(void) { return cell_current()->arch_data; }

/* Emptied (its pages read as zeros again), a reservation waits for the
 * next cell of this thread; only a full cache unmaps it. */
static void release_reservation(void *reservation, size_t accessible) {
  cached_mapping released = {reservation, LINEAR_MEMORY_RESERVATION, accessible};
  if (madvise(reservation, accessible, MADV_DONTNEED) != 0 ||
      !mapping_cache_give(&released_reservations, &released))
    munmap(reservation, LINEAR_MEMORY_RESERVATION);
}

static void release_memory(resource *item) {
  owned_memory *memory = (owned_memory *)item;
  /* What it was charged is what was made read-write (initial and grown). */
  size_t accessible = memory->owner->memory_charged;
  account_credit(memory->owner->cell->account, ACCOUNT_MEMORY, accessible);
  memory->owner->memory_charged = 0;
  if (memory->arena)
    slot_arena_give(memory->arena, memory->reservation, accessible);
  else
    release_reservation(memory->reservation, accessible);
  free(memory);
}

static uint64_t cell_page_limit(const wasm_cell *self) {
  uint64_t limit = self->cell->limits.memory_bytes / WASM_PAGE_BYTES;
  return (limit == 0 || limit > WASM_MAXIMUM_PAGES) ? WASM_MAXIMUM_PAGES : limit;
}

/* Fast: 8 GiB of address space, of which the first initial_bytes are
 * accessible; the rest faults. */
static void *reuse_guarded(uint64_t initial_bytes) {
  cached_mapping cached;
  if (!mapping_cache_take(&released_reservations, LINEAR_MEMORY_RESERVATION, &cached))
    return NULL;
  char *base = cached.base;
  int status = 0;
  if (cached.accessible > initial_bytes)
    status = mprotect(base + initial_bytes, cached.accessible - initial_bytes, PROT_NONE);
  else if (cached.accessible < initial_bytes)
    status = mprotect(base + cached.accessible, initial_bytes - cached.accessible,
                      PROT_READ | PROT_WRITE);
  if (status == 0) return base;
  munmap(base, LINEAR_MEMORY_RESERVATION);
  return NULL;
}

static void *reserve_guarded(owned_memory *owned, uint64_t initial_bytes) {
  owned->arena = NULL;
  void *reused = reuse_guarded(initial_bytes);
  if (reused) return reused;
  void *reservation = mmap(NULL, LINEAR_MEMORY_RESERVATION, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reservation == MAP_FAILED) return NULL;
  if (initial_bytes && mprotect(reservation, initial_bytes, PROT_READ | PROT_WRITE) != 0) {
    munmap(reservation, LINEAR_MEMORY_RESERVATION);
    return NULL;
  }
  return reservation;
}

/* Compact: a slot as large as the memory may grow, rounded up to a power
 * of two pages so that few slot sizes (and so few arenas) exist. */
static void *reserve_compact(owned_memory *owned, uint64_t maximum_pages) {
  uint64_t pages = 1;
  while (pages < maximum_pages) pages *= 2;
  slot_arena *arena = slot_arena_for((size_t)(pages * WASM_PAGE_BYTES), SLOT_ZEROED);
  void *slot = arena ? slot_arena_take(arena) : NULL;
  if (!slot) return NULL;
  owned->arena = arena;
  return slot;
}

void linear_memory_allocate(void *opaque, uint32_t initial_pages, uint32_t maximum_pages) {
  wasm_rt_memory_t *memory = opaque;
  wasm_cell *self = running_wasm_cell();
  uint64_t limit = cell_page_limit(self);
  if (initial_pages > limit) cell_fault_now(self->cell, FAULT_MEMORY_LIMIT, 0);
  uint64_t maximum = maximum_pages < limit ? maximum_pages : limit;
  uint64_t initial_bytes = (uint64_t)initial_pages * WASM_PAGE_BYTES;
  /* Counted in its account and its ancestors': a parent's memory limit
   * holds its children's memories too. */
  if (account_charge(self->cell->account, ACCOUNT_MEMORY, initial_bytes) != MINOS_OK)
    cell_fault_now(self->cell, FAULT_MEMORY_LIMIT, 0);
  owned_memory *owned = malloc(sizeof *owned);
  void *reservation = NULL;
  if (owned)
    reservation = self->module->variant == MODULE_COMPACT ? reserve_compact(owned, maximum)
                                                          : reserve_guarded(owned, initial_bytes);
  if (!reservation) {
    log_message(LOG_ERROR, self->cell->name, "cannot reserve linear memory");
    free(owned);
    account_credit(self->cell->account, ACCOUNT_MEMORY, initial_bytes);
    cell_fault_now(self->cell, FAULT_MEMORY_LIMIT, 0);
  }
  owned->owner = self;
  self->memory_charged += initial_bytes;
  owned->reservation = reservation;
  cell_own(self->cell, &owned->owned, release_memory);
  memory->data = reservation;
  memory->pages = initial_pages;
  memory->max_pages = (uint32_t)maximum;
  memory->size = (uint32_t)initial_bytes;
  self->memory = memory;
}

uint32_t linear_memory_grow(void *opaque, uint32_t delta_pages) {
  wasm_rt_memory_t *memory = opaque;
  uint32_t old_pages = memory->pages;
  uint64_t new_pages = (uint64_t)old_pages + delta_pages;
  if (delta_pages == 0) return old_pages;
  if (new_pages > memory->max_pages) return UINT32_MAX;
  /* 65536 pages are 4 GiB, one more than size (a u32) can say; the
   * reservation is there, but minos caps memories one page short. */
  if (new_pages * WASM_PAGE_BYTES > UINT32_MAX) return UINT32_MAX;
  wasm_cell *self = running_wasm_cell();
  uint64_t delta_bytes = (uint64_t)delta_pages * WASM_PAGE_BYTES;
  /* Its tree's memory (its ancestors' limits) may be spent before its own. */
  if (account_charge(self->cell->account, ACCOUNT_MEMORY, delta_bytes) != MINOS_OK)
    return UINT32_MAX;
  /* A compact memory's slot already holds max_pages of zeroed read-write
   * pages that its checked code could not touch until now. */
  if (self->module->variant != MODULE_COMPACT &&
      mprotect(memory->data + (uint64_t)old_pages * WASM_PAGE_BYTES, delta_bytes,
               PROT_READ | PROT_WRITE) != 0) {
    account_credit(self->cell->account, ACCOUNT_MEMORY, delta_bytes);
    return UINT32_MAX;
  }
  self->memory_charged += delta_bytes;
  memory->pages = (uint32_t)new_pages;
  memory->size = (uint32_t)(new_pages * WASM_PAGE_BYTES);
  return old_pages;
}

/* Memories are released with their cell, never by the generated code. */
void linear_memory_free(void *memory) { (void)memory; }

bool linear_memory_reservation_contains(const wasm_cell *self, uintptr_t address) {
  if (!self->memory || self->module->variant == MODULE_COMPACT) return false;
  uintptr_t base = (uintptr_t)self->memory->data;
  return address >= base && address < base + LINEAR_MEMORY_RESERVATION;
}

static void release_table(resource *item) {
  owned_table *owned = (owned_table *)item;
  free(owned->table->data);
  owned->table->data = NULL;
  free(owned);
}

void table_allocate(void *opaque, size_t element_size, uint32_t elements, uint32_t maximum) {
  wasm_rt_funcref_table_t *table = opaque;
  wasm_cell *self = running_wasm_cell();
  if (elements > TABLE_ELEMENT_LIMIT) cell_fault_now(self->cell, FAULT_TABLE_LIMIT, 0);
  owned_table *owned = malloc(sizeof *owned);
  void *data = calloc(elements ? elements : 1, element_size);
  if (!owned || !data) {
    free(owned);
    free(data);
    cell_fault_now(self->cell, FAULT_TABLE_LIMIT, 0);
  }
  table->data = data;
  table->size = elements;
  table->max_size = maximum < TABLE_ELEMENT_LIMIT ? maximum : TABLE_ELEMENT_LIMIT;
  owned->table = table;
  cell_own(self->cell, &owned->owned, release_table);
}

uint32_t table_grow(void *opaque, size_t element_size, uint32_t delta, const void *initial) {
  wasm_rt_funcref_table_t *table = opaque;
  uint32_t old_size = table->size;
  uint64_t new_size = (uint64_t)old_size + delta;
  if (delta == 0) return old_size;
  if (new_size > table->max_size) return UINT32_MAX;
  char *grown = realloc(table->data, new_size * element_size);
  if (!grown) return UINT32_MAX;
  for (uint64_t i = old_size; i < new_size; i++) memcpy(grown + i * element_size, initial, element_size);
  table->data = (wasm_rt_funcref_t *)grown;
  table->size = (uint32_t)new_size;
  return old_size;
}

void table_free(void *table) { (void)table; }
