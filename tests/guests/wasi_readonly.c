/* SPDX-License-Identifier: Apache-2.0 */
/* A read-only grant (/ro) next to a read-write one (/data): everything
 * that reads works, everything that would change /ro fails with EROFS,
 * including moving or linking files between the two grants. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_check.h"

static void reads_work(void) {
  char buffer[64] = {0};
  int fd = open("/ro/data.txt", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(read(fd, buffer, sizeof buffer - 1) == 15 && strcmp(buffer, "read-only data\n") == 0);
  CHECK(pread(fd, buffer, 4, 5) == 4 && memcmp(buffer, "only", 4) == 0);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  struct stat status;
  CHECK(fstat(fd, &status) == 0 && status.st_size == 15);
  close(fd);
  FILE *file = fopen("/ro/dir/nested.txt", "r");
  CHECK(file && fgets(buffer, sizeof buffer, file) && strcmp(buffer, "nested\n") == 0);
  if (file) fclose(file);
  file = fopen("/ro/link_inside", "r");
  CHECK(file && fgets(buffer, sizeof buffer, file) && strcmp(buffer, "read-only data\n") == 0);
  if (file) fclose(file);
  CHECK(readlink("/ro/link_inside", buffer, sizeof buffer) == 8);
  CHECK(lstat("/ro/link_inside", &status) == 0 && S_ISLNK(status.st_mode));
  int entries = 0;
  DIR *directory = opendir("/ro");
  CHECK(directory != NULL);
  if (directory) {
    while (readdir(directory)) entries++;
    closedir(directory);
  }
  CHECK(entries == 5); /* . .. data.txt dir link_inside */
}

static void writes_refused(void) {
  CHECK_ERRNO(open("/ro/data.txt", O_WRONLY), EROFS);
  CHECK_ERRNO(open("/ro/data.txt", O_RDWR), EROFS);
  CHECK_ERRNO(open("/ro/data.txt", O_WRONLY | O_APPEND), EROFS);
  CHECK_ERRNO(open("/ro/data.txt", O_RDONLY | O_TRUNC), EROFS);
  CHECK_ERRNO(open("/ro/new.txt", O_WRONLY | O_CREAT, 0644), EROFS);
  CHECK_ERRNO(open("/ro/data.txt", O_RDONLY | O_CREAT, 0644), EROFS);
  CHECK_ERRNO(open("/ro/dir/new.txt", O_WRONLY | O_CREAT, 0644), EROFS);
  CHECK_ERRNO(truncate("/ro/data.txt", 0), EROFS);
  CHECK_ERRNO(unlink("/ro/data.txt"), EROFS);
  CHECK_ERRNO(unlink("/ro/link_inside"), EROFS);
  CHECK_ERRNO(mkdir("/ro/newdir", 0755), EROFS);
  CHECK_ERRNO(rmdir("/ro/dir"), EROFS);
  CHECK_ERRNO(rename("/ro/data.txt", "/ro/moved.txt"), EROFS);
  CHECK_ERRNO(rename("/ro/data.txt", "/data/moved.txt"), EROFS);
  CHECK_ERRNO(rename("/data/hello.txt", "/ro/moved.txt"), EROFS);
  CHECK_ERRNO(link("/ro/data.txt", "/data/linked.txt"), EROFS);
  CHECK_ERRNO(link("/data/hello.txt", "/ro/linked.txt"), EROFS);
  CHECK_ERRNO(symlink("data.txt", "/ro/newlink"), EROFS);
  struct timespec times[2] = {{.tv_sec = 1}, {.tv_sec = 2}};
  CHECK_ERRNO(utimensat(AT_FDCWD, "/ro/data.txt", times, 0), EROFS);
  CHECK_ERRNO(utimensat(AT_FDCWD, "/ro/dir", times, 0), EROFS);
  struct stat status;
  CHECK(stat("/ro/data.txt", &status) == 0 && status.st_mtim.tv_sec != 2);
}

static void descriptors_hold_no_writing_rights(void) {
  int fd = open("/ro/data.txt", O_RDONLY);
  CHECK(fd >= 0);
  __wasi_fdstat_t stat;
  CHECK_WASI(__wasi_fd_fdstat_get(fd, &stat), 0);
  CHECK(stat.fs_rights_base & __WASI_RIGHTS_FD_READ);
  __wasi_rights_t writing = __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE |
                            __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES;
  CHECK((stat.fs_rights_base & writing) == 0);
  __wasi_ciovec_t piece = {(const uint8_t *)"x", 1};
  __wasi_size_t count;
  CHECK_WASI(__wasi_fd_write(fd, &piece, 1, &count), __WASI_ERRNO_ROFS);
  CHECK_WASI(__wasi_fd_pwrite(fd, &piece, 1, 0, &count), __WASI_ERRNO_ROFS);
  CHECK_WASI(__wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_ROFS);
  CHECK_WASI(__wasi_fd_allocate(fd, 0, 10), __WASI_ERRNO_ROFS);
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 1, 1, __WASI_FSTFLAGS_ATIM), __WASI_ERRNO_ROFS);
  CHECK_WASI(__wasi_fd_fdstat_set_rights(fd, stat.fs_rights_base | __WASI_RIGHTS_FD_WRITE, 0),
             __WASI_ERRNO_NOTCAPABLE);
  close(fd);

  /* the grant itself: no right to change it, though it offers writing
   * rights as inheritable so that opening for writing is refused by name */
  int ro = -1;
  for (int candidate = 3; candidate < 6; candidate++) {
    __wasi_prestat_t prestat;
    char name[8] = {0};
    if (__wasi_fd_prestat_get(candidate, &prestat) == 0 && prestat.u.dir.pr_name_len == 3 &&
        __wasi_fd_prestat_dir_name(candidate, (uint8_t *)name, 3) == 0 && strcmp(name, "/ro") == 0)
      ro = candidate;
  }
  CHECK(ro >= 3);
  CHECK_WASI(__wasi_fd_fdstat_get(ro, &stat), 0);
  CHECK((stat.fs_rights_base & (__WASI_RIGHTS_PATH_CREATE_FILE | __WASI_RIGHTS_PATH_UNLINK_FILE)) == 0);
  CHECK(stat.fs_rights_base & __WASI_RIGHTS_PATH_OPEN);
  CHECK_WASI(__wasi_fd_filestat_set_times(ro, 1, 1, __WASI_FSTFLAGS_ATIM), __WASI_ERRNO_ROFS);
  __wasi_fd_t opened;
  CHECK_WASI(__wasi_path_open(ro, 0, "data.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &opened),
             __WASI_ERRNO_ROFS);
  CHECK_WASI(__wasi_path_open(ro, 0, "data.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &opened), 0);
  close((int)opened);

  /* a directory opened beneath the grant is read-only too */
  int dir = open("/ro/dir", O_RDONLY | O_DIRECTORY);
  CHECK(dir >= 0);
  CHECK_ERRNO(openat(dir, "nested.txt", O_WRONLY), EROFS);
  CHECK_ERRNO(openat(dir, "made.txt", O_WRONLY | O_CREAT, 0644), EROFS);
  CHECK_ERRNO(unlinkat(dir, "nested.txt", 0), EROFS);
  fd = openat(dir, "nested.txt", O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
  close(dir);
}

int main(void) {
  reads_work();
  writes_refused();
  descriptors_hold_no_writing_rights();
  check_exit("wasi_readonly");
}
