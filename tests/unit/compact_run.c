/* SPDX-License-Identifier: Apache-2.0 */
/* compact_run: runs one module as one cell in the compact variant, the
 * way 'minos run' runs it in the fast one (it uses run_command.c's own
 * run_cell_to_end and report_outcome), so the same expectations (exit
 * status, trap lines) check both variants' code.
 *
 *   compact_run [--max-memory SIZE] [--dir HOST::GUEST]... module.wasm [args...]
 *
 * Exit status as minos run's: the guest's, 134 for a trap or limit, 2 for
 * an invalid module, 125 when the runtime could not do its job. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/log.h"
#include "spec/spec.h"
#include "wasm/wasm_arch.h"

#define MAX_GRANTS 8

typedef struct options {
  long long memory_limit;
  cell_grant grants[MAX_GRANTS];
  size_t grant_count;
  int first; /* argv index of the module */
} options;

/* "HOST::GUEST" (the strings stay in argv). */
static int add_grant(options *chosen, char *text) {
  char *separator = strstr(text, "::");
  if (!separator || chosen->grant_count == MAX_GRANTS) return -1;
  *separator = '\0';
  chosen->grants[chosen->grant_count++] = (cell_grant){text, separator + 2, false};
  return 0;
}

static int parse(int argc, char **argv, options *chosen) {
  int i = 1;
  for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
    if (strcmp(argv[i], "--max-memory") == 0) {
      uint64_t bytes;
      if (!spec_parse_size(argv[i + 1], &bytes) || bytes == 0) return -1;
      chosen->memory_limit = (long long)bytes;
    } else if (strcmp(argv[i], "--dir") != 0 || add_grant(chosen, argv[i + 1]) != 0) {
      return -1;
    }
  }
  chosen->first = i;
  return i < argc && argv[i][0] != '-' ? 0 : -1;
}

int main(int argc, char **argv) {
  options chosen = {0};
  if (parse(argc, argv, &chosen) != 0) {
    fprintf(stderr, "usage: compact_run [--max-memory SIZE] [--dir HOST::GUEST]... "
                    "module.wasm [args...]\n");
    return EXIT_USAGE;
  }
  const char *path = argv[chosen.first];
  load_report load;
  loaded_module *module;
  minos_status status = module_load_file_as(path, MODULE_COMPACT, &module, &load);
  if (status != MINOS_OK) {
    if (status == MINOS_EMODULE) log_error("invalid module %s: %s", path, load.error);
    else log_error("%s", load.error);
    return status == MINOS_EMODULE ? EXIT_INVALID_MODULE : EXIT_RUNTIME_ERROR;
  }
  if (module->variant != MODULE_COMPACT || !module->entry->start) {
    log_error("%s: not loaded as a compact command module", path);
    return EXIT_RUNTIME_ERROR;
  }
  cell_code code = {.arch = &wasm_code_arch, .prepared = module};
  cell_config config = {
      .name = path,
      .args = (const char *const *)argv + chosen.first,
      .arg_count = (size_t)(argc - chosen.first),
      .grants = chosen.grants,
      .grant_count = chosen.grant_count,
      .memory_limit_bytes = (uint64_t)chosen.memory_limit,
  };
  char error[512] = "";
  cell_outcome outcome = {0};
  int exit_status = EXIT_RUNTIME_ERROR;
  if (run_cell_to_end(&code, &config, &outcome, error, sizeof error) == MINOS_OK)
    exit_status = report_outcome(&outcome);
  else
    log_error("%s", error);
  module_release(module);
  return exit_status;
}
