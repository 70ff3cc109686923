/* SPDX-License-Identifier: Apache-2.0 */
/* Per-thread caches of mappings of one kind (a cell's guarded stack, an
 * 8 GiB linear memory reservation), so that a cell per request costs no
 * mmap, mprotect and munmap: a worker keeps the last few it released and
 * hands them to the next cell it creates. No lock: each thread has its
 * own cache. The kind's owner empties a mapping's pages before giving it
 * (a cached mapping holds no cell's data); the cache unmaps what it still
 * holds when its thread exits. */
#ifndef MINOS_CORE_MAPPING_CACHE_H
#define MINOS_CORE_MAPPING_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define MAPPING_CACHE_CAPACITY 16

typedef struct cached_mapping {
  void *base;
  size_t bytes;      /* as mapped: what munmap needs */
  size_t accessible; /* the kind's own state: how much of it is read-write */
} cached_mapping;

typedef struct mapping_cache {
  pthread_key_t key;
  bool usable; /* false when the key could not be made: nothing is cached */
} mapping_cache;

#define MAPPING_CACHE_INITIALIZER {0, false}

/* A cached mapping of exactly `bytes`, most recently given first. */
bool mapping_cache_take(mapping_cache *cache, size_t bytes, cached_mapping *out);
/* Keeps `mapping` for this thread; false when full (the caller unmaps). */
bool mapping_cache_give(mapping_cache *cache, const cached_mapping *mapping);

#endif
