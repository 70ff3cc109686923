/* The third pass: each cell's code. The module must exist, be valid, be
 * a WASI command, and import nothing its cell's grants do not allow: a
 * spec states up front everything its cells may do, and code that asks
 * for more is refused before it runs rather than failing when it tries. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "spec/spec_private.h"
#include "wasm/host_functions.h"
#include "wasm/loader.h"

static bool granted(const spec_cell *cell, host_grant grant) {
  const spec_grants *grants = &cell->grants;
  switch (grant) {
    case HOST_GRANT_NONE: return true;
    case HOST_GRANT_FILES: return grants->dir_count > 0;
    case HOST_GRANT_CLOCK: return grants->clock;
    case HOST_GRANT_RANDOM: return grants->random;
    case HOST_GRANT_CONNECT: return grants->connect_count > 0;
    case HOST_GRANT_LISTEN: return grants->listen_count > 0;
    default: return false; /* a grant this file does not know yet is never assumed */
  }
}

/* What to write in the spec to give the grant. */
static const char *grant_example(host_grant grant) {
  switch (grant) {
    case HOST_GRANT_FILES:
      return "\"grants\": {\"dirs\": [{\"host\": \"data\", \"guest\": \"/data\"}]}";
    case HOST_GRANT_CLOCK: return "\"grants\": {\"clock\": true}";
    case HOST_GRANT_RANDOM: return "\"grants\": {\"random\": true}";
    case HOST_GRANT_CONNECT: return "\"grants\": {\"connect\": [\"tcp:HOST:PORT\"]}";
    case HOST_GRANT_LISTEN: return "\"grants\": {\"listen\": [\"tcp:ADDRESS:PORT\"]}";
    default: return "\"grants\"";
  }
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* The first import from `start` on that needs a grant the cell lacks,
 * skipping grants already in `reported`; -1 if none. */
static long next_refused_import(const spec_cell *cell, const wasm_module *info, uint32_t start,
                                const bool reported[], host_grant *grant) {
  for (uint32_t i = start; i < info->import_count; i++) {
    const wasm_import *import = &info->imports[i];
    if (import->kind != WASM_EXTERNAL_FUNCTION) continue;
    int index = host_function_find(import->module, import->name);
    if (index < 0) continue; /* sealing refuses it, with its own message */
    *grant = host_functions[index].grant;
    if (granted(cell, *grant) || (reported && *grant < 8 && reported[*grant])) continue;
    return (long)i;
  }
  return -1;
}

static void format_refusal(const spec_cell *cell, const wasm_import *import, host_grant grant,
                           char *error, size_t error_size) {
  snprintf(error, error_size, "%s imports %s.%s, which needs %s (%s)", base_name(cell->code_path),
           import->module, import->name, host_grant_name(grant), grant_example(grant));
}

bool spec_cell_allows_imports(const spec_cell *cell, const struct wasm_module *info, char *error,
                              size_t error_size) {
  host_grant grant;
  long refused = next_refused_import(cell, info, 0, NULL, &grant);
  if (refused < 0) return true;
  format_refusal(cell, &info->imports[refused], grant, error, error_size);
  return false;
}

/* One problem per missing grant, naming the first import that needs it. */
static void check_grants(spec_loader *loader, const spec_cell *cell, const wasm_module *info,
                         const char *path, spec_position at) {
  bool reported[8] = {false};
  host_grant grant;
  long refused = -1;
  while ((refused = next_refused_import(cell, info, (uint32_t)(refused + 1), reported, &grant)) >=
         0) {
    char error[300];
    format_refusal(cell, &info->imports[refused], grant, error, sizeof error);
    spec_problem_add(loader->problems, path, at, "%s", error);
    if (grant < 8) reported[grant] = true;
  }
}

static void check_cell_code(spec_loader *loader, const spec_cell *cell, const cell_notes *notes) {
  const char *written = notes->code->string.text;
  char path[SPEC_PATH_SIZE], error[1024];
  spec_position at = spec_at(notes->code);
  snprintf(path, sizeof path, "cells.%s.code", cell->name);
  struct stat status;
  if (stat(cell->code_path, &status) != 0) {
    spec_problem_add(loader->problems, path, at, "cannot open %s: %s", written, strerror(errno));
    return;
  }
  if (!S_ISREG(status.st_mode)) {
    spec_problem_add(loader->problems, path, at, "%s is not a regular file", written);
    return;
  }
  wasm_module info = {0};
  minos_status checked = module_check_file(cell->code_path, &info, error, sizeof error);
  if (checked == MINOS_EMODULE)
    spec_problem_add(loader->problems, path, at, "invalid module %s: %s", written, error);
  else if (checked != MINOS_OK)
    spec_problem_add(loader->problems, path, at, "cannot check %s: %s", written, error);
  else if (!wasm_module_find_export(&info, "_start", WASM_EXTERNAL_FUNCTION))
    spec_problem_add(loader->problems, path, at,
                     "invalid module %s: it exports no _start function (not a WASI command)",
                     written);
  else
    check_grants(loader, cell, &info, path, at);
  wasm_module_release(&info);
}

void spec_check_code(spec_loader *loader) {
  for (size_t i = 0; i < loader->spec->cell_count; i++)
    if (loader->cells[i].code) check_cell_code(loader, &loader->spec->cells[i], &loader->cells[i]);
}
