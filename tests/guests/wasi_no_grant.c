/* SPDX-License-Identifier: Apache-2.0 */
/* Without --dir a cell sees no file system at all: no preopens, nothing
 * to resolve paths against, and stdio is not a directory. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "wasi_check.h"

int main(void) {
  __wasi_prestat_t prestat;
  for (__wasi_fd_t fd = 0; fd < 16; fd++) CHECK_WASI(__wasi_fd_prestat_get(fd, &prestat), __WASI_ERRNO_BADF);
  CHECK(open("/etc/passwd", O_RDONLY) < 0);
  CHECK(open("etc/passwd", O_RDONLY) < 0);
  CHECK(open(".", O_RDONLY) < 0);
  CHECK(opendir("/") == NULL);
  CHECK(fopen("/tmp/x", "w") == NULL);
  __wasi_fd_t fd;
  for (__wasi_fd_t stdio = 0; stdio < 3; stdio++)
    CHECK_WASI(__wasi_path_open(stdio, 0, "etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd),
               __WASI_ERRNO_NOTDIR);
  CHECK_WASI(__wasi_path_open(3, 0, "etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd), __WASI_ERRNO_BADF);
  CHECK_WASI(__wasi_path_create_directory(3, "x"), __WASI_ERRNO_BADF);
  CHECK_WASI(__wasi_path_symlink("x", 3, "y"), __WASI_ERRNO_BADF);
  check_exit("wasi_no_grant");
}
