/* SPDX-License-Identifier: Apache-2.0 */
/* A deliberately slow file system for tests/slowfs.cmake: a FUSE file
 * system (libfuse 3) whose every call a cell can make through a file
 * blocks until the file named by $SLOWFS_RELEASE exists (or for 20 s at
 * most), as a call on a hung network file system would; then it succeeds.
 * Looking names up never blocks, so a cell can reach the files first.
 *
 *   slow.txt         reads SLOWFS_DATA; open, close (flush), fsync,
 *                    fallocate, poll and changing its times block
 *   sized.txt        reads at once; once read, asking its size (getattr)
 *                    blocks
 *   slowdir/         listed only once released (holds slow.txt)
 *   link             a symbolic link to slow.txt, read only once released
 *   mkdir, unlink, rmdir, rename, link and symlink block, then pretend to
 *   succeed: the names they make exist afterwards (as directories for
 *   mkdir, links for symlink, files otherwise).
 *
 * Mount it in the foreground, with no attribute cache (so every size is
 * asked for):
 *   SLOWFS_RELEASE=/tmp/x/release slowfs_fuse -f -o attr_timeout=0 MOUNTPOINT */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fuse.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SLOWFS_DATA "slow data arrived"
#define LINK_TARGET "slow.txt"
#define LONGEST_WAIT_MS 20000
#define MAX_MADE 64

static atomic_bool sized_read;

/* Names made by the calls that pretend (not kept under their real kind). */
static struct made {
  char path[256];
  mode_t kind;
} made[MAX_MADE];
static size_t made_count;
static pthread_mutex_t made_lock = PTHREAD_MUTEX_INITIALIZER;

static void remember(const char *path, mode_t kind) {
  pthread_mutex_lock(&made_lock);
  if (made_count < MAX_MADE && strlen(path) < sizeof made[0].path) {
    strcpy(made[made_count].path, path);
    made[made_count++].kind = kind;
  }
  pthread_mutex_unlock(&made_lock);
}

static mode_t made_kind(const char *path) {
  mode_t kind = 0;
  pthread_mutex_lock(&made_lock);
  for (size_t i = 0; i < made_count && !kind; i++)
    if (strcmp(made[i].path, path) == 0) kind = made[i].kind;
  pthread_mutex_unlock(&made_lock);
  return kind;
}

static void wait_for_release(void) {
  const char *release = getenv("SLOWFS_RELEASE");
  struct timespec pause = {0, 10 * 1000 * 1000};
  for (int waited = 0; waited < LONGEST_WAIT_MS; waited += 10) {
    if (release && access(release, F_OK) == 0) return;
    nanosleep(&pause, NULL);
  }
}

static bool is_file(const char *path) {
  return strcmp(path, "/slow.txt") == 0 || strcmp(path, "/sized.txt") == 0 ||
         strcmp(path, "/slowdir/slow.txt") == 0;
}

static int get_attributes(const char *path, struct stat *status, struct fuse_file_info *info) {
  (void)info;
  memset(status, 0, sizeof *status);
  mode_t kind = made_kind(path);
  if (strcmp(path, "/") == 0 || strcmp(path, "/slowdir") == 0) kind = S_IFDIR;
  else if (strcmp(path, "/link") == 0) kind = S_IFLNK;
  else if (is_file(path)) kind = S_IFREG;
  if (!kind) return -ENOENT;
  if (strcmp(path, "/sized.txt") == 0 && sized_read) wait_for_release();
  status->st_mode = kind | (kind == S_IFREG ? 0644 : 0755);
  status->st_nlink = kind == S_IFDIR ? 2 : 1;
  status->st_size = kind == S_IFLNK ? (off_t)strlen(LINK_TARGET) : (off_t)strlen(SLOWFS_DATA);
  return 0;
}

