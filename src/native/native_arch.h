/* SPDX-License-Identifier: Apache-2.0 */
/* The native arch: x86-64 Linux executables as sealed cells (native_arch.c
 * says how a cell runs its process; launch.h what seals it). */
#ifndef MINOS_NATIVE_NATIVE_ARCH_H
#define MINOS_NATIVE_NATIVE_ARCH_H

#include "core/code.h"

/* Its part in core/code.h: code that is an x86-64 ELF executable. */
extern const code_arch native_code_arch;

#endif
