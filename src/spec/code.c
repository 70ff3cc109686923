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

uint32_t spec_denied_grants(const spec_grants *grants) {
  /* Everything but what the spec gives, a grant added later included. */
  uint32_t denied = ~HOST_GRANT_BIT(HOST_GRANT_NONE);
  if (grants->dir_count) denied &= ~HOST_GRANT_BIT(HOST_GRANT_FILES);
  if (grants->clock) denied &= ~HOST_GRANT_BIT(HOST_GRANT_CLOCK);
  if (grants->random) denied &= ~HOST_GRANT_BIT(HOST_GRANT_RANDOM);
  if (grants->connect_count) denied &= ~HOST_GRANT_BIT(HOST_GRANT_CONNECT);
  if (grants->listen_count) denied &= ~HOST_GRANT_BIT(HOST_GRANT_LISTEN);
  return denied;
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

static void format_refusal(const spec_cell *cell, const wasm_import *import, host_grant grant,
                           char *error, size_t error_size) {
  snprintf(error, error_size, "%s imports %s.%s, which needs %s (%s)", base_name(cell->code_path),
           import->module, import->name, host_grant_name(grant), grant_example(grant));
}

/* One problem per missing grant, naming the first import that needs it. */
static void check_grants(spec_loader *loader, const spec_cell *cell, const wasm_module *info,
                         const char *path, spec_position at) {
  uint32_t denied = spec_denied_grants(&cell->grants);
  host_grant grant;
  long refused = -1;
  while ((refused = host_import_needing(info, denied, (uint32_t)(refused + 1), &grant)) >= 0) {
    char error[300];
    format_refusal(cell, &info->imports[refused], grant, error, sizeof error);
    spec_problem_add(loader->problems, path, at, "%s", error);
    denied &= ~HOST_GRANT_BIT(grant); /* reported: once per grant */
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
