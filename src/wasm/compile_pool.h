/* SPDX-License-Identifier: Apache-2.0 */
/* Compiling off the workers. A cell's cnew whose code is not in the
 * compile cache yet hands the load (module_load_bytes_for_limit, which
 * validates, translates and compiles in the sandbox) to a compile thread
 * and blocks on its scheduler like any blocking host call, so the other
 * cells of its worker keep running. There are as many compile threads as
 * cores (MINOS_COMPILE_THREADS overrides it): compiles of different
 * modules run in parallel; compiles of one module wait for one another on
 * the cache's per-key lock, and the second finds the first's artefact.
 *
 * The threads are an offload pool (core/offload.h): a job outlives the
 * cell that started it; a cell killed while it waits lets go of the job;
 * one no thread has taken yet is dropped, one under way finishes on its
 * own (within the compile limits) and releases what it loaded. */
#ifndef MINOS_WASM_COMPILE_POOL_H
#define MINOS_WASM_COMPILE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/waiter.h"
#include "wasm/compile_sandbox.h"
#include "wasm/loader.h"

/* Refuses, before anything is compiled, a module that could never run
 * under this memory limit (0: none): initial memory or data larger than
 * the limit. MINOS_EINIT (its initialisation would fail on the limit, as
 * cnew documents) with the reason in error. */
minos_status compile_precheck(const uint8_t *bytes, size_t length, uint64_t memory_limit_bytes,
                              char *error, size_t error_size);

/* Loads the code (module_load_bytes_for_limit, which validates,
 * translates and compiles in the sandbox under `limits`) on a compile
 * thread while `self` waits; the job works on its own copy of the code.
 * The load's status, with *module (the caller's reference) and *report.
 * MINOS_EIO if the waiting cell was asked to end first: the compile
 * finishes alone and releases what it loaded. */
minos_status compile_off_worker(waiter *self, const uint8_t *bytes, size_t length,
                                const char *display_name, uint64_t memory_limit_bytes,
                                const compile_limits *limits, loaded_module **module,
                                load_report *report);

#endif
