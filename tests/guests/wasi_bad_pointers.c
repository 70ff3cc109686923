/* SPDX-License-Identifier: Apache-2.0 */
/* Pointers and lengths outside the cell's memory: every call answers
 * EFAULT (or EINVAL for absurd counts) and the cell lives on. Nothing is
 * transferred when an output pointer is bad. Run with a grant as /data. */
#include <fcntl.h>
#include <unistd.h>

#include "wasi_check.h"

#define AT(type, address) ((type *)(uintptr_t)(address))
#define FAULT __WASI_ERRNO_FAULT

WASI_IMPORT(path_filestat_get)
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, int32_t path, int32_t path_len, int32_t out);
WASI_IMPORT(path_create_directory)
int32_t raw_path_create_directory(int32_t fd, int32_t path, int32_t path_len);

static void io(uint32_t end) {
  static const char message[] = "SHOULD-NOT-APPEAR\n";
  __wasi_size_t count;
  __wasi_ciovec_t past_end = {AT(const uint8_t, end - 4), 100};
  CHECK_WASI(__wasi_fd_write(1, &past_end, 1, &count), FAULT);
  __wasi_ciovec_t wrapping = {AT(const uint8_t, 0xfffffff0u), 0x20};
  CHECK_WASI(__wasi_fd_write(1, &wrapping, 1, &count), FAULT);
  __wasi_ciovec_t good = {(const uint8_t *)message, sizeof message - 1};
  __wasi_ciovec_t mixed[2] = {good, past_end};
  CHECK_WASI(__wasi_fd_write(1, mixed, 2, &count), FAULT);
  CHECK_WASI(__wasi_fd_write(1, AT(const __wasi_ciovec_t, end - 4), 1, &count), FAULT);
  CHECK_WASI(__wasi_fd_write(1, AT(const __wasi_ciovec_t, 0xfffffffcu), 1, &count), FAULT);
  CHECK_WASI(__wasi_fd_write(1, &good, 1, AT(__wasi_size_t, end - 2)), FAULT);
  CHECK_WASI(__wasi_fd_write(1, &good, 1, AT(__wasi_size_t, 0xffffffffu)), FAULT);
  CHECK_WASI(__wasi_fd_write(1, &good, 2000, &count), __WASI_ERRNO_INVAL);
  CHECK_WASI(__wasi_fd_write(1, &good, 0x20000001, &count), __WASI_ERRNO_INVAL);
  CHECK_WASI(raw_fd_write(1, ADDRESS(&good), 1, -1), FAULT);
  __wasi_iovec_t into = {AT(uint8_t, end - 1), 2};
  CHECK_WASI(__wasi_fd_read(0, &into, 1, &count), FAULT);
  /* stdout is a channel end, which has no position: a file does. */
  int file = open("/data/bad_pointers.tmp", O_RDWR | O_CREAT, 0600);
  CHECK(file >= 0);
  CHECK_WASI(__wasi_fd_pwrite(file, &past_end, 1, 0, &count), FAULT);
  close(file);
}

