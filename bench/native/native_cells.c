/* SPDX-License-Identifier: Apache-2.0 */
// native_cells PROGRAM SECONDS
//
// bench/native: create, run to exit and reap a native cell of PROGRAM (a
// static program that returns 0) through libminos, repeated for about
// SECONDS after a warm-up. Prints one line:
//   cells=<n> ns=<total>
#include <minos_host.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void create_run_reap(minos_runtime *runtime, const char *program) {
  const char *args[] = {program};
  minos_cell_options options = {.size = sizeof options, .name = "bench", .module_path = program,
                                .args = args, .arg_count = 1};
  minos_cell *cell;
  char error[512];
  if (minos_cell_new(runtime, &options, &cell, error, sizeof error) != MINOS_OK) {
    fprintf(stderr, "native_cells: %s\n", error);
    exit(1);
  }
  minos_cell_status status;
  if (minos_cell_wait(cell, -1, &status) != MINOS_OK || status.fault || status.exit_code) {
    fprintf(stderr, "native_cells: the cell did not exit with 0 (fault %u)\n", status.fault);
    exit(1);
  }
  minos_cell_free(cell);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: native_cells PROGRAM SECONDS\n");
    return 2;
  }
  minos_runtime *runtime;
  if (minos_runtime_new(0, &runtime) != MINOS_OK) return 1;
  double seconds = atof(argv[2]);
  for (int i = 0; i < 20; i++) create_run_reap(runtime, argv[1]);
  uint64_t start = now_ns(), until = start + (uint64_t)(seconds * 1e9);
  long cells = 0;
  while (now_ns() < until) {
    create_run_reap(runtime, argv[1]);
    cells++;
  }
  printf("cells=%ld ns=%llu\n", cells, (unsigned long long)(now_ns() - start));
  minos_runtime_free(runtime);
  return 0;
}
