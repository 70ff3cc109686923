/* SPDX-License-Identifier: Apache-2.0 */
/* The few calls of libdw that name the wasm function a trap happened in,
 * loaded (dlopen) at the first trap that needs them: linked in, libdw and
 * the four libraries it pulls in (libelf, zlib, bzip2, lzma) would be
 * mapped at every start of minos for a rare event (~0.4 ms of each
 * `minos run`). */
#ifndef MINOS_WASM_DWARF_CALLS_H
#define MINOS_WASM_DWARF_CALLS_H

#include <elfutils/libdw.h>

typedef struct dwarf_calls {
  __typeof__(dwarf_begin) *begin;
  __typeof__(dwarf_addrdie) *addrdie;
  __typeof__(dwarf_tag) *tag;
  __typeof__(dwarf_attr_integrate) *attr_integrate;
  __typeof__(dwarf_formstring) *formstring;
  __typeof__(dwarf_child) *child;
  __typeof__(dwarf_siblingof) *siblingof;
  __typeof__(dwarf_haspc) *haspc;
} dwarf_calls;

/* The calls, or NULL if libdw cannot be loaded (said once in the log:
 * faults are then reported without their function's name). Called under
 * the caller's lock. */
const dwarf_calls *dwarf_calls_get(void);

#endif