static int list(const char *path, void *buffer, fuse_fill_dir_t fill, off_t offset,
                struct fuse_file_info *info, enum fuse_readdir_flags flags) {
  (void)offset, (void)info, (void)flags;
  bool slow_directory = strcmp(path, "/slowdir") == 0;
  if (strcmp(path, "/") != 0 && !slow_directory) return -ENOENT;
  if (slow_directory) wait_for_release();
  fill(buffer, ".", NULL, 0, 0);
  fill(buffer, "..", NULL, 0, 0);
  fill(buffer, "slow.txt", NULL, 0, 0);
  if (!slow_directory) {
    fill(buffer, "slowdir", NULL, 0, 0);
    fill(buffer, "sized.txt", NULL, 0, 0);
    fill(buffer, "link", NULL, 0, 0);
  }
  return 0;
}

static int make_directory(const char *path, mode_t mode) {
  (void)mode;
  wait_for_release();
  remember(path, S_IFDIR);
  return 0;
}

static int pretend_removal(const char *path) {
  (void)path;
  wait_for_release();
  return 0;
}

static int pretend_rename(const char *from, const char *to, unsigned int flags) {
  (void)from, (void)flags;
  wait_for_release();
  remember(to, S_IFREG);
  return 0;
}

static int pretend_link(const char *from, const char *to) {
  (void)from;
  wait_for_release();
  remember(to, S_IFREG);
  return 0;
}

static int pretend_symlink(const char *target, const char *path) {
  (void)target;
  wait_for_release();
  remember(path, S_IFLNK);
  return 0;
}

static int read_link(const char *path, char *buffer, size_t size) {
  if (!made_kind(path) && strcmp(path, "/link") != 0) return -ENOENT;
  wait_for_release();
  strncpy(buffer, LINK_TARGET, size);
  if (size > 0) buffer[size - 1] = '\0';
  return 0;
}

static int open_file(const char *path, struct fuse_file_info *info) {
  if (!is_file(path) && made_kind(path) != S_IFREG) return -ENOENT;
  /* No page cache: every read comes here. */
  info->direct_io = 1;
  return 0;
}

static int read_file(const char *path, char *buffer, size_t size, off_t offset,
                     struct fuse_file_info *info) {
  (void)info;
  if (strcmp(path, "/sized.txt") == 0) sized_read = true;
  else wait_for_release();
  static const char data[] = SLOWFS_DATA;
  size_t length = strlen(data);
  if ((size_t)offset >= length) return 0;
  if (size > length - (size_t)offset) size = length - (size_t)offset;
  memcpy(buffer, &data[offset], size);
  return (int)size;
}

/* Only slow.txt's close waits: the other files are closed by tests that
 * are about something else. */
static int flush_file(const char *path, struct fuse_file_info *info) {
  (void)info;
  if (strcmp(path, "/slow.txt") == 0) wait_for_release();
  return 0;
}

static int sync_file(const char *path, int data_only, struct fuse_file_info *info) {
  (void)path, (void)data_only, (void)info;
  wait_for_release();
  return 0;
}

static int allocate(const char *path, int mode, off_t offset, off_t length,
                    struct fuse_file_info *info) {
  (void)path, (void)mode, (void)offset, (void)length, (void)info;
  wait_for_release();
  return 0;
}

static int change_times(const char *path, const struct timespec times[2],
                        struct fuse_file_info *info) {
  (void)path, (void)times, (void)info;
  wait_for_release();
  return 0;
}

static int poll_file(const char *path, struct fuse_file_info *info, struct fuse_pollhandle *handle,
                     unsigned *events) {
  (void)path, (void)info;
  wait_for_release();
  if (handle) fuse_pollhandle_destroy(handle);
  *events = POLLIN | POLLOUT;
  return 0;
}

static const struct fuse_operations operations = {
    .getattr = get_attributes,
    .readdir = list,
    .mkdir = make_directory,
    .unlink = pretend_removal,
    .rmdir = pretend_removal,
    .rename = pretend_rename,
    .link = pretend_link,
    .symlink = pretend_symlink,
    .readlink = read_link,
    .open = open_file,
    .read = read_file,
    .flush = flush_file,
    .fsync = sync_file,
    .fallocate = allocate,
    .utimens = change_times,
    .poll = poll_file,
};

int main(int argc, char **argv) { return fuse_main(argc, argv, &operations, NULL); }
