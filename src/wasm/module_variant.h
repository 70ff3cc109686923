/* SPDX-License-Identifier: Apache-2.0 */
/* The two ways minos compiles and lays out a wasm module's cells.
 *
 * fast: no bounds checks in the code. Each memory is an 8 GiB reservation
 *   whose pages past the memory's size are inaccessible, and each cell's
 *   stack has a guard page; faults become traps. Fastest code, but every
 *   cell costs 8 GiB of address space and several VMAs, so a process holds
 *   at most some 15,000 such cells (128 TiB of user address space, and
 *   Linux's default limit of 65530 VMAs).
 * compact: the code checks every memory access against the memory's size
 *   and every function's stack pointer against the cell's stack floor, so
 *   nothing relies on guard pages. Memories are sized to the cell's limit
 *   and, with stacks, carved from shared arenas (core/arena.h): no VMA of
 *   their own, and only touched pages are resident. For many small cells.
 *
 * Both report the same trap kinds. The variant is part of the compile
 * cache key, so a module may be cached in both forms. */
#ifndef MINOS_WASM_MODULE_VARIANT_H
#define MINOS_WASM_MODULE_VARIANT_H

#include <stdint.h>

typedef enum module_variant { MODULE_FAST = 0, MODULE_COMPACT = 1 } module_variant;

/* Cells with a memory limit up to this run compact (see below). */
#define MODULE_COMPACT_MEMORY_LIMIT ((uint64_t)64 << 20)

/* The variant for a cell with this linear memory limit (0: no limit, the
 * wasm maximum of 4 GiB). Compact up to 64 MiB: a compact memory reserves
 * its whole limit (rounded up to a power of two), so 100,000 cells of
 * 64 MiB take 6.4 TiB of the 128 TiB of address space, leaving room for
 * their stacks and for more cells; above that, or with no limit, a cell
 * is likely a big one that is better served by the fast code. */
module_variant module_variant_for_memory_limit(uint64_t memory_limit_bytes);

/* "fast" or "compact". */
const char *module_variant_name(module_variant variant);

#endif
