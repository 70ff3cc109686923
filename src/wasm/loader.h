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

typedef struct loaded_module {
  char *artefact_path;
  void *handle;
  const minos_module_entry *entry;
  wasm_module info;
  char *display_name; /* the path or name the user gave */
  uintptr_t code_low, code_high; /* executable range, to tell traps from host faults */
  struct Dwarf *debug;           /* opened on the first trap, to name functions */
  int debug_fd;
  unsigned references;
} loaded_module;

typedef struct load_report {
  bool cache_hit;
  char error[1024]; /* one line on failure */
} load_report;

/* Compiles if needed and loads. MINOS_EMODULE: the module is malformed,
 * invalid or imports what minos does not provide. */
minos_status module_load_file(const char *path, loaded_module **out, load_report *report);
minos_status module_load_bytes(const uint8_t *bytes, size_t length, const char *display_name,
                               loaded_module **out, load_report *report);
/* Fills the cache only. */
minos_status module_compile_file(const char *path, load_report *report);
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
