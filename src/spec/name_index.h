/* SPDX-License-Identifier: Apache-2.0 */
/* An index from names to the items that bear them (object keys, cells,
 * channels, channel endpoints), so that checking a spec stays linear in
 * its size: every "is this name taken" is one hash probe, never a scan of
 * everything before it. The index keeps only item numbers; the names stay
 * with the items, reached through name_of. */
#ifndef MINOS_SPEC_NAME_INDEX_H
#define MINOS_SPEC_NAME_INDEX_H

#include <stdbool.h>
#include <stddef.h>

/* The name of item number `item` of `items`. */
typedef const char *name_index_name(const void *items, size_t item);

typedef struct name_index {
  size_t *slots;   /* item + 1, or 0 where free */
  size_t capacity; /* a power of two, or 0 */
  size_t count;
  name_index_name *name_of;
  const void *items;
} name_index;

void name_index_init(name_index *index, name_index_name *name_of, const void *items);
/* The item named `name`, or -1. */
long name_index_find(const name_index *index, const char *name);
/* Adds item, whose name must not be in the index yet; false if out of
 * memory. */
bool name_index_add(name_index *index, size_t item);
void name_index_free(name_index *index);

#endif
