/* SPDX-License-Identifier: Apache-2.0 */
/* Path resolution beneath a directory descriptor. This is what keeps a
 * cell inside its grants, so it is done by the kernel, never by string
 * checks: openat2(2) with RESOLVE_BENEATH refuses absolute paths, ".."
 * above the starting directory and symlinks (absolute, or relative and
 * climbing out) at every step of the walk, including links planted after
 * the grant was made; RESOLVE_NO_MAGICLINKS refuses /proc-style links.
 *
 * Calls with no openat2 form (mkdirat, unlinkat, renameat, linkat,
 * symlinkat) get the parent directory through openat2 and then act on the
 * last component alone. The kernel resolves that component inside the
 * parent without following it, so the only name left to refuse is "..".
 * Calls that read or change an object's status (stat, utimes, readlink)
 * open the object itself as O_PATH, with O_NOFOLLOW when asked not to
 * follow, and act on the descriptor.
 *
 * "Do not follow" means the last component only, as in POSIX (O_NOFOLLOW,
 * AT_SYMLINK_NOFOLLOW), not RESOLVE_NO_SYMLINKS: links on the way that
 * stay inside the grant are legitimate, and whether they stay inside is
 * RESOLVE_BENEATH's business, checked for every link either way. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasm/wasi/wasi_private.h"

uint32_t wasi_path_from_guest(const wasm_cell *self, uint32_t path, uint32_t path_len,
                              char **out) {
  if (path_len >= WASI_MAX_PATH) return WASI_ERRNO_NAMETOOLONG;
  const char *bytes = guest_span(self, path, path_len);
  if (!bytes) return WASI_ERRNO_FAULT;
  if (memchr(bytes, '\0', path_len)) return WASI_ERRNO_INVAL;
  char *copy = malloc((size_t)path_len + 1);
  if (!copy) return WASI_ERRNO_NOMEM;
  memcpy(copy, bytes, path_len);
  copy[path_len] = '\0';
  *out = copy;
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_errno_from_resolution(int host_errno) {
  /* openat2 says EXDEV when the walk would leave the directory. */
  if (host_errno == EXDEV) return WASI_ERRNO_NOTCAPABLE;
  return wasi_errno_from_host(host_errno);
}

int wasi_open_beneath(int directory, const char *path, int flags, mode_t mode) {
  return wasi_open_beneath_how(directory, path, flags, mode, false);
}

int wasi_open_beneath_how(int directory, const char *path, int flags, mode_t mode,
                          bool same_mount) {
  struct open_how how = {
      .flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
      .mode = (flags & O_CREAT) ? mode : 0,
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | (same_mount ? RESOLVE_NO_XDEV : 0),
  };
  /* EAGAIN: a concurrent rename made the kernel unsure the walk stayed
   * beneath; it asks to retry rather than guess. */
  for (int attempt = 0;; attempt++) {
    long fd = syscall(SYS_openat2, directory, path, &how, sizeof how);
    if (fd >= 0) return (int)fd;
    if (errno != EINTR && (errno != EAGAIN || attempt >= 16)) return -1;
  }
}

uint32_t wasi_open_parent(int directory, char *path, bool same_mount, int *parent_fd,
                          const char **last) {
  size_t end = strlen(path);
  while (end > 0 && path[end - 1] == '/') end--;
  if (end == 0) return path[0] ? WASI_ERRNO_NOTCAPABLE : WASI_ERRNO_NOENT; /* "/" or "" */
  size_t start = end;
  while (start > 0 && path[start - 1] != '/') start--;
  if (end - start == 2 && path[start] == '.' && path[start + 1] == '.')
    return WASI_ERRNO_NOTCAPABLE;
  const char *parent = ".";
  if (start == 1) {
    parent = "/"; /* refused by the kernel like any absolute path */
  } else if (start > 1) {
    path[start - 1] = '\0';
    parent = path;
  }
  int fd = wasi_open_beneath_how(directory, parent, O_PATH | O_DIRECTORY, 0, same_mount);
  int saved = errno;
  if (start > 1) path[start - 1] = '/'; /* whole again, for a retry */
  if (fd < 0) return wasi_errno_from_resolution(saved);
  *parent_fd = fd;
  *last = path + start;
  return WASI_ERRNO_SUCCESS;
}
