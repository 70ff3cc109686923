/* SPDX-License-Identifier: Apache-2.0 */
// proctime N command [arguments...]
//
// Runs the command N times as a whole process and prints the median and
// mean wall time per run, start to exit:
//   median_us=<microseconds> mean_us=<microseconds>
// Output of the command goes to /dev/null so terminal speed is not
// measured; any run that does not exit with status 0 fails the whole
// measurement, because a fast failure is not a result.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int64_t monotonic_nanoseconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static int compare_durations(const void *first, const void *second) {
  int64_t a = *(const int64_t *)first, b = *(const int64_t *)second;
  return (a > b) - (a < b);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: proctime N command [arguments...]\n");
    return 2;
  }
  char *end;
  long run_count = strtol(argv[1], &end, 10);
  if (*end != '\0' || run_count <= 0) {
    fprintf(stderr, "proctime: N must be a positive integer, got '%s'\n", argv[1]);
    return 2;
  }
  char **command = argv + 2;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);

  int64_t *durations = malloc((size_t)run_count * sizeof *durations);
  if (durations == NULL) {
    fprintf(stderr, "proctime: out of memory\n");
    return 1;
  }
  for (long run = 0; run < run_count; run++) {
    int64_t start = monotonic_nanoseconds();
    pid_t child;
    int error = posix_spawnp(&child, command[0], &actions, NULL, command, environ);
    if (error != 0) {
      fprintf(stderr, "proctime: cannot start %s: %s\n", command[0], strerror(error));
      return 1;
    }
    int status;
    while (waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) {
        perror("proctime: waitpid");
        return 1;
      }
    }
    durations[run] = monotonic_nanoseconds() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (WIFSIGNALED(status))
        fprintf(stderr, "proctime: run %ld of %s killed by signal %d\n", run + 1,
                command[0], WTERMSIG(status));
      else
        fprintf(stderr, "proctime: run %ld of %s exited with status %d\n", run + 1,
                command[0], WEXITSTATUS(status));
      return 1;
    }
  }
  posix_spawn_file_actions_destroy(&actions);

  qsort(durations, (size_t)run_count, sizeof *durations, compare_durations);
  double median = run_count % 2 == 1
                      ? (double)durations[run_count / 2]
                      : ((double)durations[run_count / 2 - 1] + (double)durations[run_count / 2]) / 2;
  double total = 0;
  for (long run = 0; run < run_count; run++) total += (double)durations[run];
  printf("median_us=%.1f mean_us=%.1f\n", median / 1000, total / (double)run_count / 1000);
  free(durations);
  return 0;
}
