/* SPDX-License-Identifier: Apache-2.0 */
/* minos demo: a small system run from a spec embedded in the binary: a
 * key-value service and a client, wired by two channels. A request makes
 * the service crash; the supervisor restarts it behind the same channels
 * and the client goes on. The log shows each step. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/embedded.h"
#include "core/log.h"
#include "spec/spec.h"

static bool write_file(const char *directory, const struct embedded_file *file) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", directory, file->name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool written = write(fd, file->content, file->size) == (ssize_t)file->size;
  return close(fd) == 0 && written;
}

/* The scratch directory and what the demo wrote into it. */
static void remove_scratch(const char *directory) {
  for (size_t i = 0; i < embedded_demo_file_count; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", directory, embedded_demo_files[i].name);
    unlink(path);
  }
  rmdir(directory);
}

static int run_demo_system(const char *directory) {
  char spec_path[512];
  snprintf(spec_path, sizeof spec_path, "%s/demo.json", directory);
  int load_status = 0;
  spec *system = load_spec_reporting(spec_path, &load_status);
  if (!system) return EXIT_RUNTIME_ERROR;
  int status = run_system(system, NULL, NULL, NULL);
  spec_free(system);
  return status;
}

int command_demo(int argc, char **argv) {
  options_parser parser = {.command = "demo", .argc = argc, .argv = argv};
  if (!options_help_only(&parser, 0, 0, "")) return parser.exit_status;
  char directory[] = "/tmp/minos-demo-XXXXXX";
  if (!mkdtemp(directory)) {
    log_error("cannot make a scratch directory for the demo: %s", strerror(errno));
    return EXIT_RUNTIME_ERROR;
  }
  for (size_t i = 0; i < embedded_demo_file_count; i++)
    if (!write_file(directory, &embedded_demo_files[i])) {
      log_error("cannot write the demo's %s into %s", embedded_demo_files[i].name, directory);
      remove_scratch(directory);
      return EXIT_RUNTIME_ERROR;
    }
  printf("minos demo: a system of two cells from a spec (minos up runs any such spec).\n"
         "  kv      a key-value service, restarted on failure\n"
         "  client  sends it requests, over two channels: requests and replies\n"
         "Lines with a timestamp are minos's log. (The first run compiles both programs.)\n\n");
  fflush(stdout);
  log_set_level(LOG_INFO);
  int status = run_demo_system(directory);
  remove_scratch(directory);
  if (status == 0)
    printf("\nminos demo: kv crashed and only kv ended; it was restarted in place, and the\n"
           "client kept its channels. Next: build/minos up build/examples/kv/kv.json\n");
  return status;
}
