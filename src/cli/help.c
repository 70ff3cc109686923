/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/help.h"

#include <string.h>

static const char overview_help[] =
    "usage: minos [--help | --version] COMMAND [options] [operands]\n"
    "(minos help COMMAND, or minos COMMAND --help, tells more; man minos, all of it)\n"
    "\n"
    "commands:\n"
    "  run [options] CODE [args...]          run a WASI module or an x86-64 Linux\n"
    "                                        program as a sealed cell\n"
    "  check spec.json...                    check system specs and report every problem\n"
    "  up [options] spec.json                run a system of cells from its spec, supervised\n"
    "                                        (SIGINT/SIGTERM: stop gracefully; twice: now)\n"
    "  compile [-v] module.wasm...           compile modules into the cache ahead of time\n"
    "  demo                                  run a small system: a service crashes, is restarted\n"
    "  ps [--json] [SYSTEM]                  the cells of running systems (all of the user's)\n"
    "  top [-d SECONDS] [SYSTEM]             a live view of a running system (? for its keys)\n"
    "  logs [-f] [-n LINES] SYSTEM [CELL]    a running system's recent log (-f: and what follows)\n"
    "  kill SYSTEM CELL                      end a cell's instance (its policy may restart it)\n"
    "  restart SYSTEM CELL                   a fresh instance of a cell, now\n"
    "  upgrade SYSTEM CELL CODE              run a service on new code (wasm or native) without\n"
    "                                        losing its channels; refused if it cannot start\n"
    "  stop SYSTEM                           stop a running system, as SIGTERM would\n"
    "  oci [globals] COMMAND ID              the OCI runtime command line (create, start,\n"
    "                                        state, kill, delete, features), for podman,\n"
    "                                        containerd and Kubernetes\n"
    "  version                               print the version and the build's commit\n"
    "  help [COMMAND]                        this help, or a command's\n"
    "\n"
    "Every command takes -h (--help); \"--\" ends the options, so an operand may\n"
    "start with '-'. A bad command line exits with status 2.\n";

static const char run_help[] =
    "usage: minos run [options] CODE [args...]\n"
    "\n"
    "CODE is a WebAssembly module (WASI preview 1) or an x86-64 Linux executable,\n"
    "static or dynamically linked, run as a sandboxed process (a native cell).\n"
    "The cell sees nothing but what is granted: no directory, no network, no\n"
    "environment variable and no cells of its own unless an option below grants it.\n"
    "Options come before CODE; everything after it is the program's own arguments,\n"
    "passed as they are (minos run app.wasm --help asks app, not minos).\n"
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
    "  --argv0 NAME             the program's argv[0] (default: CODE as given)\n"
    "  -v, --verbose            say what minos does (cache hits, compiles)\n"
    "  -h, --help               this help\n"
    "\n"
    "SIGTERM ends the cell's stdin; a cell still running 2 s later is killed.\n"
    "exit status: the guest's own exit code; 134 if it trapped or hit a limit (one line\n"
    "names the fault); 2 for a bad command line or an invalid module; 125 if minos\n"
    "itself failed.\n";

static const char check_help[] =
    "usage: minos check spec.json...\n"
    "\n"
    "Checks each spec as minos up would (modules, grants, channels, limits) and\n"
    "reports every problem with its place. Exit status 0 if all are sound, 1 if a\n"
    "spec has problems, 2 if one cannot be read (or for a bad command line).\n";

static const char up_help[] =
    "usage: minos up [options] spec.json\n"
    "\n"
    "  -v, --verbose            log debug events too\n"
    "  -q, --quiet              log warnings and errors only\n"
    "  --log FILE               append the log to FILE instead of standard error\n"
    "                           (SIGHUP opens FILE again, for logrotate)\n"
    "  --log-format FORMAT      text (time, level, name, message: the default) or json\n"
    "                           (one object a line, for log shippers)\n"
    "  --control SOCKET         the control socket's path (default: $XDG_RUNTIME_DIR/minos/\n"
    "                           NAME.sock, /run/minos/NAME.sock for root, MINOS_CONTROL_DIR)\n"
    "  --metrics HOST:PORT      serve Prometheus metrics at http://HOST:PORT/metrics\n"
    "                           (in place of the spec's \"metrics\")\n"
    "  --max-total-cells N      live cells in the whole runtime, standbys and children\n"
    "                           included (default: one per 8K of RAM)\n"
    "  -h, --help               this help\n"
    "log limits of every cell that sets none in its spec:\n"
    "  --log-rate N/s           lines a cell may log, sustained (or N/m, N/h; default 100/s)\n"
    "  --log-burst N            lines at once above the rate (default 1000)\n"
    "  --log-max-bytes SIZE     bytes a cell may log in all (default 64M)\n"
    "  --log-max-line SIZE      longer lines are cut (default 4K)\n"
    "\n"
    "SIGINT or SIGTERM stops the system gracefully (each cell's grace); a second one\n"
    "stops it at once. Exit status 0 after a stop, 2 for a bad spec, 125 on failure.\n";

