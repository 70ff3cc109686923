/* SPDX-License-Identifier: Apache-2.0 */
/* Every way out of a grant is refused by the kernel's resolution, whatever
 * the call: "..", absolute paths, symlinks planted before the run
 * (absolute, relative, dangling, to a parent) and symlinks the guest makes
 * itself. Run with the grant of tests/wasi_scratch.sh as /data (fd 3);
 * the wrapper then checks nothing outside changed. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_check.h"

#define GRANT 3
#define OUT __WASI_ERRNO_NOTCAPABLE
#define READ_RIGHTS (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_FILESTAT_GET)
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static __wasi_errno_t open_path(const char *path, __wasi_lookupflags_t lookup,
                                __wasi_oflags_t oflags, __wasi_rights_t rights) {
  __wasi_fd_t fd;
  __wasi_errno_t error = __wasi_path_open(GRANT, lookup, path, oflags, rights, 0, 0, &fd);
  if (error == 0) close((int)fd);
  return error;
}

static void opening(void) {
  static const char *const escapes[] = {
      "../outside.txt", "/etc/passwd", "sub/../../outside.txt", "./../outside.txt",
      "link_abs", "link_etc", "link_rel", "link_dangling", "link_up/outside.txt",
      "sub/link_deep", "link_up/grant/hello.txt", "..", "/", "//etc/passwd",
      "sub/../../grant/hello.txt",
  };
  for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
    CHECK_WASI(open_path(escapes[i], FOLLOW, 0, READ_RIGHTS), OUT);
    CHECK_WASI(open_path(escapes[i], FOLLOW, __WASI_OFLAGS_CREAT, READ_RIGHTS | __WASI_RIGHTS_FD_WRITE), OUT);
  }
  CHECK_WASI(open_path("link_up", FOLLOW, __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR), OUT);
  /* not following: the link itself is refused as a link, not resolved */
  CHECK_WASI(open_path("link_abs", 0, 0, READ_RIGHTS), __WASI_ERRNO_LOOP);
  CHECK_WASI(open_path("link_dangling", 0, __WASI_OFLAGS_CREAT, READ_RIGHTS), __WASI_ERRNO_LOOP);
  /* legitimate neighbours still work */
  CHECK_WASI(open_path("link_inside", FOLLOW, 0, READ_RIGHTS), 0);
  CHECK_WASI(open_path("sub/../hello.txt", FOLLOW, 0, READ_RIGHTS), 0);
  /* a directory descriptor is a boundary of its own (asked for with every
   * right but writing, which a directory refuses with EISDIR) */
  __wasi_fd_t sub;
  __wasi_rights_t not_writing = RIGHTS_ALL & ~(__wasi_rights_t)(__WASI_RIGHTS_FD_WRITE |
                                                                __WASI_RIGHTS_FD_ALLOCATE |
                                                                __WASI_RIGHTS_FD_FILESTAT_SET_SIZE);
  CHECK_WASI(__wasi_path_open(GRANT, FOLLOW, "sub", __WASI_OFLAGS_DIRECTORY, not_writing,
                              RIGHTS_ALL, 0, &sub), 0);
  __wasi_fd_t fd;
  CHECK_WASI(__wasi_path_open(sub, FOLLOW, "../hello.txt", 0, READ_RIGHTS, 0, 0, &fd), OUT);
  CHECK_WASI(__wasi_path_open(sub, FOLLOW, "inner.txt", 0, READ_RIGHTS, 0, 0, &fd), 0);
  close((int)fd);
  close((int)sub);
  /* a NUL inside the path is not a way to truncate it */
  char with_nul[] = "hello.txt\0../outside.txt";
  CHECK_WASI(raw_path_open(GRANT, FOLLOW, ADDRESS(with_nul), sizeof with_nul - 1, 0, READ_RIGHTS, 0, 0,
                           ADDRESS(&fd)),
             __WASI_ERRNO_INVAL);
}

