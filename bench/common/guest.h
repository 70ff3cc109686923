/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the benchmark guests (bench/pingpong, bench/spawn,
 * bench/stream): a monotonic clock, whole writes, loading a module from a
 * granted directory, and cnew from bytes in memory.
 *
 * Guests have no cycle counter: they time with clock_gettime
 * (CLOCK_MONOTONIC) and print nanoseconds; the runner turns them into
 * cycles with the TSC frequency the native baseline measured. */
#ifndef MINOS_BENCH_GUEST_H
#define MINOS_BENCH_GUEST_H

#include <minos.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((unused)) static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Prints why and exits 1: a benchmark that cannot do its job has no result. */
__attribute__((unused, noreturn)) static void bench_fail(const char *what, long long value) {
  fprintf(stderr, "benchmark failed: %s (%lld)\n", what, value);
  exit(1);
}

/* Writes all of `length` bytes; returns 0 or the first error. */
__attribute__((unused)) static int32_t bench_write_all(int32_t wfd, const void *data,
                                                       uint32_t length) {
  const unsigned char *bytes = data;
  while (length > 0) {
    int32_t n = minos_write(wfd, bytes, length);
    if (n < 0) return n;
    if (n == 0) return -MINOS_EIO;
    bytes += n;
    length -= (uint32_t)n;
  }
  return 0;
}

/* A whole file through WASI (a granted directory). */
__attribute__((unused)) static unsigned char *bench_load_file(const char *path, uint32_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    fprintf(stderr, "benchmark failed: cannot open %s (grant its directory with --ro-dir)\n", path);
    exit(1);
  }
  size_t capacity = 1 << 16, length = 0, n;
  unsigned char *bytes = malloc(capacity);
  while (bytes && (n = fread(bytes + length, 1, capacity - length, file)) > 0) {
    length += n;
    if (length == capacity) bytes = realloc(bytes, capacity *= 2);
  }
  fclose(file);
  if (!bytes) bench_fail("out of memory loading a module", 0);
  *size = (uint32_t)length;
  return bytes;
}

__attribute__((unused)) static minos_arch_spec bench_spec(uint32_t placement) {
  minos_arch_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.size = sizeof spec;
  spec.arch = MINOS_ARCH_WASM;
  spec.placement = placement;
  return spec;
}

/* A finished read end holding the code: a pipe just big enough, written
 * and closed. */
__attribute__((unused)) static int32_t bench_code_channel(const void *code, uint32_t size) {
  int32_t ends[2];
  int32_t rc = minos_pipe(size, ends);
  if (rc != 0) bench_fail("pipe for code", rc);
  rc = bench_write_all(ends[0], code, size);
  if (rc != 0) bench_fail("write of code", rc);
  rc = minos_wclose(ends[0]);
  if (rc != 0) bench_fail("wclose of code", rc);
  return ends[1];
}

/* cnew from bytes in memory; returns the cid (exits on failure). */
__attribute__((unused)) static int32_t bench_cnew(const void *code, uint32_t size,
                                                  uint32_t placement) {
  minos_arch_spec spec = bench_spec(placement);
  int32_t cid = minos_cnew(bench_code_channel(code, size), &spec, sizeof spec);
  if (cid <= 0) bench_fail("cnew", cid);
  return cid;
}

/* "same", "other" or "any" to a MINOS_PLACE_* value. */
__attribute__((unused)) static uint32_t bench_placement(const char *name) {
  if (strcmp(name, "same") == 0) return MINOS_PLACE_SAME_WORKER;
  if (strcmp(name, "other") == 0) return MINOS_PLACE_OTHER_WORKER;
  if (strcmp(name, "any") == 0) return MINOS_PLACE_ANY;
  fprintf(stderr, "unknown placement '%s' (same, other or any)\n", name);
  exit(2);
}

#endif
