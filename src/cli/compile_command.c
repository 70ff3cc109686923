/* minos compile: fill the compile cache ahead of time. */
#include "cli/commands.h"
#include "core/log.h"
#include "wasm/loader.h"

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
    load_report report;
    minos_status status = module_compile_file(argv[i], &report);
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
