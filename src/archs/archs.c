/* SPDX-License-Identifier: Apache-2.0 */
/* Every arch a cell's code can be (core/code.h), listed in one place above
 * the core and the archs, as Lua's linit.c lists its libraries: the core
 * knows none by name, and a registration in each arch's own file would be
 * dropped by the linker from a static library nobody references. */
#include "core/code.h"
#include "native/native_arch.h"
#include "wasm/wasm_arch.h"

const code_arch *const code_archs[] = {&wasm_code_arch, &native_code_arch, NULL};
