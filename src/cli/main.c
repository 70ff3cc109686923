/* minos: run programs as sealed cells. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/log.h"

static void usage(FILE *out) {
  fputs("usage: minos <command> [options]\n"
        "\n"
        "commands:\n"
        "  run [options] module.wasm [args...]   run a WASI program as a sealed cell\n"
        "  check spec.json...                    check system specs and report every problem\n"
        "  up [-v|-q] [--log FILE] spec.json     run a system of cells from its spec, supervised\n"
        "                                        (SIGINT/SIGTERM: stop gracefully; twice: now)\n"
        "  compile module.wasm...                compile modules into the cache ahead of time\n"
        "  demo                                  run a small system: a service crashes, is restarted\n"
        "  version                               print the version\n"
        "\n"
        "run options:\n"
        "  --dir HOST[::GUEST]      grant a directory (read-write), seen by the guest as GUEST\n"
        "  --ro-dir HOST[::GUEST]   grant a directory read-only\n"
        "  --env KEY=VALUE          set a guest environment variable (--env KEY copies minos's)\n"
        "  --connect RULE           let the cell connect where RULE allows (tcp:127.0.0.1:8080,\n"
        "                           tcp:10.0.0.0/8:443, tcp:[::1]:9000-9010, unix:/run/app.sock)\n"
        "  --listen RULE            let the cell listen where RULE allows (same syntax)\n"
        "  --max-memory SIZE        limit the memory of the cell and its children: linear\n"
        "                           memory and channel buffers (at least 64K; default 4G)\n"
        "  --max-stack SIZE         native stack for the cell's code (default 1M)\n"
        "  --max-cpu DURATION       CPU time of the cell and its children (e.g. 500ms, 2s;\n"
        "                           default none); then it ends with a \"cpu limit\" fault\n"
        "  --timeout DURATION       wall-clock time; then it ends with a \"timeout\" fault\n"
        "  --max-descriptors N      descriptors it may hold at once (default 1024)\n"
        "  --max-cells N            let it create cells (cnew), N alive below it at once\n"
        "                           (default: it may create none)\n"
        "  --max-total-cells N      live cells in the whole runtime (default: one per 8K of RAM)\n"
        "  -v, --verbose            say what minos does (cache hits, compiles)\n"
        "\n"
        "up options (the log limits of every cell that sets none in its spec, and the runtime's):\n"
        "  --max-total-cells N      live cells in the whole runtime, standbys and children\n"
        "                           included (default: one per 8K of RAM)\n"
        "  --log-rate N/s           lines a cell may log, sustained (or N/m, N/h; default 100/s)\n"
        "  --log-burst N            lines at once above the rate (default 1000)\n"
        "  --log-max-bytes SIZE     bytes a cell may log in all (default 64M)\n"
        "  --log-max-line SIZE      longer lines are cut (default 4K)\n"
        "\n"
        "exit status: the guest's own exit code; 134 if it trapped or hit a limit;\n"
        "2 for a bad command line or an invalid module; 125 if minos itself failed.\n"
        "environment: MINOS_CACHE_DIR (compile cache), MINOS_WORKERS (worker threads, default\n"
        "one per core), MINOS_CC, MINOS_WASM2C, MINOS_WASM_VALIDATE.\n",
        out);
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
  if (strcmp(command, "run") == 0) return command_run(argc - 2, argv + 2);
  if (strcmp(command, "compile") == 0) return command_compile(argc - 2, argv + 2);
  if (strcmp(command, "check") == 0) return command_check(argc - 2, argv + 2);
  if (strcmp(command, "demo") == 0) return command_demo(argc - 2, argv + 2);
  if (strcmp(command, "up") == 0) return command_up(argc - 2, argv + 2);
  if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0) {
    printf("minos %s\n", MINOS_VERSION);
    return 0;
  }
  if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
    usage(stdout);
    return 0;
  }
  log_error("unknown command '%s' (try 'minos help')", command);
  return EXIT_USAGE;
}
