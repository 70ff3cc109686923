/* A deliberately slow file system for tests/slowfs.cmake: a FUSE file
 * system (libfuse 3) with one file, "slow.txt", whose reads block until
 * the file named by $SLOWFS_RELEASE exists (or for 20 s at most), as a
 * read on a hung network file system would. Then the read returns
 * SLOWFS_DATA. A directory, "slowdir", holding one more such file, is
 * listed only once released too, as a listing on a hung network file
 * system would, and so is the directory "newdir" (mkdir blocks, then
 * makes it). Run it in the foreground:
 *   SLOWFS_RELEASE=/tmp/x/release slowfs_fuse -f MOUNTPOINT */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <fuse.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SLOWFS_DATA "slow data arrived"
#define FILE_NAME "slow.txt"
#define DIRECTORY_NAME "slowdir"
#define MADE_NAME "newdir" /* the one directory mkdir makes */
#define LONGEST_WAIT_MS 20000

static atomic_bool made; /* whether MADE_NAME exists */

static int get_attributes(const char *path, struct stat *status, struct fuse_file_info *info) {
  (void)info;
  memset(status, 0, sizeof *status);
  if (strcmp(path, "/") == 0 || strcmp(path, "/" DIRECTORY_NAME) == 0 ||
      (made && strcmp(path, "/" MADE_NAME) == 0)) {
    status->st_mode = S_IFDIR | 0755;
    status->st_nlink = 2;
    return 0;
  }
  if (strcmp(path, "/" FILE_NAME) != 0 && strcmp(path, "/" DIRECTORY_NAME "/" FILE_NAME) != 0)
    return -ENOENT;
  status->st_mode = S_IFREG | 0444;
  status->st_nlink = 1;
  status->st_size = (off_t)strlen(SLOWFS_DATA);
  return 0;
}

static void wait_for_release(void) {
  const char *release = getenv("SLOWFS_RELEASE");
  struct timespec pause = {0, 10 * 1000 * 1000};
  for (int waited = 0; waited < LONGEST_WAIT_MS; waited += 10) {
    if (release && access(release, F_OK) == 0) return;
    nanosleep(&pause, NULL);
  }
}

static int list(const char *path, void *buffer, fuse_fill_dir_t fill, off_t offset,
                struct fuse_file_info *info, enum fuse_readdir_flags flags) {
  (void)offset, (void)info, (void)flags;
  bool slow_directory = strcmp(path, "/" DIRECTORY_NAME) == 0;
  if (strcmp(path, "/") != 0 && !slow_directory) return -ENOENT;
  if (slow_directory) wait_for_release();
  fill(buffer, ".", NULL, 0, 0);
  fill(buffer, "..", NULL, 0, 0);
  fill(buffer, FILE_NAME, NULL, 0, 0);
  if (!slow_directory) fill(buffer, DIRECTORY_NAME, NULL, 0, 0);
  return 0;
}

static int make_directory(const char *path, mode_t mode) {
  (void)mode;
  if (strcmp(path, "/" MADE_NAME) != 0) return -EACCES;
  wait_for_release();
  made = true;
  return 0;
}

static int open_file(const char *path, struct fuse_file_info *info) {
  if (strcmp(path, "/" FILE_NAME) != 0) return -ENOENT;
  /* No page cache: every read comes here. */
  info->direct_io = 1;
  return (info->flags & O_ACCMODE) == O_RDONLY ? 0 : -EACCES;
}

static int read_file(const char *path, char *buffer, size_t size, off_t offset,
                     struct fuse_file_info *info) {
  (void)info;
  if (strcmp(path, "/" FILE_NAME) != 0) return -ENOENT;
  wait_for_release();
  static const char data[] = SLOWFS_DATA;
  size_t length = strlen(data);
  if ((size_t)offset >= length) return 0;
  if (size > length - (size_t)offset) size = length - (size_t)offset;
  memcpy(buffer, &data[offset], size);
  return (int)size;
}

static const struct fuse_operations operations = {
    .getattr = get_attributes,
    .readdir = list,
    .mkdir = make_directory,
    .open = open_file,
    .read = read_file,
};

int main(int argc, char **argv) { return fuse_main(argc, argv, &operations, NULL); }
