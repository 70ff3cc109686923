/* SPDX-License-Identifier: Apache-2.0 */
/* Linear memories and tables of wasm cells.
 *
 * Fast modules: a memory is one reservation of 8 GiB plus a guard: wasm2c
 * computes every access as a 32-bit address plus a 32-bit constant offset,
 * so no access can leave the reservation, and the pages past the memory's
 * current size are inaccessible. The generated code therefore needs no
 * bounds checks: an out-of-bounds access faults, and the fault handler
 * turns it into a trap of the cell that made it.
 *
 * Compact modules check every access against the memory's size, so their
 * memory needs no guard and no inaccessible pages: it is a slot of a
 * read-write arena (core/arena.h) as large as the memory may ever grow
 * (the smaller of the cell's limit and the module's maximum, rounded up to
 * a power of two pages), growing costs no system call, and the pages it
 * touched go back to the kernel when the cell ends. */
#ifndef MINOS_WASM_LINEAR_MEMORY_H
#define MINOS_WASM_LINEAR_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WASM_PAGE_BYTES ((uint64_t)65536)
#define WASM_MAXIMUM_PAGES ((uint64_t)65536)
#define LINEAR_MEMORY_RESERVATION (((uint64_t)8 << 30) + 2 * WASM_PAGE_BYTES)
/* Elements per table: a module cannot make the host allocate without bound. */
#define TABLE_ELEMENT_LIMIT ((uint32_t)1 << 20)

struct wasm_cell;

void linear_memory_allocate(void *memory, uint32_t initial_pages, uint32_t maximum_pages);
uint32_t linear_memory_grow(void *memory, uint32_t delta_pages);
void linear_memory_free(void *memory);
/* Whether a fault at address is an out-of-bounds access of this cell's
 * fast memory (compact memories never fault: their accesses are checked). */
bool linear_memory_reservation_contains(const struct wasm_cell *self, uintptr_t address);

void table_allocate(void *table, size_t element_size, uint32_t elements, uint32_t maximum);
uint32_t table_grow(void *table, size_t element_size, uint32_t delta, const void *initial);
void table_free(void *table);

#endif
