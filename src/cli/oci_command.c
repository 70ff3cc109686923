/* SPDX-License-Identifier: Apache-2.0 */
/* minos oci: the OCI runtime command line (runc's), so that container
 * engines (podman --runtime, containerd, Kubernetes through a
 * RuntimeClass) run bundles as cells. The work is in src/oci/; this reads
 * the command line as engines write it:
 *   minos oci [--root DIR] [--log FILE] [--log-format text|json]
 *             [--systemd-cgroup] [--cgroup-manager X] COMMAND ...
 * The cgroup options are accepted and change nothing: minos places no
 * process in a cgroup (a cell's limits are its own), whatever manager
 * the engine uses. A minos binary called by the name minos-oci (a link)
 * is `minos oci` (main.c): engines take a runtime as one executable. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/oci_log.h"
#include "cli/options.h"
#include "core/log.h"
#include "minos_commit.h"
#include "oci/container.h"
#include "oci/features.h"
#include "oci/state.h"

#define ERROR_SIZE 1024

typedef struct oci_globals {
  const char *root;
  char default_root[512];
} oci_globals;

/* A command's failure, said once (on stderr, and in --log's file). */
static int failed(const char *error) {
  log_error("%s", error);
  return EXIT_OCI_FAILED;
}

/* Prints text (a JSON line minos made) and frees it. */
static int print_owned(char *text, const char *error) {
  if (!text) return failed(error);
  fputs(text, stdout);
  free(text);
  return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME_ERROR;
}

enum { OPTION_BUNDLE = 'b', OPTION_PID_FILE = OPTION_LONG_ONLY, OPTION_CONSOLE_SOCKET,
       OPTION_PRESERVE_FDS, OPTION_NO_PIVOT, OPTION_NO_NEW_KEYRING };

static const struct option create_options[] = {
    {"bundle", required_argument, NULL, OPTION_BUNDLE},
    {"pid-file", required_argument, NULL, OPTION_PID_FILE},
    {"console-socket", required_argument, NULL, OPTION_CONSOLE_SOCKET},
    {"preserve-fds", required_argument, NULL, OPTION_PRESERVE_FDS},
    {"no-pivot", no_argument, NULL, OPTION_NO_PIVOT},
    {"no-new-keyring", no_argument, NULL, OPTION_NO_NEW_KEYRING},
    OPTION_HELP,
    OPTION_END,
};

/* One option of create: 0, or -1 with the reason logged. --no-pivot and
 * --no-new-keyring change nothing: a cell's root is made by minos, and
 * it has no keyring (keyctl is refused). */
static int take_create_option(int option, const char *value, oci_create_request *request) {
  uint64_t count;
  switch (option) {
  case OPTION_BUNDLE: request->bundle = value; return 0;
  case OPTION_PID_FILE: request->pid_file = value; return 0;
  case OPTION_CONSOLE_SOCKET:
    log_error("--console-socket: a terminal is not supported (run without -t)");
    return -1;
  case OPTION_PRESERVE_FDS: /* 0 is what engines pass when none is asked for */
    if (parse_count_option("--preserve-fds", value, 0, 1000, &count) != 0) return -1;
    if (count == 0) return 0;
    log_error("--preserve-fds %s: not supported (a cell gets its stdio, and descriptors only "
              "through its grants)", value);
    return -1;
  case OPTION_NO_PIVOT: case OPTION_NO_NEW_KEYRING: return 0;
  }
  return -1;
}

/* create [--bundle DIR] [--pid-file FILE] ID */
static int run_create(const oci_globals *globals, int argc, char **argv) {
  options_parser parser = {.command = "oci", .short_options = "hb:",
                           .long_options = create_options, .argc = argc, .argv = argv};
  oci_create_request request = {.root = globals->root, .bundle = "."};
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) return parser.exit_status;
    if (take_create_option(option, optarg, &request) != 0) return EXIT_USAGE;
  }
  if (!options_operands(&parser, 1, 1, "a container ID")) return parser.exit_status;
  request.id = argv[parser.operand];
  char error[ERROR_SIZE];
  return oci_container_create(&request, error, sizeof error) ? 0 : failed(error);
}

/* Commands whose only operand is the ID: the ID, or NULL after an error. */
static const char *only_id(int argc, char **argv, int *exit_status) {
  options_parser parser = {.command = "oci", .argc = argc, .argv = argv};
  if (options_help_only(&parser, 1, 1, "a container ID")) return argv[parser.operand];
  *exit_status = parser.exit_status;
  return NULL;
}

static int run_start(const oci_globals *globals, int argc, char **argv) {
  int exit_status;
  const char *id = only_id(argc, argv, &exit_status);
  if (!id) return exit_status;
  char error[ERROR_SIZE];
  return oci_container_start(globals->root, id, error, sizeof error) ? 0 : failed(error);
}

static int run_state(const oci_globals *globals, int argc, char **argv) {
  int exit_status;
  const char *id = only_id(argc, argv, &exit_status);
  if (!id) return exit_status;
  char error[ERROR_SIZE];
  return print_owned(oci_container_state(globals->root, id, error, sizeof error), error);
}

/* "TERM", "SIGTERM", "term" or "15"; 0 if it is none. */
static int parse_signal(const char *text) {
  if (text[0] >= '0' && text[0] <= '9') {
    char *end;
    long number = strtol(text, &end, 10);
    return *end == '\0' && number > 0 && number <= SIGRTMAX ? (int)number : 0;
  }
  if (strncasecmp(text, "SIG", 3) == 0) text += 3;
  for (int number = 1; number < SIGRTMIN; number++) {
    const char *name = sigabbrev_np(number);
    if (name && strcasecmp(name, text) == 0) return number;
  }
  return 0;
}

