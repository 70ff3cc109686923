/* SPDX-License-Identifier: Apache-2.0 */
// spawn_native PROGRAM SECONDS [ARGUMENT...]
//
// The baseline of bench/spawn: posix_spawn + waitpid of PROGRAM (a static
// native program that returns 0), repeated for about SECONDS after a
// warm-up; with ARGUMENTs, PROGRAM is given them (bench/native runs bwrap
// this way). Prints one line:
//   spawns=<n> ns=<total>
// Any run that fails or exits non-zero fails the measurement.
#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../common/tsc.h"

extern char **environ;

static char **arguments;

static void spawn_and_wait(char *program) {
  char *plain[] = {program, NULL};
  char **argv = arguments ? arguments : plain;
  pid_t pid;
  int rc = posix_spawn(&pid, program, NULL, NULL, argv, environ);
  if (rc != 0) {
    fprintf(stderr, "spawn_native: posix_spawn %s: %s\n", program, strerror(rc));
    exit(1);
  }
  int status;
  while (waitpid(pid, &status, 0) != pid)
    if (errno != EINTR) {
      perror("spawn_native: waitpid");
      exit(1);
    }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "spawn_native: %s did not exit with 0\n", program);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: spawn_native PROGRAM SECONDS [ARGUMENT...]\n");
    return 2;
  }
  char *program = argv[1];
  if (argc > 3) {
    argv[2] = program; /* PROGRAM ARGUMENT... as its argv */
    arguments = argv + 2;
  }
  double seconds = atof(argv[2]);
  for (int i = 0; i < 20; i++) spawn_and_wait(program);
  int64_t start = bench_now_ns(), end;
  int64_t deadline = start + (int64_t)(seconds * 1e9);
  uint64_t spawns = 0;
  do {
    for (int i = 0; i < 16; i++) spawn_and_wait(program);
    spawns += 16;
    end = bench_now_ns();
  } while (end < deadline);
  printf("spawns=%llu ns=%lld\n", (unsigned long long)spawns, (long long)(end - start));
  return 0;
}
