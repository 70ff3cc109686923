/* SPDX-License-Identifier: Apache-2.0 */
/* The compile cache: one shared object per (module bytes, compile
 * variant, toolchain, minos glue) key, under $MINOS_CACHE_DIR, else $XDG_CACHE_HOME/minos, else
 * ~/.cache/minos. Artefacts are published by rename(2), so a reader sees a
 * whole file or none; a per-key lock keeps two runs from compiling the same
 * module at once. */
#ifndef MINOS_WASM_CACHE_H
#define MINOS_WASM_CACHE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define CACHE_KEY_LENGTH 64 /* hex SHA-256 */

typedef struct cache_entry {
  char key[CACHE_KEY_LENGTH + 1];
  char directory[PATH_MAX];
  char artefact[PATH_MAX + CACHE_KEY_LENGTH + 8]; /* directory/key.so */
  int lock_fd;
} cache_entry;

/* Computes the key and the paths; creates the cache directory (mode 0700)
 * and refuses one that another user could write to. variant names how the
 * module is compiled ("fast", "compact"): the same bytes compiled two ways
 * are two artefacts. */
minos_status cache_prepare(const uint8_t *module, size_t length, const char *variant,
                           cache_entry *entry, char *error, size_t error_size);
int cache_exists(const cache_entry *entry);
/* Exclusive per-key lock, held while compiling. */
minos_status cache_lock(cache_entry *entry, char *error, size_t error_size);
void cache_unlock(cache_entry *entry);
/* Makes a private scratch directory inside the cache directory. */
minos_status cache_scratch_directory(const cache_entry *entry, char *out, size_t out_size);
/* Atomically moves a finished artefact into place. */
minos_status cache_publish(const cache_entry *entry, const char *built_path, char *error,
                           size_t error_size);
void cache_remove_tree(const char *directory);

/* A refusal is cached like an artefact: a module that cannot be compiled
 * in a variant (a frame too big for compact code) is not compiled again
 * to learn it. cache_refused fills reason with the recorded error. */
int cache_refused(const cache_entry *entry, char *reason, size_t reason_size);
void cache_record_refusal(const cache_entry *entry, const char *reason);

#endif
