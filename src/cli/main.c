/* SPDX-License-Identifier: Apache-2.0 */
/* minos: run programs as sealed cells. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/log.h"

static const char commands_help[] =
    "usage: minos <command> [options]   (minos help COMMAND, or minos COMMAND --help)\n"
    "\n"
    "commands:\n"
    "  run [options] CODE [args...]          run a WASI module or an x86-64 Linux\n"
    "                                        program as a sealed cell\n"
    "  check spec.json...                    check system specs and report every problem\n"
    "  up [options] spec.json                run a system of cells from its spec, supervised\n"
    "                                        (SIGINT/SIGTERM: stop gracefully; twice: now)\n"
    "  compile module.wasm...                compile modules into the cache ahead of time\n"
    "  demo                                  run a small system: a service crashes, is restarted\n"
    "  ps [--json] [SYSTEM]                  the cells of running systems (all of the user's)\n"
    "  top [-d SECONDS] [SYSTEM]             a live view of a running system (? for its keys)\n"
    "  logs [-f] [-n LINES] SYSTEM [CELL]    a running system's recent log (-f: and what follows)\n"
    "  kill SYSTEM CELL                      end a cell's instance (its policy may restart it)\n"
    "  restart SYSTEM CELL                   a fresh instance of a cell, now\n"
    "  upgrade SYSTEM CELL CODE              run a service on new code (wasm or native) without\n"
    "                                        losing its channels; refused if it cannot start\n"
    "  stop SYSTEM                           stop a running system, as SIGTERM would\n"
    "  version                               print the version\n";

static const char run_help[] =
    "usage: minos run [options] CODE [args...]\n"
    "\n"
    "CODE is a WebAssembly module (WASI preview 1) or an x86-64 Linux executable,\n"
    "static or dynamically linked, run as a sandboxed process (a native cell).\n"
    "The cell sees nothing but what is granted: no directory, no network, no\n"
    "environment variable and no cells of its own unless an option below grants it.\n"
    "\n"
    "grants:\n"
    "  --dir HOST[::GUEST]      grant the directory HOST read-write; the guest sees it\n"
    "                           at GUEST (default: the same path as HOST). Paths cannot\n"
    "                           leave it (\"..\", absolute paths and links that lead out\n"
    "                           are refused), and links the cell makes must stay inside.\n"
    "                           Repeat for more directories.\n"
    "  --ro-dir HOST[::GUEST]   the same, read-only: writes fail with EROFS\n"
    "  --env KEY=VALUE          set a guest environment variable (--env KEY copies minos's)\n"
    "  --connect RULE           let the cell connect where RULE allows (tcp:127.0.0.1:8080,\n"
    "                           tcp:10.0.0.0/8:443, tcp:[::1]:9000-9010, unix:/run/app.sock;\n"
    "                           a native program gets TCP rules only, its connect and\n"
    "                           bind made by minos)\n"
    "  --listen RULE            let the cell listen where RULE allows (same syntax)\n"
    "  --max-cells N            let it create cells (cnew), N alive below it at once\n"
    "                           (default: it may create none)\n"
    "\n"
    "limits (of the cell and all its children together):\n"
    "  --max-memory SIZE        linear memory and channel buffers; a native program's\n"
    "                           address space (at least 64K; default 4G)\n"
    "  --max-stack SIZE         native stack for the cell's code (default 1M)\n"
    "  --max-cpu DURATION       CPU time (e.g. 500ms, 2s; default none); then it ends with\n"
    "                           a \"cpu limit\" fault\n"
    "  --timeout DURATION       wall-clock time; then it ends with a \"timeout\" fault\n"
    "  --max-descriptors N      descriptors it may hold at once (default 1024)\n"
    "  --max-total-cells N      live cells in the whole runtime (default: one per 8K of RAM)\n"
    "\n"
    "  -v, --verbose            say what minos does (cache hits, compiles)\n"
    "\n"
    "exit status: the guest's own exit code; 134 if it trapped or hit a limit (one line\n"
    "names the fault); 2 for a bad command line or an invalid module; 125 if minos\n"
    "itself failed.\n";

static const char up_help[] =
    "usage: minos up [options] spec.json\n"
    "\n"
    "  -v, --verbose            log debug events too\n"
    "  -q, --quiet              log warnings and errors only\n"
    "  --log FILE               append the log to FILE instead of standard error\n"
    "  --control SOCKET         the control socket's path (default: $XDG_RUNTIME_DIR/minos/\n"
    "                           NAME.sock, /run/minos/NAME.sock for root, MINOS_CONTROL_DIR)\n"
    "  --metrics HOST:PORT      serve Prometheus metrics at http://HOST:PORT/metrics\n"
    "                           (in place of the spec's \"metrics\")\n"
    "  --max-total-cells N      live cells in the whole runtime, standbys and children\n"
    "                           included (default: one per 8K of RAM)\n"
    "log limits of every cell that sets none in its spec:\n"
    "  --log-rate N/s           lines a cell may log, sustained (or N/m, N/h; default 100/s)\n"
    "  --log-burst N            lines at once above the rate (default 1000)\n"
    "  --log-max-bytes SIZE     bytes a cell may log in all (default 64M)\n"
    "  --log-max-line SIZE      longer lines are cut (default 4K)\n"
    "\n"
    "SIGINT or SIGTERM stops the system gracefully (each cell's grace); a second one\n"
    "stops it at once. Exit status 0 after a stop, 2 for a bad spec, 125 on failure.\n";

static const char check_help[] =
    "usage: minos check spec.json...\n"
    "\n"
    "Checks each spec as minos up would (modules, grants, channels, limits) and\n"
    "reports every problem with its place. Exit status 0 if all are sound, 1 if a\n"
    "spec has problems, 2 if one cannot be read.\n";

static const char compile_help[] =
    "usage: minos compile module.wasm...\n"
    "\n"
    "Validates and compiles each module into the cache (MINOS_CACHE_DIR), in its\n"
    "compile sandbox, so that the first run starts at once.\n";

static const char environment_help[] =
    "\n"
    "environment: MINOS_CACHE_DIR (compile cache), MINOS_WORKERS (worker threads, default\n"
    "one per core), MINOS_OFFLOAD_THREADS (threads for calls on network and FUSE files,\n"
    "default 4), MINOS_SLOW_FILES (all or none), MINOS_CC, MINOS_WASM2C,\n"
    "MINOS_WASM_VALIDATE, and the compile sandbox's MINOS_COMPILE_TIMEOUT, _CPU,\n"
    "_MEMORY, _FILE_SIZE, _PROCESSES, _THREADS, _WRITABLE (see the README).\n";

/* The help of one command, or NULL if there is no such command. */
static const char *help_of(const char *command) {
  if (strcmp(command, "run") == 0) return run_help;
  if (strcmp(command, "up") == 0) return up_help;
  if (strcmp(command, "check") == 0) return check_help;
  if (strcmp(command, "compile") == 0) return compile_help;
  return NULL;
}

