/* SPDX-License-Identifier: Apache-2.0 */
/* Files in a read-write grant, through wasi-libc as programs use them and
 * through raw calls where libc hides the detail. Run with the scratch
 * layout of tests/wasi_scratch.sh granted as /data. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi_check.h"

#define WORK "/data/work"
#define MANY_FILES 200

static int read_file(const char *path, char *buffer, size_t size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t length = read(fd, buffer, size - 1);
  close(fd);
  if (length < 0) return -1;
  buffer[length] = '\0';
  return (int)length;
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  ssize_t length = write(fd, text, strlen(text));
  close(fd);
  return length == (ssize_t)strlen(text) ? 0 : -1;
}

static void existing_files(void) {
  char buffer[256];
  CHECK(read_file("/data/hello.txt", buffer, sizeof buffer) == 13);
  CHECK(strcmp(buffer, "hello, grant\n") == 0);
  CHECK(read_file("/data/sub/inner.txt", buffer, sizeof buffer) == 6);
  CHECK(read_file("/data/sub/../hello.txt", buffer, sizeof buffer) == 13);
  CHECK(read_file("/data/link_inside", buffer, sizeof buffer) == 13);
  CHECK(strcmp(buffer, "hello, grant\n") == 0);
  CHECK_ERRNO(open("/data/missing", O_RDONLY), ENOENT);
  CHECK_ERRNO(open("/data/hello.txt/x", O_RDONLY), ENOTDIR);
}

static void positions(int fd) {
  char buffer[16] = {0};
  CHECK(write(fd, "0123456789", 10) == 10);
  CHECK(lseek(fd, 0, SEEK_CUR) == 10);
  CHECK(lseek(fd, 2, SEEK_SET) == 2);
  CHECK(read(fd, buffer, 3) == 3 && memcmp(buffer, "234", 3) == 0);
  CHECK(lseek(fd, 0, SEEK_CUR) == 5);
  CHECK(pread(fd, buffer, 4, 6) == 4 && memcmp(buffer, "6789", 4) == 0);
  CHECK(lseek(fd, 0, SEEK_CUR) == 5);
  CHECK(pwrite(fd, "AB", 2, 0) == 2);
  CHECK(lseek(fd, 0, SEEK_CUR) == 5);
  CHECK(lseek(fd, -1, SEEK_END) == 9);
  CHECK(pread(fd, buffer, 10, 0) == 10 && memcmp(buffer, "AB23456789", 10) == 0);
  CHECK(pread(fd, buffer, 10, 100) == 0);
  CHECK_ERRNO(lseek(fd, -100, SEEK_SET), EINVAL);
  __wasi_filesize_t where;
  CHECK_WASI(__wasi_fd_tell(fd, &where), 0);
  CHECK(where == 9);
  CHECK_WASI(__wasi_fd_seek(fd, 0, 7, &where), __WASI_ERRNO_INVAL);
}

static void sizes_and_times(int fd, const char *path) {
  struct stat status;
  CHECK(fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && status.st_size == 10);
  CHECK(ftruncate(fd, 4) == 0);
  CHECK(stat(path, &status) == 0 && status.st_size == 4 && status.st_nlink == 1);
  CHECK(ftruncate(fd, 100) == 0);
  char buffer[8];
  CHECK(pread(fd, buffer, 8, 50) == 8 && buffer[0] == 0 && buffer[7] == 0);
  CHECK(truncate(path, 10) == 0);
  CHECK(stat(path, &status) == 0 && status.st_size == 10);

  struct timespec times[2] = {{.tv_sec = 1000, .tv_nsec = 5}, {.tv_sec = 2000, .tv_nsec = 7}};
  CHECK(futimens(fd, times) == 0);
  CHECK(fstat(fd, &status) == 0);
  CHECK(status.st_atim.tv_sec == 1000 && status.st_mtim.tv_sec == 2000);
  times[0] = (struct timespec){.tv_nsec = UTIME_OMIT};
  times[1] = (struct timespec){.tv_sec = 3000};
  CHECK(utimensat(AT_FDCWD, path, times, 0) == 0);
  CHECK(stat(path, &status) == 0 && status.st_atim.tv_sec == 1000 && status.st_mtim.tv_sec == 3000);
  /* "Now" through raw calls: Debian's wasi-libc turns UTIME_NOW into
   * EINVAL and a NULL times array into the epoch. */
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW), 0);
  CHECK(stat(path, &status) == 0 && status.st_atim.tv_sec > 1600000000);
  CHECK(status.st_mtim.tv_sec == 3000);
  CHECK_WASI(__wasi_path_filestat_set_times(3, 0, "work/new.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), 0);
  CHECK(stat(path, &status) == 0 && status.st_mtim.tv_sec > 1600000000);
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
             __WASI_ERRNO_INVAL);
}

