/* SPDX-License-Identifier: Apache-2.0 */
/* Both sides of bench/native/channels, one program: an ordinary POSIX
 * program that only reads its stdin and writes its stdout, built native
 * and for wasm32-wasi from this one source.
 *   talk ping N        N round trips of one byte: writes it, reads the
 *                      echo; prints "round_trips=N ns=T" on stderr
 *   talk send BYTES    writes BYTES in 64 KiB writes, then reads the far
 *                      side's one-byte receipt; prints "bytes=BYTES ns=T"
 *                      on stderr
 *   talk echo          writes back every byte it reads, as it comes
 *   talk sink BYTES    reads BYTES (rounded up to 64 KiB), then writes "k"
 * (A supervised cell's closed stdout is not the end of its reader's
 * stream while the supervisor keeps it for a next instance: the sink
 * counts instead.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec at;
  clock_gettime(CLOCK_MONOTONIC, &at);
  return (long long)at.tv_sec * 1000000000LL + at.tv_nsec;
}

static int write_all(const char *bytes, size_t length) {
  while (length) {
    ssize_t written = write(1, bytes, length);
    if (written <= 0) return -1;
    bytes += written;
    length -= (size_t)written;
  }
  return 0;
}

static char buffer[65536];

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "ping") == 0) {
    long count = atol(argv[2]);
    long long started = now_ns();
    for (long i = 0; i < count; i++) {
      char byte = 'p';
      if (write(1, &byte, 1) != 1 || read(0, &byte, 1) != 1) return 1;
    }
    fprintf(stderr, "round_trips=%ld ns=%lld\n", count, now_ns() - started);
  } else if (argc == 3 && strcmp(argv[1], "send") == 0) {
    long long total = atoll(argv[2]), sent = 0;
    memset(buffer, 'b', sizeof buffer);
    long long started = now_ns();
    for (; sent < total; sent += (long long)sizeof buffer)
      if (write_all(buffer, sizeof buffer) != 0) return 1;
    char receipt;
    if (read(0, &receipt, 1) != 1) return 1;
    fprintf(stderr, "bytes=%lld ns=%lld\n", sent, now_ns() - started);
  } else if (argc == 2 && strcmp(argv[1], "echo") == 0) {
    ssize_t got;
    while ((got = read(0, buffer, sizeof buffer)) > 0)
      if (write_all(buffer, (size_t)got) != 0) return 1;
  } else if (argc == 3 && strcmp(argv[1], "sink") == 0) {
    long long wanted = (atoll(argv[2]) + 65535) / 65536 * 65536, got = 0;
    ssize_t each;
    while (got < wanted && (each = read(0, buffer, sizeof buffer)) > 0) got += each;
    return write_all("k", 1) != 0;
  } else {
    fprintf(stderr, "usage: talk ping N | send BYTES | echo | sink BYTES\n");
    return 2;
  }
  return 0;
}