static void process(uint32_t end) {
  CHECK_WASI(__wasi_args_sizes_get(AT(__wasi_size_t, end), AT(__wasi_size_t, 0)), FAULT);
  CHECK_WASI(__wasi_args_get(AT(uint8_t *, end - 2), AT(uint8_t, 64)), FAULT);
  char buffer[64];
  CHECK_WASI(__wasi_args_get(AT(uint8_t *, buffer), AT(uint8_t, end - 1)), FAULT);
  CHECK_WASI(__wasi_environ_sizes_get(AT(__wasi_size_t, 0x7ffffffcu), AT(__wasi_size_t, 0)), FAULT);
  CHECK_WASI(__wasi_environ_get(AT(uint8_t *, end), AT(uint8_t, end)), 0); /* empty environment */
  CHECK_WASI(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, AT(__wasi_timestamp_t, end - 4)), FAULT);
  CHECK_WASI(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, AT(__wasi_timestamp_t, end)), FAULT);
  CHECK_WASI(__wasi_random_get(AT(uint8_t, end - 10), 100), FAULT);
  CHECK_WASI(__wasi_random_get(AT(uint8_t, 0xffffffffu), 2), FAULT);
  __wasi_subscription_t subscription;
  memset(&subscription, 0, sizeof subscription);
  __wasi_event_t event;
  __wasi_size_t count;
  CHECK_WASI(__wasi_poll_oneoff(AT(const __wasi_subscription_t, end - 8), &event, 1, &count), FAULT);
  CHECK_WASI(__wasi_poll_oneoff(&subscription, AT(__wasi_event_t, end - 8), 1, &count), FAULT);
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 1, AT(__wasi_size_t, end)), FAULT);
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 0x10000000, &count), __WASI_ERRNO_INVAL);
}

static void descriptors(uint32_t end) {
  CHECK_WASI(__wasi_fd_fdstat_get(1, AT(__wasi_fdstat_t, end - 8)), FAULT);
  int file = open("/data/bad_pointers.tmp", O_RDWR | O_CREAT, 0600);
  CHECK(file >= 0);
  CHECK_WASI(__wasi_fd_filestat_get(file, AT(__wasi_filestat_t, end - 63)), FAULT);
  CHECK_WASI(__wasi_fd_prestat_get(3, AT(__wasi_prestat_t, end - 4)), FAULT);
  CHECK_WASI(__wasi_fd_prestat_dir_name(3, AT(uint8_t, end - 2), 5), FAULT);
  __wasi_filesize_t offset;
  CHECK_WASI(__wasi_fd_seek(file, 0, __WASI_WHENCE_CUR, AT(__wasi_filesize_t, end)), FAULT);
  CHECK_WASI(__wasi_fd_tell(file, AT(__wasi_filesize_t, end - 7)), FAULT);
  close(file);
  (void)offset;
  __wasi_size_t used;
  CHECK_WASI(__wasi_fd_readdir(3, AT(uint8_t, end - 16), 64, 0, &used), FAULT);
  CHECK_WASI(__wasi_fd_readdir(3, AT(uint8_t, 0), 64, 0, AT(__wasi_size_t, end)), FAULT);
  CHECK_WASI(__wasi_path_readlink(3, "link_inside", AT(uint8_t, end - 2), 64, &used), FAULT);
  __wasi_fd_t fd;
  CHECK_WASI(raw_path_open(3, 0, (int32_t)(end - 3), 10, 0, __WASI_RIGHTS_FD_READ, 0, 0, ADDRESS(&fd)), FAULT);
  CHECK_WASI(raw_path_open(3, 0, -1, 10, 0, __WASI_RIGHTS_FD_READ, 0, 0, ADDRESS(&fd)), FAULT);
  CHECK_WASI(raw_path_open(3, 0, 0, 100000, 0, __WASI_RIGHTS_FD_READ, 0, 0, ADDRESS(&fd)),
             __WASI_ERRNO_NAMETOOLONG);
  static const char name[] = "hello.txt";
  CHECK_WASI(raw_path_open(3, 0, ADDRESS(name), 9, 0, __WASI_RIGHTS_FD_READ, 0, 0, (int32_t)end), FAULT);
  CHECK_WASI(raw_path_filestat_get(3, 0, ADDRESS(name), 9, (int32_t)(end - 32)), FAULT);
  CHECK_WASI(raw_path_create_directory(3, (int32_t)end, 1), FAULT);
  CHECK_WASI(__wasi_path_filestat_get(3, 0, "hello.txt", AT(__wasi_filestat_t, end - 8)), FAULT);
}

int main(void) {
  uint32_t end = MEMORY_END();
  io(end);
  process(end);
  descriptors(end);
  printf("survived\n");
  check_exit("wasi_bad_pointers");
}