static const char compile_help[] =
    "usage: minos compile [-v] module.wasm...\n"
    "\n"
    "Validates and compiles each module into the cache (MINOS_CACHE_DIR), in its\n"
    "compile sandbox, so that the first run starts at once.\n"
    "\n"
    "  -v, --verbose            say which modules were compiled and which were cached\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status 0 if every module compiled, 2 if one is invalid (or for a bad\n"
    "command line), 125 if minos could not compile one.\n";

static const char demo_help[] =
    "usage: minos demo\n"
    "\n"
    "Runs a small system from a spec embedded in minos: a key-value service and a\n"
    "client wired by two channels. One request makes the service crash; the log\n"
    "shows the fault, the restart in place, and the client carrying on over the\n"
    "same channels. It needs nothing but minos and a C toolchain for wasm.\n";

/* What every command that talks to a running system says of SYSTEM. */
#define SYSTEM_HELP                                                                       \
  "SYSTEM is a running system's name (the spec's \"name\"), its control socket in\n"      \
  "$MINOS_CONTROL_DIR, else $XDG_RUNTIME_DIR/minos (/run/minos for root, else\n"          \
  "/tmp/minos-UID), or the path of a control socket (with a '/').\n"                      \
  "Exit status 0 on success, 2 for a bad command line, 125 if the system cannot be\n"     \
  "reached or refuses.\n"

static const char ps_help[] =
    "usage: minos ps [--json] [SYSTEM]\n"
    "\n"
    "The cells of a running system, or of every system of the user: each instance's\n"
    "arch, state, pid, uptime, restarts, CPU, memory, descriptors and the bytes it\n"
    "read and wrote; a trigger's running, queued and refused events.\n"
    "\n"
    "  --json                   the system's own reply; without SYSTEM, one JSON array\n"
    "                           of every system's, a line each ([] for none)\n"
    "  -h, --help               this help\n"
    "\n" SYSTEM_HELP;

static const char top_help[] =
    "usage: minos top [-d SECONDS] [--plain] [-n COUNT] [SYSTEM]\n"
    "\n"
    "A live view of a running system (the only one running if none is named): its\n"
    "cells, sortable and filterable, a cell's detail, its log followed, kill and\n"
    "restart at a key (? in the view lists the keys, q quits). A system that stops\n"
    "stays on the screen, marked stopped, until it runs again.\n"
    "\n"
    "  -d, --delay SECONDS      refresh every SECONDS (0.1 to 3600; default 1)\n"
    "  --plain                  print the table instead of the live view (as without a\n"
    "                           terminal: output not a tty, TERM unset, dumb or unknown)\n"
    "  -n, --count COUNT        print the table COUNT times, once per refresh (implies\n"
    "                           --plain; default once)\n"
    "  -h, --help               this help\n"
    "\n" SYSTEM_HELP;

static const char logs_help[] =
    "usage: minos logs [-f] [-n LINES] SYSTEM [CELL]\n"
    "\n"
    "A running system's recent log lines (of CELL's instances only, if given).\n"
    "\n"
    "  -f, --follow             then print new lines as they come, until the system ends\n"
    "  -n, --lines LINES        how many recent lines (default 100; 0: none)\n"
    "  -h, --help               this help\n"
    "\n" SYSTEM_HELP;

static const char kill_help[] =
    "usage: minos kill SYSTEM CELL\n"
    "\n"
    "Ends the cell's running instance at once (a fault \"killed\"); the cell's restart\n"
    "policy decides whether it starts again.\n"
    "\n" SYSTEM_HELP;

static const char restart_help[] =
    "usage: minos restart SYSTEM CELL\n"
    "\n"
    "Starts a fresh instance of the cell now, whatever its policy (not counted\n"
    "against it); a service's channels are handed over to it.\n"
    "\n" SYSTEM_HELP;

static const char upgrade_help[] =
    "usage: minos upgrade SYSTEM CELL CODE\n"
    "\n"
    "Runs the service CELL on new CODE (a .wasm module or a native program) without\n"
    "losing its channels: the new code starts beside the running instance, and once\n"
    "it has initialised it takes over. Code that fails to initialise is refused with\n"
    "the reason, and the old instance serves on (exit status 125). Code whose first\n"
    "instance ends before it is ready or before it served (it exits or traps at\n"
    "once) is rolled back: the old code runs again (exit status 125). CODE is\n"
    "relative to the current directory.\n"
    "\n" SYSTEM_HELP;

