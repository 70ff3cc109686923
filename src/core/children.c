/* SPDX-License-Identifier: Apache-2.0 */
#include "core/children.h"

#include <stdlib.h>

typedef struct child_table {
  resource owned;
  cell **slots; /* id - 1 */
  uint32_t capacity;
} child_table;

static void release_children(resource *item) {
  child_table *table = (child_table *)item;
  for (uint32_t i = 0; i < table->capacity; i++)
    if (table->slots[i]) cell_disown(table->slots[i]);
  free(table->slots);
  free(table);
}

static child_table *table_of(cell *parent, bool create) {
  if (parent->children || !create) return parent->children;
  child_table *table = calloc(1, sizeof *table);
  if (!table) return NULL;
  cell_own(parent, &table->owned, release_children);
  parent->children = table;
  return table;
}

int32_t cell_adopt(cell *parent, cell *child) {
  child_table *table = table_of(parent, true);
  if (!table) return -MINOS_ENOMEM;
  uint32_t slot = 0;
  while (slot < table->capacity && table->slots[slot]) slot++;
  if (slot >= CELL_CHILD_LIMIT) return -MINOS_ELIMIT;
  if (slot == table->capacity) {
    uint32_t capacity = table->capacity ? table->capacity * 2 : 8;
    cell **grown = realloc(table->slots, capacity * sizeof *grown);
    if (!grown) return -MINOS_ENOMEM;
    for (uint32_t i = table->capacity; i < capacity; i++) grown[i] = NULL;
    table->slots = grown;
    table->capacity = capacity;
  }
  table->slots[slot] = child;
  return (int32_t)slot + 1;
}

cell *cell_child(cell *parent, int32_t id) {
  child_table *table = table_of(parent, false);
  if (!table || id < 1 || (uint32_t)id > table->capacity) return NULL;
  return table->slots[id - 1];
}

void cell_forget_child(cell *parent, int32_t id) {
  if (cell_child(parent, id)) parent->children->slots[id - 1] = NULL;
}
