/* SPDX-License-Identifier: Apache-2.0 */
/* What a cell opens or plants in its grant can neither block its worker
 * nor lead a host program out of the grant. Run by hostcalls_tree.sh,
 * which grants GRANT read-write as /data (holding hello.txt, sub/ and a
 * FIFO no process opens) and afterwards follows every link left there as
 * a host program would.
 *
 *   hostcalls_files.wasm fifo|devices|links|eisdir
 *
 * fifo: opening the FIFO (for reading, writing, or both) fails with
 * ENXIO at once instead of waiting for a peer, which would freeze the
 * worker; it can still be looked at, renamed and removed.
 * devices: with /dev granted read-only, device nodes fail with ENXIO too.
 * links: path_symlink refuses (EPERM) targets that would leave the grant
 * when resolved from the link's directory, allows those that stay in;
 * moving a link or a directory holding links where they would lead out is
 * refused too.
 * eisdir: path_open with O_DIRECTORY and writing rights fails with EISDIR. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_check.h"

#define GRANT 3 /* /data */
#define READ_RIGHTS (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR)
#define WRITE_RIGHTS __WASI_RIGHTS_FD_WRITE

static __wasi_errno_t open_at(__wasi_fd_t directory, const char *path, __wasi_oflags_t oflags,
                              __wasi_rights_t rights, __wasi_fd_t *opened) {
  __wasi_fd_t fd = 0;
  __wasi_errno_t error = __wasi_path_open(directory, 0, path, oflags, rights, 0, 0, &fd);
  if (opened) *opened = fd;
  else if (error == 0) (void)__wasi_fd_close(fd);
  return error;
}

static void fifo(void) {
  CHECK_WASI(open_at(GRANT, "fifo", 0, READ_RIGHTS, NULL), __WASI_ERRNO_NXIO);
  CHECK_WASI(open_at(GRANT, "fifo", 0, WRITE_RIGHTS, NULL), __WASI_ERRNO_NXIO);
  CHECK_WASI(open_at(GRANT, "fifo", 0, READ_RIGHTS | WRITE_RIGHTS, NULL), __WASI_ERRNO_NXIO);
  CHECK_WASI(open_at(GRANT, "fifo", __WASI_OFLAGS_CREAT, WRITE_RIGHTS, NULL), __WASI_ERRNO_NXIO);
  CHECK_WASI(open_at(GRANT, "fifo", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, WRITE_RIGHTS, NULL),
             __WASI_ERRNO_EXIST);
  __wasi_rights_t truncating = WRITE_RIGHTS | __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE;
  CHECK_WASI(open_at(GRANT, "fifo", __WASI_OFLAGS_TRUNC, truncating, NULL), __WASI_ERRNO_NXIO);
  CHECK_ERRNO(open("/data/fifo", O_RDONLY), ENXIO);
  CHECK_ERRNO(open("/data/fifo", O_WRONLY | O_NONBLOCK), ENXIO);
  /* through a link to it, too */
  CHECK(symlink("fifo", "/data/to_fifo") == 0);
  CHECK_ERRNO(open("/data/to_fifo", O_RDONLY), ENXIO);
  struct stat status;
  CHECK(stat("/data/fifo", &status) == 0 && !S_ISREG(status.st_mode) && !S_ISDIR(status.st_mode));
  CHECK(rename("/data/fifo", "/data/fifo2") == 0);
  CHECK(unlink("/data/fifo2") == 0);
  CHECK(unlink("/data/to_fifo") == 0);
  /* files and directories still open as before */
  FILE *file = fopen("/data/hello.txt", "r");
  CHECK(file != NULL);
  if (file) fclose(file);
  DIR *directory = opendir("/data/sub");
  CHECK(directory != NULL);
  if (directory) closedir(directory);
}

static void devices(void) {
  CHECK_ERRNO(open("/dev/null", O_RDONLY), ENXIO);
  CHECK_ERRNO(open("/dev/zero", O_RDONLY), ENXIO);
  CHECK_ERRNO(open("/dev/urandom", O_RDONLY), ENXIO);
  struct stat status;
  CHECK(stat("/dev/null", &status) == 0);
}

static void symlink_refused(const char *target, const char *link) {
  CHECK_WASI(__wasi_path_symlink(target, GRANT, link), __WASI_ERRNO_PERM);
}

static void symlink_allowed(const char *target, const char *link) {
  CHECK_WASI(__wasi_path_symlink(target, GRANT, link), 0);
}

