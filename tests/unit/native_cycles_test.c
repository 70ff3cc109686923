/* A native cell's end releases everything: 1,000 create/crash cycles of a
 * native cell through libminos (a program that dies by SIGSEGV, each
 * reported as such) leave the runtime's open descriptors, threads, child
 * processes and memory flat. Skips (77) where the kernel refuses user
 * namespaces.
 *   native_cycles_test WALL_PROBE [CYCLES] */
#include <errno.h>
#include <minos_host.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "core/sanitizer.h"
#include "process_usage.h"

static minos_status cycle(minos_runtime *runtime, const char *probe, minos_cell_status *status,
                          char *error, size_t error_size) {
  const char *args[] = {probe, "crash"};
  minos_cell_options options = {.size = sizeof options, .name = "crasher", .module_path = probe,
                                .args = args, .arg_count = 2};
  minos_cell *cell;
  minos_status started = minos_cell_new(runtime, &options, &cell, error, error_size);
  if (started != MINOS_OK) return started;
  minos_status waited = minos_cell_wait(cell, -1, status);
  minos_cell_free(cell);
  return waited;
}

static int thread_count(void) { return (int)process_status_field("Threads"); }

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: native_cycles_test WALL_PROBE [CYCLES]\n");
    return 2;
  }
  int cycles = argc > 2 ? atoi(argv[2]) : 1000;
  minos_runtime *runtime;
  if (minos_runtime_new(0, &runtime) != MINOS_OK) return 1;
  minos_cell_status status;
  char error[512] = "";
  /* Warm up: the runtime's threads and pools start on first use. */
  for (int i = 0; i < 20; i++) {
    minos_status result = cycle(runtime, argv[1], &status, error, sizeof error);
    if (result == MINOS_EUSAGE) {
      printf("SKIP: %s\n", error);
      minos_runtime_free(runtime);
      return 77;
    }
    CHECK(result == MINOS_OK);
  }
  int fds = open_fd_count(), threads = thread_count();
  long rss = process_status_field("VmRSS");
  int crashed = 0;
  for (int i = 0; i < cycles; i++) {
    if (cycle(runtime, argv[1], &status, error, sizeof error) != MINOS_OK) {
      printf("cycle %d: %s\n", i, error);
      CHECK(false);
      break;
    }
    crashed += status.fault == MINOS_FAULT_SIGNAL;
  }
  int fds_after = open_fd_count(), threads_after = thread_count();
  long rss_after = process_status_field("VmRSS");
  errno = 0;
  bool no_children = waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
  printf("native_cycles_test: %d cycles, %d crashed by a signal; descriptors %d -> %d, threads "
         "%d -> %d, RSS %ld -> %ld KiB\n",
         cycles, crashed, fds, fds_after, threads, threads_after, rss, rss_after);
  CHECK(crashed == cycles);
  CHECK(fds_after == fds);
  CHECK(threads_after <= threads);
  CHECK(no_children);
#ifndef MINOS_ASAN
  /* KiB: what allocator caches may hold. ASan keeps freed memory in its
   * quarantine (hundreds of MiB), so there LeakSanitizer, at exit, is the
   * memory check instead. */
  CHECK(rss_after - rss < 4096);
#endif
  minos_runtime_free(runtime);
  printf("native_cycles_test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
