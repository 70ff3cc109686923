/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the guest API tests (tests/guests/api_*.c): exact-value checks
 * on minos calls, clocks, and helpers to load a module, pipe its code to
 * cnew and give a child its command line.
 *
 * Each failed check prints where, what it got and what it wanted on
 * stderr; a test ends with api_exit(), which prints
 * "NAME: all N checks passed" (on `report`, stdout unless the test gave
 * its stdout away) or exits 1. */
#ifndef MINOS_TEST_API_COMMON_H
#define MINOS_TEST_API_COMMON_H

#include <minos.h>
#include <time.h>
#include <unistd.h>

#include "wasi_check.h"

static FILE *report;

__attribute__((unused)) static const char *status_name(long long value) {
  static const char *const names[] = {
      "OK",     "EBADF",  "ECLOSED", "EPERM",  "ELIMIT",  "ETIMEDOUT", "EFAULT",     "EINVAL",
      "ENOMEM", "EAGAIN", "EMODULE", "EINIT",  "ERESET",  "EIO",       "ETOOLCHAIN", "EUSAGE"};
  if (value < 0 && -value < (long long)(sizeof names / sizeof names[0])) return names[-value];
  return value >= 0 ? "" : "?";
}

__attribute__((unused)) static const char *fault_name(uint32_t fault) {
  static const char *const names[] = {
      "NONE",         "MEMORY_OUT_OF_BOUNDS", "TABLE_OUT_OF_BOUNDS", "INDIRECT_CALL_TYPE_MISMATCH",
      "NULL_FUNCTION", "INTEGER_DIVIDE_BY_ZERO", "INTEGER_OVERFLOW", "INVALID_CONVERSION",
      "UNREACHABLE",  "STACK_EXHAUSTION",     "MEMORY_LIMIT",        "TABLE_LIMIT",
      "CPU_LIMIT",    "INIT_TIMEOUT",         "KILLED",              "HOST_ERROR",
      "TIMEOUT"};
  return fault < sizeof names / sizeof names[0] ? names[fault] : "?";
}

/* A value (typically a minos call's result) that must be exactly `expected`;
 * negative values are named as minos statuses. */
#define CHECK_EQ(call, expected)                                                              \
  do {                                                                                        \
    check_count++;                                                                            \
    long long got_ = (long long)(call);                                                       \
    long long want_ = (long long)(expected);                                                  \
    if (got_ != want_) {                                                                      \
      fprintf(stderr, "FAIL %s:%d: %s = %lld %s, wanted %s = %lld %s\n", __FILE__, __LINE__,  \
              #call, got_, status_name(got_), #expected, want_, status_name(want_));          \
      check_failures++;                                                                       \
    }                                                                                         \
  } while (0)

/* Shorthand for "returns -MINOS_Exxx". */
#define CHECK_ERR(call, status) CHECK_EQ(call, -(status))

/* A cell status from cwait. */
#define CHECK_STATUS(status, want_fault, want_exit)                                            \
  do {                                                                                         \
    check_count++;                                                                             \
    if ((status).fault != (uint32_t)(want_fault) ||                                            \
        ((want_fault) == MINOS_FAULT_NONE && (status).exit_code != (uint32_t)(want_exit))) {   \
      fprintf(stderr, "FAIL %s:%d: cell ended with fault %s exit %u, wanted fault %s exit %u\n", \
              __FILE__, __LINE__, fault_name((status).fault), (status).exit_code,             \
              fault_name(want_fault), (unsigned)(want_exit));                                  \
      check_failures++;                                                                        \
    }                                                                                          \
  } while (0)

#define api_exit(name)                                                                       \
  do {                                                                                       \
    if (!report) report = stdout;                                                            \
    if (check_failures) {                                                                    \
      fprintf(stderr, "%s: %d of %d checks failed\n", name, check_failures, check_count);    \
      return 1;                                                                              \
    }                                                                                        \
    fprintf(report, "%s: all %d checks passed\n", name, check_count);                        \
    fflush(report);                                                                          \
    return 0;                                                                                \
  } while (0)

/* Aborts the test: used when a failure makes the rest meaningless
 * (for example, a child could not be created). */
#define REQUIRE(condition)                                                                   \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      fprintf(stderr, "FAIL %s:%d: required %s; giving up\n", __FILE__, __LINE__, #condition); \
      exit(1);                                                                               \
    }                                                                                        \
  } while (0)

__attribute__((unused)) static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Writes all of `length` bytes, however many calls it takes; returns the
 * total or the first error. */
