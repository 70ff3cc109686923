/* minos demo: three sealed cells in one runtime process, from guests
 * embedded in the binary: one well-behaved, one confined to a granted
 * directory that it tries to escape, and one that crashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/embedded.h"
#include "core/log.h"
#include "wasm/cache.h"

static const struct embedded_file *demo_guest(const char *name) {
  for (size_t i = 0; i < embedded_demo_file_count; i++)
    if (strcmp(embedded_demo_files[i].name, name) == 0) return &embedded_demo_files[i];
  return NULL;
}

static int run_demo_cell(const char *title, const char *guest, const char *const *args,
                         size_t arg_count, const wasi_grant *grant, cell_outcome *outcome) {
  static const char *const env[] = {"VISITOR=you"};
  const struct embedded_file *file = demo_guest(guest);
  load_report report;
  loaded_module *module;
  printf("\n%s\n", title);
  fflush(stdout);
  if (!file || module_load_bytes((const uint8_t *)file->content, file->size, guest, &module,
                                 &report) != MINOS_OK) {
    log_error("cannot load the demo's %s: %s", guest, file ? report.error : "not embedded");
    return -1;
  }
  wasm_cell_config config = {
      .name = guest,
      .module = module,
      .wasi = {.args = args, .arg_count = arg_count, .env = env, .env_count = 1,
               .grants = grant, .grant_count = grant ? 1 : 0},
  };
  char error[512];
  minos_status status = run_wasm_cell(&config, outcome, error, sizeof error);
  module_release(module);
  fflush(stdout);
  if (status != MINOS_OK) {
    log_error("%s", error);
    return -1;
  }
  if (outcome->faulted)
    printf("  minos: cell '%s' ended by a trap: %s%s%s. Only it ended; its memory and stack are released.\n",
           guest, cell_fault_name(outcome->fault), outcome->where[0] ? " in " : "", outcome->where);
  else
    printf("  minos: cell '%s' exited with status %u\n", guest, outcome->exit_code);
  return 0;
}

int command_demo(int argc, char **argv) {
  (void)argv;
  if (argc > 0) {
    log_error("demo takes no arguments");
    return EXIT_USAGE;
  }
  char directory[] = "/tmp/minos-demo-XXXXXX";
  if (!mkdtemp(directory)) {
    log_error("cannot make a scratch directory for the demo");
    return EXIT_RUNTIME_ERROR;
  }
  printf("minos demo: three programs compiled to WebAssembly, each run as a sealed cell\n"
         "in this one process. A cell touches only its own memory and what it is granted.\n"
         "(The first run compiles each program ahead of time; later runs use the cache.)\n");
  static const char *const greeter_args[] = {"greeter", "--polite", "world"};
  static const char *const notes_args[] = {"notes"};
  static const char *const crasher_args[] = {"crasher"};
  wasi_grant grant = {directory, "/notes", false};
  cell_outcome outcomes[3] = {{0}};
  int failed = run_demo_cell("1. greeter: no grants at all", "demo_greeter.wasm", greeter_args, 3,
                             NULL, &outcomes[0]);
  failed |= run_demo_cell("2. notes: granted one directory, seen inside as /notes", "demo_notes.wasm",
                          notes_args, 1, &grant, &outcomes[1]);
  failed |= run_demo_cell("3. crasher: a bug that writes outside its memory", "demo_crasher.wasm",
                          crasher_args, 1, NULL, &outcomes[2]);
  cache_remove_tree(directory);
  if (failed) return EXIT_RUNTIME_ERROR;
  printf("\nminos demo: 3 cells ran in one process; %d trapped and was contained, and the\n"
         "runtime carried on. Try: build/minos run --dir .::/work build/guests/hello.wasm\n",
         outcomes[2].faulted ? 1 : 0);
  return outcomes[0].faulted || outcomes[1].faulted || !outcomes[2].faulted ? EXIT_RUNTIME_ERROR : 0;
}
