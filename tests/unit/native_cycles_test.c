/* SPDX-License-Identifier: Apache-2.0 */
/* A native cell's end releases everything: 1,000 create/crash cycles of a
 * native cell through libminos (a program that dies by SIGSEGV, each
 * reported as such) leave the runtime's open descriptors, threads, child
 * processes and memory flat. Skips (77) where the kernel refuses user
 * namespaces.
 *   native_cycles_test WALL_PROBE [CYCLES] */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <unistd.h>
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

/* The process's children (every thread's), and how many of them are
 * zombies: the runtime keeps a zygote and a few sandboxes ready, a
 * constant number; a cell's process must never be left behind. */
/* Kills every child of the process (the zygote, the ready sandboxes),
 * as an OOM killer or an operator might: how many. */
static int kill_children(void) {
  int killed = 0;
  glob_t tasks;
  if (glob("/proc/self/task/*/children", 0, NULL, &tasks) != 0) return 0;
  for (size_t i = 0; i < tasks.gl_pathc; i++) {
    FILE *list = fopen(tasks.gl_pathv[i], "r");
    int pid;
    while (list && fscanf(list, "%d", &pid) == 1) killed += kill(pid, SIGKILL) == 0;
    if (list) fclose(list);
  }
  globfree(&tasks);
  return killed;
}

static int child_count(int *zombies) {
  int count = 0;
  *zombies = 0;
  glob_t tasks;
  if (glob("/proc/self/task/*/children", 0, NULL, &tasks) != 0) return -1;
  for (size_t i = 0; i < tasks.gl_pathc; i++) {
    FILE *list = fopen(tasks.gl_pathv[i], "r");
    int pid;
    while (list && fscanf(list, "%d", &pid) == 1) {
      char path[64], state = '?';
      snprintf(path, sizeof path, "/proc/%d/stat", pid);
      FILE *stat = fopen(path, "r");
      if (stat && fscanf(stat, "%*d (%*[^)]) %c", &state) == 1 && state == 'Z') (*zombies)++;
      if (stat) fclose(stat);
      count++;
    }
    if (list) fclose(list);
  }
  globfree(&tasks);
  return count;
}

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
  /* The sandboxes made ahead are replaced within milliseconds of their
   * use: counted once their keeper has settled. */
  usleep(300000);
  int zombies, zombies_after, children = child_count(&zombies);
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
  usleep(300000);
  int fds_after = open_fd_count(), threads_after = thread_count();
  long rss_after = process_status_field("VmRSS");
  int children_after = child_count(&zombies_after);
  printf("native_cycles_test: %d cycles, %d crashed by a signal; descriptors %d -> %d, threads "
         "%d -> %d, child processes %d -> %d (%d zombies), RSS %ld -> %ld KiB\n",
         cycles, crashed, fds, fds_after, threads, threads_after, children, children_after,
         zombies_after, rss, rss_after);
  CHECK(crashed == cycles);
  CHECK(fds_after == fds);
  CHECK(threads_after <= threads);
  CHECK(children >= 0 && children_after <= children && zombies_after == 0);
  /* Cells killed while their process is being started: the launch, on
   * its own thread, must not touch what the ended cell freed (run under
   * ASan in the sanitizer build). */
  int killed_early = 0;
  for (int i = 0; i < 200; i++) {
    const char *args[] = {argv[1], "crash"};
    minos_cell_options options = {.size = sizeof options, .name = "early", .module_path = argv[1],
                                  .args = args, .arg_count = 2};
    minos_cell *early;
    if (minos_cell_new(runtime, &options, &early, error, sizeof error) != MINOS_OK) break;
    minos_cell_kill(early);
    minos_cell_status ended;
    killed_early += minos_cell_wait(early, -1, &ended) == MINOS_OK;
    minos_cell_free(early);
  }
  printf("native_cycles_test: %d of 200 cells killed as they started\n", killed_early);
  CHECK(killed_early == 200);

  /* The sandboxes made ahead and their zygote killed: the next cells
   * start all the same, and nothing is left a zombie. */
  usleep(300000); /* the early cells' launches released */
  int killed = kill_children();
  usleep(100000);
  int fine = 0;
  for (int i = 0; i < 5; i++)
    fine += cycle(runtime, argv[1], &status, error, sizeof error) == MINOS_OK &&
            status.fault == MINOS_FAULT_SIGNAL;
  usleep(100000);
  int after_kill = child_count(&zombies_after);
  printf("native_cycles_test: killed %d children; %d of 5 cells after; %d children (%d "
         "zombies)\n",
         killed, fine, after_kill, zombies_after);
  CHECK(killed == children && fine == 5 && after_kill == children && zombies_after == 0);
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