__attribute__((unused)) static int32_t write_all(int32_t wfd, const void *data, uint32_t length) {
  const unsigned char *bytes = data;
  uint32_t done = 0;
  while (done < length) {
    int32_t n = minos_write(wfd, bytes + done, length - done);
    if (n < 0) return n;
    if (n == 0) return -MINOS_EIO; /* write must move at least one byte */
    done += (uint32_t)n;
  }
  return (int32_t)done;
}

/* Reads one end until it is finished (or `size` bytes are in); returns
 * the total or the first error. */
__attribute__((unused)) static int32_t read_all(int32_t rfd, void *buffer, uint32_t size) {
  unsigned char *bytes = buffer;
  uint32_t done = 0;
  for (;;) {
    int32_t from = -1;
    int32_t n = minos_read(&rfd, 1, bytes + done, size - done, &from);
    if (n < 0) return n;
    if (n == 0) return (int32_t)done;
    done += (uint32_t)n;
    if (done == size) return (int32_t)done;
  }
}

/* A whole file, read through WASI (a granted directory). */
__attribute__((unused)) static unsigned char *load_file(const char *path, uint32_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    fprintf(stderr, "FAIL cannot open %s: %s\n", path, strerror(errno));
    exit(1);
  }
  size_t capacity = 1 << 16, length = 0;
  unsigned char *bytes = malloc(capacity);
  size_t n;
  while (bytes && (n = fread(bytes + length, 1, capacity - length, file)) > 0) {
    length += n;
    if (length == capacity) bytes = realloc(bytes, capacity *= 2);
  }
  fclose(file);
  REQUIRE(bytes != NULL);
  *size = (uint32_t)length;
  return bytes;
}

/* All of stdin, through WASI. */
__attribute__((unused)) static unsigned char *load_stdin(uint32_t *size) {
  size_t capacity = 1 << 16, length = 0;
  unsigned char *bytes = malloc(capacity);
  ssize_t n;
  while (bytes && (n = read(0, bytes + length, capacity - length)) > 0) {
    length += (size_t)n;
    if (length == capacity) bytes = realloc(bytes, capacity *= 2);
  }
  REQUIRE(bytes != NULL);
  *size = (uint32_t)length;
  return bytes;
}

__attribute__((unused)) static minos_arch_spec default_spec(void) {
  minos_arch_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.size = sizeof spec;
  spec.arch = MINOS_ARCH_WASM;
  return spec;
}

/* A finished read end holding `size` bytes of code (a pipe just big
 * enough, written and closed). */
__attribute__((unused)) static int32_t code_channel(const void *code, uint32_t size) {
  int32_t ends[2] = {-1, -1};
  int32_t rc = minos_pipe(size ? size : 1, ends);
  if (rc != 0) {
    fprintf(stderr, "FAIL code_channel: pipe(%u) = %d %s\n", size, rc, status_name(rc));
    exit(1);
  }
  if (size) REQUIRE(write_all(ends[0], code, size) == (int32_t)size);
  REQUIRE(minos_wclose(ends[0]) == 0);
  return ends[1];
}

/* cnew from bytes; returns the cid or the error. */
__attribute__((unused)) static int32_t cnew_bytes(const void *code, uint32_t size, const minos_arch_spec *spec) {
  int32_t rfd = code_channel(code, size);
  int32_t cid = minos_cnew(rfd, spec, sizeof *spec);
  if (cid < 0) minos_rclose(rfd); /* in case a failed cnew left it open */
  return cid;
}

/* A child of api_child.wasm: created, given a command channel as its fd 0
 * with `command` and a newline in it. The write end stays open in
 * child->in (for data after the command); the caller passes further ends,
 * then starts it. */
struct child {
  int32_t cid;
  int32_t in;
};

__attribute__((unused)) static struct child child_new(const void *code, uint32_t size, const minos_arch_spec *spec,
                              const char *command) {
  struct child c;
  c.cid = cnew_bytes(code, size, spec);
  if (c.cid <= 0) {
    fprintf(stderr, "FAIL cnew for '%s' = %d %s\n", command, c.cid, status_name(c.cid));
    exit(1);
  }
  int32_t ends[2];
  REQUIRE(minos_pipe(0, ends) == 0);
  int32_t number = minos_rpass(ends[1], c.cid);
  if (number != 0) {
    fprintf(stderr, "FAIL rpass of the command channel = %d %s, wanted 0\n", number,
            status_name(number));
    exit(1);
  }
  REQUIRE(write_all(ends[0], command, (uint32_t)strlen(command)) == (int32_t)strlen(command));
  REQUIRE(write_all(ends[0], "\n", 1) == 1);
  c.in = ends[0];
  return c;
}

#endif
