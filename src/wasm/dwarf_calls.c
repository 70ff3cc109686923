/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/dwarf_calls.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "core/log.h"

/* Every member, or false (and the calls are not used). */
static bool resolve(void *library, dwarf_calls *calls) {
  struct {
    void **slot;
    const char *name;
  } wanted[] = {
      {(void **)&calls->begin, "dwarf_begin"},
      {(void **)&calls->addrdie, "dwarf_addrdie"},
      {(void **)&calls->tag, "dwarf_tag"},
      {(void **)&calls->attr_integrate, "dwarf_attr_integrate"},
      {(void **)&calls->formstring, "dwarf_formstring"},
      {(void **)&calls->child, "dwarf_child"},
      {(void **)&calls->siblingof, "dwarf_siblingof"},
      {(void **)&calls->haspc, "dwarf_haspc"},
  };
  for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
    if (!(*wanted[i].slot = dlsym(library, wanted[i].name))) return false;
  return true;
}

const dwarf_calls *dwarf_calls_get(void) {
  static dwarf_calls calls;
  static bool tried, loaded;
  if (tried) return loaded ? &calls : NULL;
  tried = true;
  void *library = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
  loaded = library && resolve(library, &calls);
  if (!loaded)
    log_message(LOG_WARN, NULL, "libdw cannot be loaded (%s): faults are reported without "
                "their function's name", library ? "a call is missing" : dlerror());
  return loaded ? &calls : NULL;
}
