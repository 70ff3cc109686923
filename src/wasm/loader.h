/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a wasm module: read it, find or build its compiled form in the
 * cache (validate, seal imports, wasm2c, cc), and dlopen it. A loaded module
 * is shared by every cell that runs it. */
#ifndef MINOS_WASM_LOADER_H
#define MINOS_WASM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "wasm/glue/module_abi.h"
#include "wasm/module.h"
#include "wasm/module_variant.h"

typedef struct loaded_module {
  char *artefact_path;
  module_variant variant;   /* how it was compiled; its cells' memory and stack follow */
  void *handle;
  const minos_module_entry *entry;
  wasm_module info;
  char *display_name; /* the path or name the user gave */
  uintptr_t code_low, code_high; /* executable range, to tell traps from host faults */
  struct Dwarf *debug;           /* opened on the first trap, to name functions */
  int debug_fd;
  /* The last address described and its function: a cell that crashes
   * again and again (under a supervisor) at one place is named at once. */
  uintptr_t described_address;
  long described_function;
  unsigned references;
} loaded_module;

typedef struct load_report {
  bool needs_compile; /* module_load_cached_bytes_for_limit: see there */
  bool cache_hit;
  char error[1024]; /* one line on failure */
} load_report;

/* Compiles if needed and loads, in the given variant (module_variant.h;
 * module_variant_for_memory_limit picks one for a cell's memory limit).
 * MINOS_EMODULE: the module is malformed, invalid or imports what minos
 * does not provide. MINOS_ELIMIT: compact only, a function needs a larger
 * native frame than compact code allows; the fast variant can run it. */
minos_status module_load_file_as(const char *path, module_variant variant, loaded_module **out,
                                 load_report *report);
minos_status module_load_bytes_as(const uint8_t *bytes, size_t length, const char *display_name,
                                  module_variant variant, loaded_module **out,
                                  load_report *report);

/* The variant module_variant_for_memory_limit picks for a cell with this
 * memory limit, falling back to the fast one when compact code cannot hold
 * a function's frame (MINOS_ELIMIT). What callers that start cells use. */
minos_status module_load_file_for_limit(const char *path, uint64_t memory_limit_bytes,
                                       loaded_module **out, load_report *report);
minos_status module_load_bytes_for_limit(const uint8_t *bytes, size_t length,
                                         const char *display_name, uint64_t memory_limit_bytes,
                                         loaded_module **out, load_report *report);
/* The same, but only what the cache holds: code it does not hold is not
 * compiled but reported (report->needs_compile, MINOS_OK, no module), so
 * that a worker can hand the compile to a compile thread (compile_pool.h)
 * having hashed the code once. */
minos_status module_load_cached_bytes_for_limit(const uint8_t *bytes, size_t length,
                                                const char *display_name,
                                                uint64_t memory_limit_bytes, loaded_module **out,
                                                load_report *report);

/* Checks a module file as loading it would (header, wasm-validate, import
 * sealing), with the same error texts, but compiles nothing: for checking
 * a spec (minos check). On success, *info_out (if not NULL) describes the
 * module's imports and exports; its types are dropped, since they point
 * into the file's bytes. Release it with wasm_module_release.
 * MINOS_EMODULE: malformed, invalid or imports what minos does not provide;
 * MINOS_EIO: the file cannot be read; MINOS_ETOOLCHAIN: no wasm-validate. */
minos_status module_check_file(const char *path, wasm_module *info_out, char *error,
                               size_t error_size);

/* The checks a read module passes before it is compiled (what it imports,
 * what it exports), as loading runs them: MINOS_EMODULE and the reason.
 * For the module fuzzer (tests/fuzz/module.c). */
minos_status module_check_sealing(const wasm_module *module, char *error, size_t error_size);

/* The same, in the fast variant. */
minos_status module_load_file(const char *path, loaded_module **out, load_report *report);
void module_retain(loaded_module *module);
void module_release(loaded_module *module);

/* The wasm function containing a code address, as "name" from the name
 * section or "function[N]"; false if the address is not in a function. */
bool module_describe_address(loaded_module *module, uintptr_t address, char *out,
                             size_t out_size);

/* Whether an address lies in any loaded module's code: faults there are
 * the guest's, anywhere else they are the runtime's. */
bool module_code_contains(uintptr_t address);

#endif
