/* SPDX-License-Identifier: Apache-2.0 */
#include "spec/name_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short names, no adversary to fear beyond a slow check, which
 * the load factor of at most one half keeps short. */
static size_t hash_name(const char *name) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const unsigned char *at = (const unsigned char *)name; *at; at++)
    hash = (hash ^ *at) * 0x100000001b3ull;
  return (size_t)(hash ^ hash >> 32);
}

void name_index_init(name_index *index, name_index_name *name_of, const void *items) {
  *index = (name_index){.name_of = name_of, .items = items};
}

/* The slot holding name, or the free slot where it would go. */
static size_t probe(const name_index *index, const char *name) {
  size_t mask = index->capacity - 1, slot = hash_name(name) & mask;
  while (index->slots[slot] &&
         strcmp(index->name_of(index->items, index->slots[slot] - 1), name) != 0)
    slot = (slot + 1) & mask;
  return slot;
}

long name_index_find(const name_index *index, const char *name) {
  if (!index->capacity) return -1;
  size_t slot = probe(index, name);
  return index->slots[slot] ? (long)(index->slots[slot] - 1) : -1;
}

static bool grow(name_index *index) {
  size_t old_capacity = index->capacity, *old_slots = index->slots;
  size_t capacity = old_capacity ? old_capacity * 2 : 16;
  index->slots = calloc(capacity, sizeof *index->slots);
  if (!index->slots) {
    index->slots = old_slots;
    return false;
  }
  index->capacity = capacity;
  for (size_t i = 0; i < old_capacity; i++)
    if (old_slots[i])
      index->slots[probe(index, index->name_of(index->items, old_slots[i] - 1))] = old_slots[i];
  free(old_slots);
  return true;
}

bool name_index_add(name_index *index, size_t item) {
  if ((index->count + 1) * 2 > index->capacity && !grow(index)) return false;
  index->slots[probe(index, index->name_of(index->items, item))] = item + 1;
  index->count++;
  return true;
}

void name_index_free(name_index *index) {
  free(index->slots);
  index->slots = NULL;
  index->capacity = index->count = 0;
}
