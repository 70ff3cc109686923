/* SPDX-License-Identifier: Apache-2.0 */
/* The table of host services every compiled module is bound to: memory,
 * tables, traps, and the host functions it imports. */
#ifndef MINOS_WASM_HOST_TABLE_H
#define MINOS_WASM_HOST_TABLE_H

#include "wasm/glue/module_abi.h"

const minos_host_table *host_table(void);

#endif