static void flags_and_modes(const char *path) {
  int fd = open(path, O_WRONLY | O_APPEND);
  CHECK(fd >= 0);
  CHECK(write(fd, "XY", 2) == 2);
  struct stat status;
  CHECK(fstat(fd, &status) == 0 && status.st_size == 12);
  CHECK((fcntl(fd, F_GETFL) & O_APPEND) != 0);
  CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
  CHECK((fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK)) == O_NONBLOCK);
  CHECK(pwrite(fd, "Z", 1, 0) == 1);
  CHECK(fsync(fd) == 0);
  CHECK(fdatasync(fd) == 0);
  CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
  CHECK(posix_fallocate(fd, 0, 4096) == 0);
  CHECK(fstat(fd, &status) == 0 && status.st_size == 4096);
  CHECK(close(fd) == 0);
  CHECK_ERRNO(close(fd), EBADF);

  CHECK_ERRNO(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
  CHECK_ERRNO(open(path, O_RDONLY | O_DIRECTORY), ENOTDIR);
  CHECK_ERRNO(open(WORK, O_WRONLY), EISDIR);
  fd = open(path, O_RDONLY);
  CHECK(fd >= 0);
  CHECK_ERRNO(write(fd, "x", 1), EBADF); /* libc reports a missing right as EBADF */
  close(fd);
  CHECK(write_file(path, "short") == 0);
  CHECK(stat(path, &status) == 0 && status.st_size == 5);
}

static void names(void) {
  char buffer[256];
  struct stat status;
  CHECK(rename(WORK "/new.txt", WORK "/renamed.txt") == 0);
  CHECK_ERRNO(stat(WORK "/new.txt", &status), ENOENT);
  CHECK(read_file(WORK "/renamed.txt", buffer, sizeof buffer) == 5);
  CHECK(write_file(WORK "/other.txt", "other") == 0);
  CHECK(rename(WORK "/other.txt", WORK "/renamed.txt") == 0);
  CHECK(read_file(WORK "/renamed.txt", buffer, sizeof buffer) == 5 && strcmp(buffer, "other") == 0);

  CHECK(link(WORK "/renamed.txt", WORK "/hard.txt") == 0);
  CHECK(stat(WORK "/renamed.txt", &status) == 0 && status.st_nlink == 2);
  CHECK(unlink(WORK "/hard.txt") == 0);
  CHECK(stat(WORK "/renamed.txt", &status) == 0 && status.st_nlink == 1);
  CHECK_ERRNO(link(WORK "/missing", WORK "/hard.txt"), ENOENT);

  CHECK(symlink("renamed.txt", WORK "/sym") == 0);
  CHECK(readlink(WORK "/sym", buffer, sizeof buffer) == 11 && memcmp(buffer, "renamed.txt", 11) == 0);
  CHECK(readlink(WORK "/sym", buffer, 4) == 4 && memcmp(buffer, "rena", 4) == 0);
  CHECK_ERRNO(readlink(WORK "/renamed.txt", buffer, sizeof buffer), EINVAL);
  CHECK(read_file(WORK "/sym", buffer, sizeof buffer) == 5 && strcmp(buffer, "other") == 0);
  CHECK(lstat(WORK "/sym", &status) == 0 && S_ISLNK(status.st_mode));
  CHECK(stat(WORK "/sym", &status) == 0 && S_ISREG(status.st_mode));
  CHECK_ERRNO(open(WORK "/sym", O_RDONLY | O_NOFOLLOW), ELOOP);
  CHECK_ERRNO(symlink("renamed.txt", WORK "/sym"), EEXIST);
  CHECK(symlink("../hello.txt", WORK "/up") == 0);
  CHECK(read_file(WORK "/up", buffer, sizeof buffer) == 13 && strcmp(buffer, "hello, grant\n") == 0);
  CHECK(symlink("../sub", WORK "/subdir") == 0);
  CHECK(read_file(WORK "/subdir/inner.txt", buffer, sizeof buffer) == 6);
  /* lstat of the link, stat of what it names */
  __wasi_filestat_t raw;
  CHECK_WASI(__wasi_path_filestat_get(3, 0, "work/sym", &raw), 0);
  CHECK(raw.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK_WASI(__wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "work/sym", &raw), 0);
  CHECK(raw.filetype == __WASI_FILETYPE_REGULAR_FILE && raw.size == 5);
  CHECK_WASI(__wasi_path_filestat_get(3, 0, "work", &raw), 0);
  CHECK(raw.filetype == __WASI_FILETYPE_DIRECTORY);
  CHECK_WASI(__wasi_path_filestat_get(3, 0, "work/..", &raw), 0);
  CHECK(raw.filetype == __WASI_FILETYPE_DIRECTORY);
  /* set times on the link itself, not on its target */
  CHECK_WASI(__wasi_path_filestat_set_times(3, 0, "work/sym", 0, 123000000000ull, __WASI_FSTFLAGS_MTIM), 0);
  CHECK(lstat(WORK "/sym", &status) == 0 && status.st_mtim.tv_sec == 123);
  CHECK(stat(WORK "/sym", &status) == 0 && status.st_mtim.tv_sec != 123);
}