static bool asks_help(const char *argument) {
  return strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0;
}

static void usage(FILE *out) {
  fputs(commands_help, out);
  fputs(environment_help, out);
}

/* minos help [COMMAND] */
static int command_help(int argc, char **argv) {
  if (argc == 0) {
    usage(stdout);
    return 0;
  }
  const char *help = help_of(argv[0]);
  if (!help) {
    log_error("no help for '%s': not a command (try 'minos help')", argv[0]);
    return EXIT_USAGE;
  }
  fputs(help, stdout);
  fputs(environment_help, stdout);
  return 0;
}

int main(int argc, char **argv) {
  /* A reader that goes away is an error on the write (EPIPE, which a cell
   * sees as a closed channel), not the death of every cell in the process. */
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const char *command = argv[1];
  /* COMMAND --help, before the command reads its options. */
  if (argc >= 3 && asks_help(argv[2]) && help_of(command)) return command_help(1, argv + 1);
  if (strcmp(command, "run") == 0) return command_run(argc - 2, argv + 2);
  if (strcmp(command, "compile") == 0) return command_compile(argc - 2, argv + 2);
  if (strcmp(command, "check") == 0) return command_check(argc - 2, argv + 2);
  if (strcmp(command, "demo") == 0) return command_demo(argc - 2, argv + 2);
  if (strcmp(command, "up") == 0) return command_up(argc - 2, argv + 2);
  if (strcmp(command, "ps") == 0) return command_ps(argc - 2, argv + 2);
  if (strcmp(command, "logs") == 0) return command_logs(argc - 2, argv + 2);
  if (strcmp(command, "top") == 0) return command_top(argc - 2, argv + 2);
  if (strcmp(command, "kill") == 0 || strcmp(command, "restart") == 0 ||
      strcmp(command, "stop") == 0 || strcmp(command, "upgrade") == 0)
    return command_control(argc - 1, argv + 1);
  if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0) {
    printf("minos %s\n", MINOS_VERSION);
    return 0;
  }
  if (strcmp(command, "help") == 0) return command_help(argc - 2, argv + 2);
  if (asks_help(command)) return command_help(0, NULL);
  log_error("unknown command '%s' (try 'minos help')", command);
  return EXIT_USAGE;
}