static const char stop_help[] =
    "usage: minos stop SYSTEM\n"
    "\n"
    "Stops a running system gracefully, as SIGTERM to its minos up would, and\n"
    "returns once it has ended (after its cells' graces).\n"
    "\n" SYSTEM_HELP;

static const char oci_help[] =
    "usage: minos oci [global options] COMMAND [options] ID\n"
    "\n"
    "The OCI runtime command line, as runc's, so that container engines run\n"
    "bundles as cells: podman --runtime, containerd's runtime handlers,\n"
    "Kubernetes RuntimeClasses. minos called by the name minos-oci (a link) is\n"
    "minos oci. process.args[0] of config.json names the code inside the root\n"
    "file system (a .wasm module or an x86-64 executable); the root's top-level\n"
    "directories and bind mounts of directories become grants; what minos cannot\n"
    "honour is refused at create, naming the field of config.json.\n"
    "\n"
    "commands:\n"
    "  create [--bundle DIR] [--pid-file FILE] ID\n"
    "                           the container's process, waiting for start\n"
    "                           (--no-pivot and --no-new-keyring change nothing;\n"
    "                           --console-socket is refused: no terminal; so is\n"
    "                           --preserve-fds above 0: a cell gets only its stdio)\n"
    "  start ID                 run the cell (the process execs minos run)\n"
    "  state ID                 the specification's state JSON\n"
    "  kill [--all] ID [SIGNAL] send SIGNAL (a name or a number; default TERM). On\n"
    "                           SIGTERM the cell's stdin ends; 2 s later it is killed\n"
    "  delete [--force] ID      forget a stopped container; --force kills a running one\n"
    "  features                 what this runtime supports, as JSON\n"
    "\n"
    "global options:\n"
    "  --root DIR               where containers' state lives (default /run/minos-oci\n"
    "                           for root, else $XDG_RUNTIME_DIR/minos-oci)\n"
    "  --log FILE               errors go to FILE too (engines read the last one)\n"
    "  --log-format FORMAT      text (default) or json, one object a line as runc's\n"
    "  --systemd-cgroup, --cgroup-manager X\n"
    "                           accepted, no effect: minos bounds cells itself\n"
    "  --version                runtime-style version lines\n"
    "  -h, --help               this help\n"
    "\n"
    "annotations minos reads: run.minos/max-cpu, run.minos/timeout (durations),\n"
    "module.wasm.image/variant=compat (the code must be wasm).\n"
    "exit status 0 on success, 1 if the command failed, 2 for a bad command line.\n";

static const char version_help[] =
    "usage: minos version\n"
    "\n"
    "Prints minos's version and the commit it was built from (as minos --version).\n";

static const char help_help[] =
    "usage: minos help [COMMAND]\n"
    "\n"
    "Prints the overview of every command, or COMMAND's help (as minos COMMAND --help).\n";

static const char environment_help[] =
    "\n"
    "environment: MINOS_CACHE_DIR (compile cache), MINOS_WORKERS (worker threads, default\n"
    "one per core), MINOS_OFFLOAD_THREADS (threads for calls on network and FUSE files,\n"
    "default 4), MINOS_SLOW_FILES (all or none), MINOS_CONTROL_DIR (control sockets),\n"
    "MINOS_CC, MINOS_WASM2C, MINOS_WASM_VALIDATE, and the compile sandbox's\n"
    "MINOS_COMPILE_TIMEOUT, _CPU, _MEMORY, _FILE_SIZE, _PROCESSES, _THREADS, _WRITABLE\n"
    "(see man minos).\n";

typedef struct command_help {
  const char *command, *text;
  bool runs_code; /* the environment's variables matter to it */
} command_help;

static const command_help helps[] = {
    {"run", run_help, true},         {"check", check_help, true},
    {"up", up_help, true},           {"compile", compile_help, true},
    {"demo", demo_help, true},       {"ps", ps_help, false},
    {"top", top_help, false},        {"logs", logs_help, false},
    {"kill", kill_help, false},      {"restart", restart_help, false},
    {"upgrade", upgrade_help, false}, {"stop", stop_help, false},
    {"version", version_help, false}, {"help", help_help, false},
    {"oci", oci_help, true},
};

static const command_help overview = {NULL, overview_help, true};

static const command_help *find(const char *command) {
  if (!command) return &overview;
  for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
    if (strcmp(helps[i].command, command) == 0) return &helps[i];
  return NULL;
}

bool help_exists(const char *command) { return command && find(command); }

void help_print(FILE *out, const char *command) {
  const command_help *help = find(command);
  if (!help) return;
  fputs(help->text, out);
  if (help->runs_code) fputs(environment_help, out);
}

void help_usage(const char *command, char *text, size_t size) {
  const command_help *help = find(command);
  const char *line = help ? help->text + strlen("usage: ") : "minos";
  snprintf(text, size, "%.*s", (int)strcspn(line, "\n"), line);
}
