/* SPDX-License-Identifier: Apache-2.0 */
/* Checks for the WASI test guests: each failed check prints where and why
 * on stderr, and the guest ends with check_exit(), non-zero if any failed.
 * Raw imports take guest pointers as plain integers, so tests can pass
 * pointers and lengths no C declaration would allow. */
#ifndef MINOS_TEST_WASI_CHECK_H
#define MINOS_TEST_WASI_CHECK_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int check_failures, check_count;

#define CHECK(condition)                                                                     \
  do {                                                                                       \
    check_count++;                                                                           \
    if (!(condition)) {                                                                      \
      fprintf(stderr, "FAIL %s:%d: %s (errno %d: %s)\n", __FILE__, __LINE__, #condition,     \
              errno, strerror(errno));                                                       \
      check_failures++;                                                                      \
    }                                                                                        \
  } while (0)

/* A libc call that must fail with errno `expected`. */
#define CHECK_ERRNO(call, expected)                                                          \
  do {                                                                                       \
    check_count++;                                                                           \
    errno = 0;                                                                               \
    long result_ = (long)(call);                                                             \
    if (result_ != -1 || errno != (expected)) {                                              \
      fprintf(stderr, "FAIL %s:%d: %s gave %ld, errno %d (%s); wanted errno %d (%s)\n",      \
              __FILE__, __LINE__, #call, result_, errno, strerror(errno), (int)(expected),   \
              strerror(expected));                                                           \
      check_failures++;                                                                      \
    }                                                                                        \
  } while (0)

/* A raw WASI call that must return `expected`. */
#define CHECK_WASI(call, expected)                                                           \
  do {                                                                                       \
    check_count++;                                                                           \
    int code_ = (int)(call);                                                                 \
    if (code_ != (int)(expected)) {                                                          \
      fprintf(stderr, "FAIL %s:%d: %s returned %d (%s), wanted %d (%s)\n", __FILE__, __LINE__, \
              #call, code_, strerror(code_), (int)(expected), strerror((int)(expected)));    \
      check_failures++;                                                                      \
    }                                                                                        \
  } while (0)

#define check_exit(name)                                                                     \
  do {                                                                                       \
    if (check_failures) {                                                                    \
      fprintf(stderr, "%s: %d of %d checks failed\n", name, check_failures, check_count);    \
      return 1;                                                                              \
    }                                                                                        \
    printf("%s: all %d checks passed\n", name, check_count);                                 \
    return 0;                                                                                \
  } while (0)

#define WASI_IMPORT(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

WASI_IMPORT(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                      int64_t rights_base, int64_t rights_inheriting, int32_t fdflags,
                      int32_t fd_out);
WASI_IMPORT(fd_write)
int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nwritten_out);
WASI_IMPORT(fd_read)
int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nread_out);

/* Guest addresses as the host sees them. */
#define ADDRESS(pointer) ((int32_t)(uintptr_t)(pointer))
#define MEMORY_END() ((uint32_t)(__builtin_wasm_memory_size(0) * 65536u))

#define RIGHTS_ALL ((__wasi_rights_t)0x3fffffff)

#endif
