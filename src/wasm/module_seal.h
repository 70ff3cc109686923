/* SPDX-License-Identifier: Apache-2.0 */
/* What wasm2c is given: a copy of the module that names nothing of its
 * own. wasm2c 1.0.32 copies export names, the name section's names and
 * custom sections' names into the C it writes, inside comments and
 * identifiers, and a name holding star-slash ends a comment: the C that
 * follows would run natively inside minos. So before translation every
 * custom section (the name section included) is dropped and every export
 * but the two minos calls ("_start", a function, and "memory", a memory)
 * is renamed to a name minos makes up. Every other byte is copied as is,
 * so the code is the module's own; trap reports still name functions
 * from the original name section, which minos reads (module.c) and
 * escapes itself. */
#ifndef MINOS_WASM_MODULE_SEAL_H
#define MINOS_WASM_MODULE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Part of every cache key: bump it whenever the rewriting (or how wasm2c
 * is run on its output) changes, so modules compiled before are compiled
 * again. */
#define MODULE_SEAL_VERSION "minos-seal-2"

/* Writes the sealed copy of bytes[0..length) (a module the validator
 * accepted) into *sealed (malloc'd; the caller frees it). MINOS_EMODULE
 * with a reason if the module's sections cannot be walked. */
minos_status module_seal(const uint8_t *bytes, size_t length, uint8_t **sealed,
                         size_t *sealed_length, char *error, size_t error_size);

#endif