static void statting(void) {
  __wasi_filestat_t stat;
  CHECK_WASI(__wasi_path_filestat_get(GRANT, FOLLOW, "link_abs", &stat), OUT);
  CHECK_WASI(__wasi_path_filestat_get(GRANT, FOLLOW, "link_rel", &stat), OUT);
  CHECK_WASI(__wasi_path_filestat_get(GRANT, FOLLOW, "link_dangling", &stat), OUT);
  CHECK_WASI(__wasi_path_filestat_get(GRANT, FOLLOW, "..", &stat), OUT);
  CHECK_WASI(__wasi_path_filestat_get(GRANT, 0, "..", &stat), OUT);
  CHECK_WASI(__wasi_path_filestat_get(GRANT, 0, "../outside.txt", &stat), OUT);
  CHECK_WASI(__wasi_path_filestat_get(GRANT, 0, "link_up/outside.txt", &stat), OUT);
  CHECK_WASI(__wasi_path_filestat_get(GRANT, 0, "/etc", &stat), OUT);
  /* the links themselves live inside the grant */
  CHECK_WASI(__wasi_path_filestat_get(GRANT, 0, "link_abs", &stat), 0);
  CHECK(stat.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
  char target[256];
  __wasi_size_t used;
  CHECK_WASI(__wasi_path_readlink(GRANT, "link_rel", (uint8_t *)target, sizeof target, &used), 0);
  CHECK(used == 14 && memcmp(target, "../outside.txt", 14) == 0);
  CHECK_WASI(__wasi_path_readlink(GRANT, "link_up/link_rel", (uint8_t *)target, sizeof target, &used), OUT);
  CHECK_WASI(__wasi_path_filestat_set_times(GRANT, FOLLOW, "link_rel", 1, 1, __WASI_FSTFLAGS_MTIM), OUT);
  CHECK_WASI(__wasi_path_filestat_set_times(GRANT, 0, "../outside.txt", 1, 1, __WASI_FSTFLAGS_MTIM), OUT);
  CHECK_WASI(__wasi_path_filestat_set_times(GRANT, 0, "..", 1, 1, __WASI_FSTFLAGS_MTIM), OUT);
}

static void changing(void) {
  CHECK_WASI(__wasi_path_create_directory(GRANT, "../made"), OUT);
  CHECK_WASI(__wasi_path_create_directory(GRANT, "link_up/made"), OUT);
  CHECK_WASI(__wasi_path_create_directory(GRANT, "/tmp/made"), OUT);
  CHECK_WASI(__wasi_path_create_directory(GRANT, ".."), OUT);
  CHECK_WASI(__wasi_path_unlink_file(GRANT, "../outside.txt"), OUT);
  CHECK_WASI(__wasi_path_unlink_file(GRANT, "link_up/outside.txt"), OUT);
  CHECK_WASI(__wasi_path_unlink_file(GRANT, "sub/link_deep/"), __WASI_ERRNO_NOTDIR);
  CHECK_WASI(__wasi_path_remove_directory(GRANT, ".."), OUT);
  CHECK_WASI(__wasi_path_remove_directory(GRANT, "sub/../.."), OUT);
  CHECK_WASI(__wasi_path_remove_directory(GRANT, "link_up/grant"), OUT);
  CHECK_WASI(__wasi_path_rename(GRANT, "hello.txt", GRANT, "../stolen.txt"), OUT);
  CHECK_WASI(__wasi_path_rename(GRANT, "../outside.txt", GRANT, "moved.txt"), OUT);
  CHECK_WASI(__wasi_path_rename(GRANT, "link_up/outside.txt", GRANT, "moved.txt"), OUT);
  CHECK_WASI(__wasi_path_rename(GRANT, "sub", GRANT, "link_up/sub"), OUT);
  CHECK_WASI(__wasi_path_link(GRANT, FOLLOW, "link_rel", GRANT, "hard"), OUT);
  CHECK_WASI(__wasi_path_link(GRANT, FOLLOW, "link_abs", GRANT, "hard"), OUT);
  CHECK_WASI(__wasi_path_link(GRANT, 0, "../outside.txt", GRANT, "hard"), OUT);
  CHECK_WASI(__wasi_path_link(GRANT, 0, "hello.txt", GRANT, "../hard"), OUT);
  CHECK_WASI(__wasi_path_symlink("hello.txt", GRANT, "../planted"), OUT);
  CHECK_WASI(__wasi_path_symlink("hello.txt", GRANT, "link_up/planted"), OUT);
}

/* Links the guest makes: targets that would lead out of the grant from
 * where the link is are refused (absolute ones, ".." past the grant's
 * root, ".." after a name; tests/guests/hostcalls_files.c has the rest). */
static void planting(void) {
  CHECK_WASI(__wasi_path_symlink("/etc/passwd", GRANT, "mine_abs"), __WASI_ERRNO_PERM);
  CHECK_WASI(__wasi_path_symlink("/", GRANT, "mine_root"), __WASI_ERRNO_PERM);
  CHECK_WASI(__wasi_path_symlink("../../outside.txt", GRANT, "sub/mine_up"), __WASI_ERRNO_PERM);
  CHECK_WASI(__wasi_path_symlink("../created_outside.txt", GRANT, "mine_dangling"),
             __WASI_ERRNO_PERM);
  CHECK_WASI(__wasi_path_symlink("..", GRANT, "mine_parent"), __WASI_ERRNO_PERM);
  CHECK_WASI(__wasi_path_symlink("sub/..", GRANT, "mine_here"), __WASI_ERRNO_PERM);
  CHECK_WASI(__wasi_path_symlink("../hello.txt", GRANT, "sub/mine_inside"), 0);
  CHECK_WASI(open_path("sub/mine_inside", FOLLOW, 0, READ_RIGHTS), 0);
  CHECK_ERRNO(symlink("/data/hello.txt", "/data/mine_abs_libc"), EPERM);
  /* libc sees the same refusals */
  CHECK(fopen("/data/link_rel", "r") == NULL && errno == ENOTCAPABLE);
  CHECK(fopen("/data/../outside.txt", "r") == NULL);
  CHECK(fopen("/etc/passwd", "r") == NULL);
  CHECK(opendir("/") == NULL);
  CHECK(opendir("/data/link_up") == NULL);
}

int main(void) {
  opening();
  statting();
  changing();
  planting();
  check_exit("wasi_escape");
}
