/* SPDX-License-Identifier: Apache-2.0 */
/* Network cells in one long-lived runtime, as a supervisor runs them: a
 * cell that ends while listening leaves the port free at once (its
 * listener went with it), and many cells making many connections leave
 * the process's open descriptors where they were.
 *
 *   net_cells_test NET_WASM */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/runtime.h"
#include "wasm/wasm_arch.h"
#include "check.h"
#include "process_usage.h"

#define CELLS 20
#define CYCLES_PER_CELL "100"


static loaded_module *module;
static runtime workers;

/* Runs the net guest with `command` granted to listen on and connect to
 * port; its exit code, or -1 if it faulted or could not start. */
static int run_guest(const char *command, int port, const char *count) {
  char port_text[16], rule_text[64], error[256];
  snprintf(port_text, sizeof port_text, "%d", port);
  snprintf(rule_text, sizeof rule_text, "tcp:127.0.0.1:%d", port);
  net_rule rule;
  if (!net_rule_parse(rule_text, &rule, error, sizeof error)) return -1;
  const char *args[] = {"net", command, port_text, count};
  cell_config config = {.name = "net",
                        .args = args,
                        .arg_count = count ? 4 : 3,
                        .connect_rules = &rule,
                        .connect_rule_count = 1,
                        .listen_rules = &rule,
                        .listen_rule_count = 1,
                        .parent_account = workers.root,
                        .host_fds = workers.cell_host_fds};
  cell *created;
  if (wasm_cell_create(module, &config, &created, error, sizeof error) != MINOS_OK) {
    printf("cannot create the cell: %s\n", error);
    return -1;
  }
  if (runtime_place(&workers, created, PLACE_ANY, NULL) != MINOS_OK) {
    cell_disown(created);
    return -1;
  }
  waiter host;
  waiter_init_host(&host);
  cell_wait_end(created, &host, DEADLINE_NEVER);
  int code = created->outcome.faulted ? -1 : (int)created->outcome.exit_code;
  if (created->outcome.faulted) printf("cell fault: %s\n", cell_fault_name(created->outcome.fault));
  cell_reap(created);
  return code;
}

/* Binds port on the host, without SO_REUSEADDR: only works if nobody
 * listens there. */
static bool port_free(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bool bound = fd >= 0 && bind(fd, (struct sockaddr *)&address, sizeof address) == 0;
  if (fd >= 0) close(fd);
  return bound;
}

/* Sockets close on the reactor's thread, a moment after their cell ended. */
static int settled_fd_count(int wanted) {
  struct timespec pause = {0, 1000000};
  int count = open_fd_count();
  for (int i = 0; i < 5000 && count != wanted; i++) {
    nanosleep(&pause, NULL);
    count = open_fd_count();
  }
  return count;
}

/* The count once it has not changed for 50 ms. */
static int stable_fd_count(void) {
  struct timespec pause = {0, 1000000};
  int count = open_fd_count();
  for (int same = 0; same < 50; same++) {
    nanosleep(&pause, NULL);
    int now = open_fd_count();
    if (now != count) same = 0;
    count = now;
  }
  return count;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: net_cells_test NET_WASM\n");
    return 2;
  }
  load_report report;
  if (module_load_file(argv[1], &module, &report) != MINOS_OK) {
    printf("cannot load %s: %s\n", argv[1], report.error);
    return 1;
  }
  if (runtime_init(&workers, 2) != MINOS_OK) return 1;
  int port = 10000 + (int)(getpid() * 13 % 20000); /* below the ephemeral ports */
  while (!port_free(port)) port++;

  /* A cell ends while listening: the port is free once it has ended. */
  CHECK(run_guest("listen-exit", port, NULL) == 0);
  CHECK(port_free(port));

  /* The first cell starts the reactor and the workers: count after it. */
  CHECK(run_guest("cycles", port, "10") == 0);
  int before = stable_fd_count();
  for (int i = 0; i < CELLS; i++) CHECK(run_guest("cycles", port, CYCLES_PER_CELL) == 0);
  int after = settled_fd_count(before);
  printf("open descriptors: %d before %d cells of %s connections, %d after\n", before, CELLS,
         CYCLES_PER_CELL, after);
  CHECK(after == before);

  runtime_shutdown(&workers);
  module_release(module);
  if (failures) {
    printf("net_cells_test: %d failures\n", failures);
    return 1;
  }
  printf("net_cells_test: all passed\n");
  return 0;
}
