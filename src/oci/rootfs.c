/* SPDX-License-Identifier: Apache-2.0 */
/* What a bundle's root file system gives the cell: the code that
 * process.args[0] names inside it, and its top-level directories as
 * grants. The root is an image's files, hostile like the rest: args[0]
 * is opened with openat2's RESOLVE_BENEATH, so neither "..", nor an
 * absolute link, nor a relative one climbing out can lead minos to a
 * file outside the root, and the code's host path is the one the kernel
 * resolved, not the text of the bundle. */
#include "oci/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/code.h"

#define CODE_HEAD_BYTES 64

/* path (relative to root_fd) opened for reading, never outside the root. */
static int open_beneath(int root_fd, const char *path) {
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  while (*path == '/') path++;
  return (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof how);
}

/* The open file's path as the kernel resolved it. */
static char *resolved_path(int fd) {
  char link[64], target[OCI_PATH_MAX + 1];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t length = readlink(link, target, sizeof target - 1);
  if (length <= 0 || (size_t)length >= sizeof target - 1) return NULL;
  target[length] = '\0';
  return strdup(target);
}

/* The code in the open file: a regular file whose first bytes an arch
 * of this build owns. */
static bool check_code(config_reader *reader, int fd, const char *name, bool *is_wasm) {
  struct stat info;
  uint8_t head[CODE_HEAD_BYTES];
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))
    return config_fail(reader, "process.args[0]", "%s is not a regular file", name);
  ssize_t got = pread(fd, head, sizeof head, 0);
  if (got < 0) return config_fail(reader, "process.args[0]", "%s: %s", name, strerror(errno));
  const code_arch *arch = code_arch_of(head, (size_t)got);
  if (!arch) {
    char description[160];
    return config_fail(reader, "process.args[0]", "%s is %s, not code minos runs", name,
                       code_describe(head, (size_t)got, description, sizeof description));
  }
  *is_wasm = strcmp(arch->name, "wasm") == 0;
  return true;
}

/* args[0] with a '/': opened beneath the root; -1 with the error set. */
static int open_named(config_reader *reader, int root_fd, const char *name) {
  int fd = open_beneath(root_fd, name);
  if (fd >= 0) return fd;
  if (errno == EXDEV)
    config_fail(reader, "process.args[0]", "%s leads out of the root file system ('..' or a link)",
                name);
  else
    config_fail(reader, "process.args[0]", "%s in the root file system: %s", name,
                strerror(errno));
  return -1;
}

/* args[0] without a '/': looked for in the directories of PATH (the
 * container's, as runc does), each beneath the root. */
static int open_searched(config_reader *reader, int root_fd, const char *name, const char *path) {
  char *directories = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
  int fd = -1;
  for (char *save = NULL, *each = directories ? strtok_r(directories, ":", &save) : NULL;
       each && fd < 0; each = strtok_r(NULL, ":", &save)) {
    char candidate[OCI_PATH_MAX + 1];
    if (each[0] != '/' || (size_t)snprintf(candidate, sizeof candidate, "%s/%s", each, name) >=
                              sizeof candidate)
      continue;
    fd = open_beneath(root_fd, candidate);
    if (fd < 0 && errno != ENOENT && errno != ENOTDIR) {
      open_named(reader, root_fd, candidate);
      break;
    }
  }
  if (fd < 0 && !reader->error[0])
    config_fail(reader, "process.args[0]", "'%s' is not in the root file system's PATH", name);
  free(directories);
  return fd;
}

bool oci_find_code(config_reader *reader, const char *rootfs, const char *name,
                   const char *search_path, char **host_path, bool *is_wasm) {
  int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return config_fail(reader, "root.path", "%s: %s", rootfs, strerror(errno));
  reader->error[0] = '\0';
  int fd = strchr(name, '/') ? open_named(reader, root_fd, name)
                             : open_searched(reader, root_fd, name, search_path);
  close(root_fd);
  if (fd < 0) return false;
  bool fine = check_code(reader, fd, name, is_wasm);
  *host_path = fine ? resolved_path(fd) : NULL;
  close(fd);
  if (fine && !*host_path)
    return config_fail(reader, "process.args[0]", "%s: its path cannot be read back", name);
  return fine;
}

/* The root's own directories that are not the cell's own (/dev, /proc:
 * every native cell has its own; /sys: no cell has one). */
static bool grantable_entry(const char *rootfs, const struct dirent *entry) {
  static const char *const own[] = {".", "..", "dev", "proc", "sys"};
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
    if (strcmp(entry->d_name, own[i]) == 0) return false;
  char path[OCI_PATH_MAX + 1];
  struct stat info;
  if ((size_t)snprintf(path, sizeof path, "%s/%s", rootfs, entry->d_name) >= sizeof path)
    return false;
  /* lstat: a link at the top (/bin -> usr/bin) is not a directory of the
   * root's own; its target is granted where it is. */
  return lstat(path, &info) == 0 && S_ISDIR(info.st_mode) && !strstr(entry->d_name, "::");
}

bool oci_root_grants(config_reader *reader, const char *rootfs, bool read_only,
                     oci_grant_adder add, void *context) {
  DIR *directory = opendir(rootfs);
  if (!directory) return config_fail(reader, "root.path", "%s: %s", rootfs, strerror(errno));
  bool fine = true;
  struct dirent *entry;
  while (fine && (entry = readdir(directory)))
    if (grantable_entry(rootfs, entry)) {
      char host[OCI_PATH_MAX + 1], guest[NAME_MAX + 2];
      snprintf(host, sizeof host, "%s/%s", rootfs, entry->d_name);
      snprintf(guest, sizeof guest, "/%s", entry->d_name);
      fine = add(context, host, guest, read_only);
      if (!fine) config_fail(reader, "root.path", "out of memory");
    }
  closedir(directory);
  return fine;
}
