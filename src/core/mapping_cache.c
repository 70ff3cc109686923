/* SPDX-License-Identifier: Apache-2.0 */
#include "core/mapping_cache.h"

#include <stdlib.h>
#include <sys/mman.h>

typedef struct thread_mappings {
  size_t count;
  cached_mapping items[MAPPING_CACHE_CAPACITY];
} thread_mappings;

static void unmap_all(void *opaque) {
  thread_mappings *mine = opaque;
  while (mine->count > 0) {
    cached_mapping *item = &mine->items[--mine->count];
    munmap(item->base, item->bytes);
  }
  free(mine);
}

static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;

static bool ensure_key(mapping_cache *cache) {
  if (__atomic_load_n(&cache->usable, __ATOMIC_ACQUIRE)) return true;
  pthread_mutex_lock(&keys_lock);
  if (!cache->usable && pthread_key_create(&cache->key, unmap_all) == 0)
    __atomic_store_n(&cache->usable, true, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&keys_lock);
  return __atomic_load_n(&cache->usable, __ATOMIC_ACQUIRE);
}

static thread_mappings *mine(mapping_cache *cache, bool create) {
  if (!ensure_key(cache)) return NULL;
  thread_mappings *found = pthread_getspecific(cache->key);
  if (found || !create) return found;
  found = calloc(1, sizeof *found);
  if (found && pthread_setspecific(cache->key, found) != 0) {
    free(found);
    found = NULL;
  }
  return found;
}

bool mapping_cache_take(mapping_cache *cache, size_t bytes, cached_mapping *out) {
  thread_mappings *list = mine(cache, false);
  if (!list) return false;
  for (size_t i = list->count; i-- > 0;) {
    if (list->items[i].bytes != bytes) continue;
    *out = list->items[i];
    list->items[i] = list->items[--list->count];
    return true;
  }
  return false;
}

bool mapping_cache_give(mapping_cache *cache, const cached_mapping *mapping) {
  thread_mappings *list = mine(cache, true);
  if (!list || list->count == MAPPING_CACHE_CAPACITY) return false;
  list->items[list->count++] = *mapping;
  return true;
}
