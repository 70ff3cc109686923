/* SPDX-License-Identifier: Apache-2.0 */
// stream_native CAPACITY WRITE_SIZE MAX_BYTES SECONDS
//
// The baseline of bench/stream: a Linux pipe between two processes (fork),
// its capacity set with F_SETPIPE_SZ (0: leave the default, 64 KiB). The
// child writes WRITE_SIZE bytes per write(2) until the parent closes its
// end; the parent reads with a WRITE_SIZE buffer and, after a 16 MiB
// warm-up, times until MAX_BYTES have come or SECONDS have passed. Prints
//   bytes=<n> ns=<total> pipe_size=<capacity the kernel gave>
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // F_SETPIPE_SZ
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/tsc.h"

static void die(const char *what) {
  fprintf(stderr, "stream_native: %s: %s\n", what, strerror(errno));
  exit(1);
}

static size_t get(int fd, unsigned char *buffer, size_t size) {
  for (;;) {
    ssize_t n = read(fd, buffer, size);
    if (n > 0) return (size_t)n;
    if (n == 0) {
      fprintf(stderr, "stream_native: writer ended\n");
      exit(1);
    }
    if (errno != EINTR) die("read");
  }
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: stream_native CAPACITY WRITE_SIZE MAX_BYTES SECONDS\n");
    return 2;
  }
  long capacity = strtol(argv[1], NULL, 0);
  size_t write_size = strtoul(argv[2], NULL, 0);
  unsigned long long max_bytes = strtoull(argv[3], NULL, 0);
  double seconds = atof(argv[4]);

  int ends[2];
  if (pipe(ends) != 0) die("pipe");
  if (capacity > 0 && fcntl(ends[1], F_SETPIPE_SZ, (int)capacity) < 0) die("F_SETPIPE_SZ");
  int pipe_size = fcntl(ends[1], F_GETPIPE_SZ);
  unsigned char *buffer = malloc(write_size);
  if (!buffer) die("malloc");
  memset(buffer, 0x5a, write_size);

  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    signal(SIGPIPE, SIG_IGN);
    close(ends[0]);
    for (;;) {
      ssize_t n = write(ends[1], buffer, write_size);
      if (n < 0 && errno == EPIPE) _exit(0);
      if (n <= 0 && errno != EINTR) _exit(12);
    }
  }
  close(ends[1]);

  unsigned long long bytes = 0;
  while (bytes < 16u << 20) bytes += get(ends[0], buffer, write_size);
  bytes = 0;
  int64_t start = bench_now_ns(), end;
  int64_t deadline = start + (int64_t)(seconds * 1e9);
  for (unsigned reads = 1;; reads++) {
    bytes += get(ends[0], buffer, write_size);
    if (bytes >= max_bytes) break;
    if (reads % 64 == 0 && bench_now_ns() >= deadline) break;
  }
  end = bench_now_ns();
  close(ends[0]);
  int status;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "stream_native: writer failed\n");
    return 1;
  }
  printf("bytes=%llu ns=%lld pipe_size=%d\n", bytes, (long long)(end - start), pipe_size);
  return 0;
}
