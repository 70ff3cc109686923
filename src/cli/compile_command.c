/* SPDX-License-Identifier: Apache-2.0 */
/* minos compile: fill the compile cache ahead of time, by preparing the
 * code as a run would. */
#include "cli/commands.h"
#include "cli/options.h"
#include "core/log.h"

int command_compile(int argc, char **argv) {
  static const struct option long_options[] = {
      {"verbose", no_argument, NULL, 'v'}, OPTION_HELP, OPTION_END};
  options_parser parser = {.command = "compile", .short_options = "hv",
                           .long_options = long_options, .argc = argc, .argv = argv};
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) return parser.exit_status;
    if (option == 'v') log_set_level(LOG_INFO);
  }
  if (!options_operands(&parser, 1, -1, "at least one module")) return parser.exit_status;
  int exit_status = 0;
  for (int i = parser.operand; i < argc; i++) {
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
