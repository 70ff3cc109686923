/* SPDX-License-Identifier: Apache-2.0 */
// pingpong_native SECONDS
//
// The baseline of bench/pingpong: two Linux processes (fork) ping-pong one
// byte over two pipes for about SECONDS after a warm-up, timed with the TSC
// in the parent. Prints one line:
//   tsc_hz=<ticks per second> round_trips=<n> ns=<total> cycles=<total>
// The TSC frequency is measured against CLOCK_MONOTONIC, and the runner
// uses it to turn the wasm guests' nanoseconds into cycles too.
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/tsc.h"

static void die(const char *what) {
  fprintf(stderr, "pingpong_native: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void put(int fd, char c) {
  while (write(fd, &c, 1) != 1)
    if (errno != EINTR) die("write");
}

// Returns 0 at end of stream.
static int get(int fd, char *c) {
  for (;;) {
    ssize_t n = read(fd, c, 1);
    if (n >= 0) return (int)n;
    if (errno != EINTR) die("read");
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pingpong_native SECONDS\n");
    return 2;
  }
  double seconds = atof(argv[1]);
  double tsc_hz = bench_tsc_hz();

  int ping[2], pong[2];
  if (pipe(ping) != 0 || pipe(pong) != 0) die("pipe");
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    close(ping[1]);
    close(pong[0]);
    char c;
    while (get(ping[0], &c) == 1) put(pong[1], c);
    _exit(0);
  }
  close(ping[0]);
  close(pong[1]);

  char c = 'x';
  for (int i = 0; i < 10000; i++) {  // warm-up: both processes running and hot
    put(ping[1], c);
    if (get(pong[0], &c) != 1) die("child ended");
  }
  int64_t deadline = bench_now_ns() + (int64_t)(seconds * 1e9);
  uint64_t round_trips = 0;
  int64_t start_ns = bench_now_ns();
  uint64_t start_tsc = bench_rdtsc();
  int64_t end_ns;
  do {
    for (int i = 0; i < 1024; i++) {
      put(ping[1], c);
      if (get(pong[0], &c) != 1) die("child ended");
    }
    round_trips += 1024;
    end_ns = bench_now_ns();
  } while (end_ns < deadline);
  uint64_t end_tsc = bench_rdtsc();

  close(ping[1]);
  int status;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "pingpong_native: child failed\n");
    return 1;
  }
  printf("tsc_hz=%.0f round_trips=%llu ns=%lld cycles=%llu\n", tsc_hz,
         (unsigned long long)round_trips, (long long)(end_ns - start_ns),
         (unsigned long long)(end_tsc - start_tsc));
  return 0;
}