/* kill [--all] ID [SIGNAL]: --all changes nothing, the container being
 * one process (a native cell's own processes end with it). */
static int run_kill(const oci_globals *globals, int argc, char **argv) {
  static const struct option options[] = {{"all", no_argument, NULL, 'a'}, OPTION_HELP,
                                          OPTION_END};
  options_parser parser = {.command = "oci", .short_options = "ha", .long_options = options,
                           .argc = argc, .argv = argv};
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END)
    if (option == OPTIONS_QUIT) return parser.exit_status;
  if (!options_operands(&parser, 1, 2, "a container ID")) return parser.exit_status;
  const char *name = parser.operand + 1 < argc ? argv[parser.operand + 1] : "TERM";
  int signal_number = parse_signal(name);
  if (!signal_number) {
    log_error("oci kill: '%s' is not a signal (a name such as TERM or KILL, or a number)", name);
    return EXIT_USAGE;
  }
  char error[ERROR_SIZE];
  return oci_container_kill(globals->root, argv[parser.operand], signal_number, error,
                            sizeof error)
             ? 0
             : failed(error);
}

static int run_delete(const oci_globals *globals, int argc, char **argv) {
  static const struct option options[] = {{"force", no_argument, NULL, 'f'}, OPTION_HELP,
                                          OPTION_END};
  options_parser parser = {.command = "oci", .short_options = "hf", .long_options = options,
                           .argc = argc, .argv = argv};
  bool force = false;
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) return parser.exit_status;
    force = true;
  }
  if (!options_operands(&parser, 1, 1, "a container ID")) return parser.exit_status;
  char error[ERROR_SIZE];
  return oci_container_delete(globals->root, argv[parser.operand], force, error, sizeof error)
             ? 0
             : failed(error);
}

static int run_features(const oci_globals *globals, int argc, char **argv) {
  (void)globals;
  options_parser parser = {.command = "oci", .argc = argc, .argv = argv};
  if (!options_help_only(&parser, 0, 0, "")) return parser.exit_status;
  return print_owned(oci_features_json(), "out of memory");
}

/* As runc prints it: engines read the first line's name and version. */
static int oci_version(void) {
  printf("minos version %s\ncommit: %s\nspec: 1.0.2\n", MINOS_VERSION, MINOS_COMMIT);
  return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME_ERROR;
}

typedef struct oci_subcommand {
  const char *name;
  int (*run)(const oci_globals *globals, int argc, char **argv);
} oci_subcommand;

static const oci_subcommand subcommands[] = {
    {"create", run_create}, {"start", run_start},   {"state", run_state},
    {"kill", run_kill},     {"delete", run_delete}, {"features", run_features},
};

enum { GLOBAL_ROOT = OPTION_LONG_ONLY, GLOBAL_LOG, GLOBAL_LOG_FORMAT, GLOBAL_SYSTEMD_CGROUP,
       GLOBAL_CGROUP_MANAGER, GLOBAL_VERSION };

static const struct option global_options[] = {
    {"root", required_argument, NULL, GLOBAL_ROOT},
    {"log", required_argument, NULL, GLOBAL_LOG},
    {"log-format", required_argument, NULL, GLOBAL_LOG_FORMAT},
    {"systemd-cgroup", no_argument, NULL, GLOBAL_SYSTEMD_CGROUP},
    {"cgroup-manager", required_argument, NULL, GLOBAL_CGROUP_MANAGER},
    {"version", no_argument, NULL, GLOBAL_VERSION},
    OPTION_HELP,
    OPTION_END,
};

/* The global options, up to the command: its index, or -1 after an
 * error or --help/--version with *exit_status set. */
static int parse_globals(int argc, char **argv, oci_globals *globals, int *exit_status) {
  options_parser parser = {.command = "oci", .short_options = "h", .long_options = global_options,
                           .in_order = true, .argc = argc, .argv = argv};
  const char *log_path = NULL, *format_name = "text";
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) *exit_status = parser.exit_status;
    if (option == OPTIONS_QUIT) return -1;
    if (option == GLOBAL_VERSION) *exit_status = oci_version();
    if (option == GLOBAL_VERSION) return -1;
    if (option == GLOBAL_ROOT) globals->root = optarg;
    if (option == GLOBAL_LOG) log_path = optarg;
    if (option == GLOBAL_LOG_FORMAT) format_name = optarg;
  }
  *exit_status = EXIT_USAGE;
  if (strcmp(format_name, "text") != 0 && strcmp(format_name, "json") != 0) {
    log_error("oci: --log-format: '%s' is neither text nor json", format_name);
    return -1;
  }
  if (log_path && !oci_log_open(log_path, strcmp(format_name, "json") == 0)) {
    log_error("oci: --log: cannot open %s: %m", log_path);
    return -1;
  }
  if (!options_operands(&parser, 1, -1, "a command (create, start, state, kill, delete, "
                                        "features)"))
    return -1;
  return parser.operand;
}

int command_oci(int argc, char **argv) {
  oci_globals globals = {0};
  int exit_status;
  int command = parse_globals(argc, argv, &globals, &exit_status);
  if (command < 0) return exit_status;
  if (!globals.root) {
    oci_default_root(globals.default_root, sizeof globals.default_root);
    globals.root = globals.default_root;
  }
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (strcmp(subcommands[i].name, argv[command]) == 0)
      return subcommands[i].run(&globals, argc - command, argv + command);
  log_error("oci: unknown command '%s' (try 'minos oci --help')", argv[command]);
  return EXIT_USAGE;
}