static void directories(void) {
  struct stat status;
  CHECK(mkdir(WORK "/d", 0755) == 0);
  CHECK(stat(WORK "/d", &status) == 0 && S_ISDIR(status.st_mode));
  CHECK_ERRNO(mkdir(WORK "/d", 0755), EEXIST);
  CHECK(write_file(WORK "/d/f", "f") == 0);
  CHECK_ERRNO(rmdir(WORK "/d"), ENOTEMPTY);
  CHECK_ERRNO(rmdir(WORK "/d/f"), ENOTDIR);
  CHECK_ERRNO(unlink(WORK "/d"), EISDIR);
  CHECK(rename(WORK "/d", WORK "/e") == 0);
  CHECK(unlink(WORK "/e/f") == 0);
  CHECK(rmdir(WORK "/e") == 0);
  CHECK_ERRNO(stat(WORK "/e", &status), ENOENT);
  CHECK(mkdir(WORK "/slash/", 0755) == 0);
  CHECK(rmdir(WORK "/slash/") == 0);
  CHECK_ERRNO(unlink(WORK "/renamed.txt/"), ENOTDIR);
}

static int seen_index(const char *name) {
  int index;
  char tail;
  if (sscanf(name, "file-%d%c", &index, &tail) != 2 || tail != '-') return -1;
  return index >= 0 && index < MANY_FILES ? index : -1;
}

/* Names long enough that the listing spans many fd_readdir calls and
 * entries straddle the guest's buffer. */
static void listing(void) {
  CHECK(mkdir(WORK "/many", 0755) == 0);
  char path[320];
  for (int i = 0; i < MANY_FILES; i++) {
    snprintf(path, sizeof path, WORK "/many/file-%d-%0*d", i, 100 + i % 120, i);
    CHECK(write_file(path, "") == 0);
  }
  static unsigned char seen[MANY_FILES];
  int dots = 0, others = 0;
  DIR *directory = opendir(WORK "/many");
  CHECK(directory != NULL);
  if (!directory) return;
  struct dirent *entry;
  long middle = -1;
  char middle_name[300] = "";
  for (int n = 0; (entry = readdir(directory)) != NULL; n++) {
    int index = seen_index(entry->d_name);
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) dots++;
    else if (index < 0 || entry->d_type != DT_REG) others++;
    else seen[index]++;
    if (n == 100) middle = telldir(directory);
    if (n == 101) snprintf(middle_name, sizeof middle_name, "%s", entry->d_name);
  }
  int all_once = 1;
  for (int i = 0; i < MANY_FILES; i++) all_once &= seen[i] == 1;
  CHECK(all_once);
  CHECK(dots == 2 && others == 0);
  seekdir(directory, middle);
  entry = readdir(directory);
  CHECK(entry && strcmp(entry->d_name, middle_name) == 0);
  rewinddir(directory);
  int count = 0;
  while (readdir(directory)) count++;
  CHECK(count == MANY_FILES + 2);
  closedir(directory);

  for (int i = 0; i < MANY_FILES; i++) {
    snprintf(path, sizeof path, WORK "/many/file-%d-%0*d", i, 100 + i % 120, i);
    CHECK(unlink(path) == 0);
  }
  CHECK(rmdir(WORK "/many") == 0);
}

