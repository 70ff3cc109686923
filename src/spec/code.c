/* SPDX-License-Identifier: Apache-2.0 */
/* The third pass: each cell's code. It must exist and be code an arch
 * runs (core/code.h), and need nothing its cell's grants and limits do not
 * allow (for a wasm module: its imports and initial memory): a spec states
 * up front everything its cells may do, and code that asks for more is
 * refused before it runs rather than failing when it tries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec/name_index.h"
#include "spec/spec_private.h"
#include "core/code.h"

uint32_t spec_denied_grants(const spec_grants *grants) {
  /* Everything but what the spec gives, a grant added later included. */
  uint32_t denied = ~GRANT_BIT(GRANT_NONE);
  if (grants->dir_count) denied &= ~GRANT_BIT(GRANT_FILES);
  if (grants->clock) denied &= ~GRANT_BIT(GRANT_CLOCK);
  if (grants->random) denied &= ~GRANT_BIT(GRANT_RANDOM);
  if (grants->connect_count) denied &= ~GRANT_BIT(GRANT_CONNECT);
  if (grants->listen_count) denied &= ~GRANT_BIT(GRANT_LISTEN);
  return denied;
}

/* What to write in the spec to give the grant. */
static const char *grant_example(grant_kind grant) {
  switch (grant) {
    case GRANT_FILES:
      return "\"grants\": {\"dirs\": [{\"host\": \"data\", \"guest\": \"/data\"}]}";
    case GRANT_CLOCK: return "\"grants\": {\"clock\": true}";
    case GRANT_RANDOM: return "\"grants\": {\"random\": true}";
    case GRANT_CONNECT: return "\"grants\": {\"connect\": [\"tcp:HOST:PORT\"]}";
    case GRANT_LISTEN: return "\"grants\": {\"listen\": [\"tcp:ADDRESS:PORT\"]}";
    default: return "\"grants\"";
  }
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

typedef struct cell_check {
  spec_loader *loader;
  const spec_cell *cell;
  const cell_notes *notes;
  const char *path; /* cells.NAME.code */
  spec_position at;
} cell_check;

/* A grant the code needs, or memory: the latter is placed at the cell's
 * memory limit when the spec gives one. */
static void report_problem(void *context, const code_problem *problem) {
  const cell_check *check = context;
  const spec_cell *cell = check->cell;
  if (problem->kind == CODE_NEEDS_GRANT) {
    spec_problem_add(check->loader->problems, check->path, check->at, "%s %s, which needs %s (%s)",
                     base_name(cell->code_path), problem->what, grant_kind_name(problem->grant),
                     grant_example(problem->grant));
    return;
  }
  const json_value *limits = json_object_get(check->notes->object, "limits");
  const json_value *given = json_object_get(limits, "memory");
  char path[SPEC_PATH_SIZE];
  snprintf(path, sizeof path, "cells.%s.limits.memory", cell->name);
  spec_problem_add(check->loader->problems, given ? path : check->path,
                   given ? spec_at(given) : check->at,
                   "%s is more than the cell's memory limit (%llu bytes)", problem->what,
                   (unsigned long long)cell->limits.memory_bytes);
}

/* Each code file is checked once, however many cells run it: a system
 * of thousands of cells of one module is not thousands of checks. */
typedef struct checked_module {
  char *path;
  minos_status status;
  char *error;
  inspected_code code;
} checked_module;

typedef struct checked_modules {
  checked_module *items;
  size_t count;
  name_index paths;
} checked_modules;

static const char *checked_path(const void *modules, size_t index) {
  return ((const checked_modules *)modules)->items[index].path;
}

/* The result of checking path, from an earlier check if there was one;
 * NULL if out of memory. */
static const checked_module *check_module_once(checked_modules *modules, const char *path) {
  long known = name_index_find(&modules->paths, path);
  if (known >= 0) return &modules->items[known];
  checked_module *item = &modules->items[modules->count];
  char error[1024];
  *item = (checked_module){.path = strdup(path)};
  item->status = code_inspect_file(path, &item->code, error, sizeof error);
  item->error = strdup(error);
  if (!item->path || !item->error || !name_index_add(&modules->paths, modules->count)) {
    free(item->path);
    free(item->error);
    code_inspected_release(&item->code);
    return NULL;
  }
  modules->count++;
  return item;
}

/* Grants the code's arch cannot honour (a native cell's UDP grant). */
static void check_network_rules(spec_loader *loader, const inspected_code *code,
                                const spec_cell *cell, const net_rule *rules, size_t count,
                                const char *kind, const cell_notes *notes) {
  const json_value *grants = json_object_get(notes->object, "grants");
  const json_value *given = json_object_get(grants, kind);
  char path[SPEC_PATH_SIZE], why[256];
  snprintf(path, sizeof path, "cells.%s.grants.%s", cell->name, kind);
  for (size_t i = 0; given && i < count; i++)
    if (!code_takes_network_rule(code, &rules[i], why, sizeof why))
      spec_problem_add(loader->problems, path, spec_at(given), "%s", why);
}

static void check_cell_code(spec_loader *loader, checked_modules *modules, const spec_cell *cell,
                            const cell_notes *notes) {
  const char *written = notes->code->string.text;
  char path[SPEC_PATH_SIZE];
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
  const checked_module *checked = check_module_once(modules, cell->code_path);
  if (!checked)
    spec_problem_add(loader->problems, path, at, "cannot check %s: out of memory", written);
  else if (checked->status == MINOS_EMODULE)
    spec_problem_add(loader->problems, path, at, "invalid module %s: %s", written, checked->error);
  else if (checked->status != MINOS_OK)
    spec_problem_add(loader->problems, path, at, "cannot check %s: %s", written, checked->error);
  else if (cell->arch && strcmp(cell->arch, checked->code.arch->name) != 0)
    spec_problem_add(loader->problems, path, at, "%s is %s code, but the cell's \"arch\" says %s",
                     written, checked->code.arch->name, cell->arch);
  else if (cell->ready == READY_FIRST_READ && strcmp(checked->code.arch->name, "wasm") != 0)
    spec_problem_add(loader->problems, path, at,
                     "%s is %s code: its first read cannot be seen (the runtime reads its pipe "
                     "ahead); make it \"ready\": \"notify\" instead", written,
                     checked->code.arch->name);
  else {
    code_cell_problems(&checked->code, cell->limits.memory_bytes,
                       spec_denied_grants(&cell->grants), report_problem,
                       &(cell_check){loader, cell, notes, path, at});
    check_network_rules(loader, &checked->code, cell, cell->grants.connect,
                        cell->grants.connect_count, "connect", notes);
    check_network_rules(loader, &checked->code, cell, cell->grants.listen,
                        cell->grants.listen_count, "listen", notes);
  }
}

void spec_check_code(spec_loader *loader) {
  checked_modules modules = {.items = calloc(loader->spec->cell_count + 1, sizeof *modules.items)};
  name_index_init(&modules.paths, checked_path, &modules);
  for (size_t i = 0; modules.items && i < loader->spec->cell_count; i++)
    if (loader->cells[i].code && loader->spec->cells[i].code_path)
      check_cell_code(loader, &modules, &loader->spec->cells[i], &loader->cells[i]);
  for (size_t i = 0; i < modules.count; i++) {
    free(modules.items[i].path);
    free(modules.items[i].error);
    code_inspected_release(&modules.items[i].code);
  }
  name_index_free(&modules.paths);
  free(modules.items);
}
