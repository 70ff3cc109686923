/* SPDX-License-Identifier: Apache-2.0 */
/* minos compile: fill the compile cache ahead of time, by preparing the
 * code as a run would. */
#include "cli/commands.h"
#include "core/log.h"

int command_compile(int argc, char **argv) {
  int exit_status = 0;
  if (argc == 0) {
    log_error("compile needs at least one module: minos compile module.wasm...");
    return EXIT_USAGE;
  }
  for (int i = 0; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1] == 'v') {
      log_set_level(LOG_INFO);
      continue;
    }
    code_report report;
    cell_code code;
    minos_status status = code_prepare_file(argv[i], 0, &code, &report);
    code_release(&code);
    if (status == MINOS_EMODULE) {
      log_error("invalid module %s: %s", argv[i], report.error);
      exit_status = EXIT_INVALID_MODULE;
    } else if (status != MINOS_OK) {
      log_error("%s", report.error);
      if (!exit_status) exit_status = EXIT_RUNTIME_ERROR;
    } else {
      log_info("%s: %s", argv[i], report.cache_hit ? "already cached" : "compiled");
    }
  }
  return exit_status;
}