static void links(void) {
  CHECK(mkdir("/data/sub/deeper", 0777) == 0);
  /* at the grant's root, nothing may climb */
  symlink_refused("../outside.txt", "l1");
  symlink_refused("..", "l2");
  symlink_refused("../", "l3");
  symlink_refused("./../outside.txt", "l4");
  symlink_refused(".//..//outside.txt", "l5");
  symlink_refused("a/../../outside.txt", "l6");
  symlink_refused("sub/../../outside.txt", "l7");
  symlink_refused("/etc/passwd", "l8");
  symlink_refused("/", "l9");
  symlink_refused("//data/hello.txt", "l10");
  /* ".." after a name is refused even when it stays in: a name on the way
   * may be, or become, a link to anywhere */
  symlink_refused("sub/..", "l11");
  symlink_refused("sub/../hello.txt", "l12");
  /* one level down, one ".." is fine, two are not */
  symlink_allowed("../hello.txt", "sub/up1");
  symlink_allowed("..", "sub/up_dir");
  symlink_allowed("./../hello.txt", "sub/up2");
  symlink_refused("../../outside.txt", "sub/l13");
  symlink_refused("../../../etc/passwd", "sub/l14");
  symlink_refused("../a/../../outside.txt", "sub/l15");
  symlink_allowed("../../hello.txt", "sub/deeper/up3");
  symlink_refused("../../../outside.txt", "sub/deeper/l16");
  /* names that stay below are fine, dangling or not */
  symlink_allowed("hello.txt", "in1");
  symlink_allowed("sub/deeper", "in2");
  symlink_allowed("does/not/exist", "in3");
  symlink_allowed(".", "in_dot");
  /* the link's depth is where its directory really is: through a link to
   * a directory (sub) it is 1, through a link to the root (in_dot) 0 */
  symlink_allowed("sub", "to_sub");
  symlink_allowed("../hello.txt", "to_sub/up4");
  symlink_refused("../outside.txt", "in_dot/l17");
  /* through a descriptor of a subdirectory */
  __wasi_fd_t sub = 0;
  __wasi_rights_t rights = READ_RIGHTS | __WASI_RIGHTS_PATH_SYMLINK;
  CHECK_WASI(open_at(GRANT, "sub", __WASI_OFLAGS_DIRECTORY, rights, &sub), 0);
  CHECK_WASI(__wasi_path_symlink("../hello.txt", sub, "up5"), 0);
  CHECK_WASI(__wasi_path_symlink("../../outside.txt", sub, "l18"), __WASI_ERRNO_PERM);
  CHECK_WASI(__wasi_path_symlink("../../hello.txt", sub, "deeper/up6"), 0);
  CHECK_WASI(__wasi_fd_close(sub), 0);
  /* libc sees EPERM */
  CHECK_ERRNO(symlink("../outside.txt", "/data/l19"), EPERM);
  CHECK(symlink("../hello.txt", "/data/sub/up7") == 0);
  char buffer[64];
  FILE *file = fopen("/data/sub/up7", "r");
  CHECK(file != NULL && fgets(buffer, sizeof buffer, file) && strcmp(buffer, "hello\n") == 0);
  if (file) fclose(file);
  /* moving a climbing link up, or hard-linking it there, is refused */
  CHECK_ERRNO(rename("/data/sub/up1", "/data/moved_up1"), EPERM);
  CHECK_WASI(__wasi_path_link(GRANT, 0, "sub/up1", GRANT, "hard_up1"), __WASI_ERRNO_PERM);
  CHECK(rename("/data/sub/up1", "/data/sub/deeper/moved_up1") == 0); /* deeper: fine */
  CHECK(rename("/data/in1", "/data/sub/in1") == 0); /* no climb: anywhere */
  /* and so is moving a directory up whose links would then climb out */
  CHECK(mkdir("/data/sub/pack", 0777) == 0);
  CHECK(mkdir("/data/sub/pack/inner", 0777) == 0);
  CHECK(symlink("../../../hello.txt", "/data/sub/pack/inner/up8") == 0);
  CHECK_ERRNO(rename("/data/sub/pack", "/data/pack"), EPERM);
  CHECK(rename("/data/sub/pack", "/data/sub/deeper/pack") == 0);
  CHECK(unlink("/data/sub/deeper/pack/inner/up8") == 0);
  CHECK(symlink("../hello.txt", "/data/sub/deeper/pack/inner/up9") == 0);
  CHECK(rename("/data/sub/deeper/pack", "/data/pack") == 0); /* up9 still in */
}

static void eisdir(void) {
  __wasi_oflags_t directory = __WASI_OFLAGS_DIRECTORY;
  CHECK_WASI(open_at(GRANT, ".", directory, READ_RIGHTS | WRITE_RIGHTS, NULL), __WASI_ERRNO_ISDIR);
  CHECK_WASI(open_at(GRANT, ".", directory, WRITE_RIGHTS, NULL), __WASI_ERRNO_ISDIR);
  CHECK_WASI(open_at(GRANT, "sub", directory, __WASI_RIGHTS_FD_ALLOCATE, NULL), __WASI_ERRNO_ISDIR);
  CHECK_WASI(open_at(GRANT, "sub", directory, __WASI_RIGHTS_FD_FILESTAT_SET_SIZE, NULL),
             __WASI_ERRNO_ISDIR);
  CHECK_WASI(open_at(GRANT, ".", 0, READ_RIGHTS | WRITE_RIGHTS, NULL), __WASI_ERRNO_ISDIR);
  /* what else O_DIRECTORY says comes first */
  CHECK_WASI(open_at(GRANT, "hello.txt", directory, WRITE_RIGHTS, NULL), __WASI_ERRNO_NOTDIR);
  CHECK_WASI(open_at(GRANT, "missing", directory, WRITE_RIGHTS, NULL), __WASI_ERRNO_NOENT);
  /* reading a directory, or no rights at all, is fine */
  CHECK_WASI(open_at(GRANT, ".", directory, 0, NULL), 0);
  CHECK_WASI(open_at(GRANT, ".", directory, __WASI_RIGHTS_FD_READ, NULL), 0);
  __wasi_rights_t creating = READ_RIGHTS | __WASI_RIGHTS_PATH_CREATE_FILE;
  CHECK_WASI(open_at(GRANT, "sub", directory, creating, NULL), 0);
  CHECK_WASI(open_at(GRANT, ".", 0, 0, NULL), 0);
  CHECK_ERRNO(open("/data", O_RDWR | O_DIRECTORY), EISDIR);
  CHECK(opendir("/data") != NULL);
}

int main(int argc, char **argv) {
  const char *section = argc > 1 ? argv[1] : "";
  if (strcmp(section, "fifo") == 0) fifo();
  else if (strcmp(section, "devices") == 0) devices();
  else if (strcmp(section, "links") == 0) links();
  else if (strcmp(section, "eisdir") == 0) eisdir();
  else return 99;
  printf("hostcalls_files %s: ", section);
  check_exit("done");
}