/* fd_readdir itself: a buffer too small for an entry comes back full. */
static void raw_listing(void) {
  int fd = open(WORK, O_RDONLY | O_DIRECTORY);
  CHECK(fd >= 0);
  uint8_t buffer[4096];
  __wasi_size_t used;
  CHECK_WASI(__wasi_fd_readdir(fd, buffer, 30, 0, &used), 0);
  CHECK(used == 30);
  CHECK_WASI(__wasi_fd_readdir(fd, buffer, sizeof buffer, 0, &used), 0);
  CHECK(used > 0 && used < sizeof buffer);
  /* walk the entries by their cookies: the last one's leads to nothing */
  __wasi_dirent_t entry;
  size_t at = 0;
  __wasi_dircookie_t last = 0;
  while (at + sizeof entry <= used) {
    memcpy(&entry, buffer + at, sizeof entry);
    at += sizeof entry + entry.d_namlen;
    last = entry.d_next;
  }
  CHECK(at == used);
  CHECK_WASI(__wasi_fd_readdir(fd, buffer, sizeof buffer, last, &used), 0);
  CHECK(used == 0);
  CHECK_WASI(__wasi_fd_readdir(3, buffer, sizeof buffer, 0, &used), 0);
  CHECK(used > 0);
  /* directories can be synced, granted ones included (renames persist) */
  CHECK_WASI(__wasi_fd_sync(3), 0);
  CHECK_WASI(__wasi_fd_datasync(3), 0);
  CHECK(fsync(fd) == 0);
  close(fd);
}

static void descriptor_state(void) {
  __wasi_prestat_t prestat;
  CHECK_WASI(__wasi_fd_prestat_get(3, &prestat), 0);
  CHECK(prestat.tag == __WASI_PREOPENTYPE_DIR && prestat.u.dir.pr_name_len == 5);
  uint8_t name[8] = {0};
  CHECK_WASI(__wasi_fd_prestat_dir_name(3, name, 5), 0);
  CHECK(memcmp(name, "/data", 5) == 0);
  CHECK_WASI(__wasi_fd_prestat_dir_name(3, name, 2), __WASI_ERRNO_NAMETOOLONG);

  int fd = open(WORK "/renamed.txt", O_RDWR);
  CHECK(fd >= 0);
  __wasi_fdstat_t stat;
  CHECK_WASI(__wasi_fd_fdstat_get(fd, &stat), 0);
  CHECK(stat.fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
  CHECK(stat.fs_rights_base & __WASI_RIGHTS_FD_READ);
  CHECK(stat.fs_rights_base & __WASI_RIGHTS_FD_WRITE);
  CHECK_WASI(__wasi_fd_fdstat_get(3, &stat), 0);
  CHECK(stat.fs_filetype == __WASI_FILETYPE_DIRECTORY);
  CHECK(stat.fs_rights_base & __WASI_RIGHTS_PATH_CREATE_FILE);

  /* Rights only go down, and what is dropped is enforced. */
  CHECK_WASI(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0), 0);
  __wasi_ciovec_t piece = {(const uint8_t *)"x", 1};
  __wasi_size_t count;
  CHECK_WASI(__wasi_fd_write(fd, &piece, 1, &count), __WASI_ERRNO_NOTCAPABLE);
  CHECK_WASI(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0),
             __WASI_ERRNO_NOTCAPABLE);
  char buffer[8];
  CHECK(read(fd, buffer, 5) == 5);

  /* renumber: the moved descriptor replaces the target, the old number is free */
  int other = open("/data/hello.txt", O_RDONLY);
  CHECK(other >= 0);
  CHECK_WASI(__wasi_fd_renumber(other, fd), 0);
  CHECK(pread(fd, buffer, 5, 0) == 5 && memcmp(buffer, "hello", 5) == 0);
  CHECK_ERRNO(read(other, buffer, 1), EBADF);
  CHECK_WASI(__wasi_fd_renumber(fd, 4000), __WASI_ERRNO_BADF);
  close(fd);
}

int main(void) {
  existing_files();
  CHECK(mkdir(WORK, 0755) == 0);
  int fd = open(WORK "/new.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
  CHECK(fd >= 0);
  positions(fd);
  sizes_and_times(fd, WORK "/new.txt");
  close(fd);
  flags_and_modes(WORK "/new.txt");
  names();
  directories();
  listing();
  raw_listing();
  descriptor_state();
  check_exit("wasi_files");
}
