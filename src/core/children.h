/* SPDX-License-Identifier: Apache-2.0 */
/* A cell's children, by the small ids the guest API gives them (1, 2,
 * ...). The table is a resource of the parent: when the parent ends, every
 * child it still has is disowned, so it ends too and is freed. */
#ifndef MINOS_CORE_CHILDREN_H
#define MINOS_CORE_CHILDREN_H

#include <stdint.h>

#include "core/cell.h"

#define CELL_CHILD_LIMIT 4096

/* The child's id (>= 1), or a negative minos_status (MINOS_ELIMIT). */
int32_t cell_adopt(cell *parent, cell *child);
/* The child with that id, or NULL. */
cell *cell_child(cell *parent, int32_t id);
/* Drops the id; the caller now owns the child (to reap or disown it). */
void cell_forget_child(cell *parent, int32_t id);

#endif
