/* SPDX-License-Identifier: Apache-2.0 */
/* minos: run programs as sealed cells. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/help.h"
#include "cli/options.h"
#include "core/log.h"
#include "minos_commit.h"

/* minos version */
static int command_version(int argc, char **argv) {
  options_parser parser = {.command = "version", .argc = argc, .argv = argv};
  if (!options_help_only(&parser, 0, 0, "")) return parser.exit_status;
  printf("minos %s (commit %s)\n", MINOS_VERSION, MINOS_COMMIT);
  return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME_ERROR;
}

/* minos help [COMMAND] */
static int command_help(int argc, char **argv) {
  options_parser parser = {.command = "help", .argc = argc, .argv = argv};
  if (!options_help_only(&parser, 0, 1, "")) return parser.exit_status;
  const char *command = parser.operand < argc ? argv[parser.operand] : NULL;
  if (command && !help_exists(command)) {
    log_error("no help for '%s': not a command (try 'minos help')", command);
    return EXIT_USAGE;
  }
  help_print(stdout, command);
  return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME_ERROR;
}

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv); /* argv[0] is the command's name */
} command;

static const command commands[] = {
    {"run", command_run},         {"compile", command_compile}, {"check", command_check},
    {"demo", command_demo},       {"up", command_up},           {"ps", command_ps},
    {"logs", command_logs},       {"top", command_top},         {"kill", command_control},
    {"restart", command_control}, {"stop", command_control},    {"upgrade", command_control},
    {"version", command_version}, {"help", command_help},       {"oci", command_oci},
};

/* minos's own options, before the command: --help and --version. */
static int run_command_line(int argc, char **argv) {
  enum { VERSION = OPTION_LONG_ONLY };
  static const struct option own[] = {OPTION_HELP, {"version", no_argument, NULL, VERSION},
                                      OPTION_END};
  options_parser parser = {.short_options = "h", .long_options = own, .in_order = true,
                    .argc = argc, .argv = argv};
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) return parser.exit_status;
    if (option == VERSION) return command_version(1, (char *[]){"version", NULL});
  }
  if (parser.operand >= argc) {
    help_print(stderr, NULL);
    return EXIT_USAGE;
  }
  const char *name = argv[parser.operand];
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(commands[i].name, name) == 0)
      return commands[i].run(argc - parser.operand, argv + parser.operand);
  log_error("unknown command '%s' (try 'minos help')", name);
  return EXIT_USAGE;
}

/* Engines take an OCI runtime as one executable: minos called by the
 * name minos-oci (a link to it) is `minos oci`. */
static bool called_as_oci_runtime(const char *argv0) {
  const char *name = strrchr(argv0, '/');
  return strcmp(name ? name + 1 : argv0, "minos-oci") == 0;
}

int main(int argc, char **argv) {
  /* A reader that goes away is an error on the write (EPIPE, which a cell
   * sees as a closed channel), not the death of every cell in the process. */
  signal(SIGPIPE, SIG_IGN);
  if (argc > 0 && called_as_oci_runtime(argv[0])) return command_oci(argc, argv);
  return run_command_line(argc, argv);
}
