/* SPDX-License-Identifier: Apache-2.0 */
/* Descriptor numbering, the per-cell limit and bad descriptors. Run with
 * one grant as /data (fd 3) and the default limit of 1024. */
#include <fcntl.h>
#include <unistd.h>

#include "wasi_check.h"

#define LIMIT 1024

WASI_IMPORT(proc_raise)
int32_t raw_proc_raise(int32_t signal);

static void numbering(void) {
  int first = open("/data/hello.txt", O_RDONLY);
  int second = open("/data/hello.txt", O_RDONLY);
  CHECK(first == 4 && second == 5);
  close(first);
  int again = open("/data/hello.txt", O_RDONLY);
  CHECK(again == 4); /* the lowest free number */
  close(again);
  close(second);
  __wasi_fdstat_t stat;
  for (__wasi_fd_t fd = 0; fd < 3; fd++) {
    CHECK_WASI(__wasi_fd_fdstat_get(fd, &stat), 0);
    CHECK((stat.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) == 0);
  }
  CHECK_WASI(__wasi_fd_fdstat_get(3, &stat), 0);
  CHECK(stat.fs_filetype == __WASI_FILETYPE_DIRECTORY);
}

static void limit(void) {
  static int fds[LIMIT];
  int opened = 0;
  for (; opened < LIMIT; opened++) {
    fds[opened] = open("/data/hello.txt", O_RDONLY);
    if (fds[opened] < 0) break;
  }
  CHECK(opened == LIMIT - 4); /* stdio and the grant hold four */
  CHECK(errno == ENFILE);
  CHECK_ERRNO(open("/data/hello.txt", O_RDONLY), ENFILE);
  /* a refused open has no side effect */
  CHECK_ERRNO(open("/data/made_when_full", O_WRONLY | O_CREAT, 0644), ENFILE);
  CHECK_ERRNO(access("/data/made_when_full", F_OK), ENOENT);
  CHECK(close(fds[10]) == 0);
  fds[10] = open("/data/hello.txt", O_RDONLY);
  CHECK(fds[10] >= 0);
  for (int i = 0; i < opened; i++) CHECK(close(fds[i]) == 0);
  int fd = open("/data/hello.txt", O_RDONLY);
  CHECK(fd == 4);
  close(fd);
}

static void bad_descriptors(void) {
  static const __wasi_fd_t bad[] = {4, 5, 100, 1023, 1024, 0x7fffffff, 0xffffffffu};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    __wasi_fd_t fd = bad[i];
    __wasi_ciovec_t piece = {(const uint8_t *)"x", 1};
    __wasi_size_t count;
    __wasi_fdstat_t stat;
    __wasi_filestat_t filestat;
    __wasi_filesize_t offset;
    CHECK_WASI(__wasi_fd_write(fd, &piece, 1, &count), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_read(fd, (const __wasi_iovec_t *)&piece, 1, &count), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_close(fd), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_fdstat_get(fd, &stat), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_filestat_get(fd, &filestat), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_sync(fd), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_renumber(fd, 1), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_renumber(1, fd), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_fdstat_set_flags(fd, 0), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_fd_fdstat_set_rights(fd, 0, 0), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_path_create_directory(fd, "x"), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD), __WASI_ERRNO_BADF);
  }
  CHECK_ERRNO(write(42, "x", 1), EBADF);
  CHECK_ERRNO(close(-1), EBADF);
}

static void others(void) {
  /* descriptors that are not sockets */
  __wasi_fd_t accepted;
  CHECK_WASI(__wasi_sock_accept(3, 0, &accepted), __WASI_ERRNO_NOTSOCK);
  CHECK_WASI(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
  CHECK_WASI(raw_proc_raise(15), __WASI_ERRNO_NOSYS);
  CHECK_WASI(__wasi_sched_yield(), 0);
  /* writing to stdin, reading from stdout: whatever the host's modes say,
   * never a crash */
  __wasi_fd_t fd;
  CHECK_WASI(__wasi_path_open(1, 0, "x", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR);
  /* a closed stdio slot stays closed, and is reused by the next open */
  CHECK(close(0) == 0);
  CHECK_ERRNO(read(0, &fd, 1), EBADF);
  fd = (__wasi_fd_t)open("/data/hello.txt", O_RDONLY);
  CHECK(fd == 0);
  char buffer[5];
  CHECK(read(0, buffer, 5) == 5 && memcmp(buffer, "hello", 5) == 0);
  /* the grant can be closed too; it is then gone for good */
  CHECK(close(3) == 0);
  __wasi_prestat_t prestat;
  CHECK_WASI(__wasi_fd_prestat_get(3, &prestat), __WASI_ERRNO_BADF);
}

int main(void) {
  numbering();
  limit();
  bad_descriptors();
  others();
  check_exit("wasi_descriptors");
}
