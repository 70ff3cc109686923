/* SPDX-License-Identifier: Apache-2.0 */
/* Landlock rulesets: see landlock.h. */
#include "sandbox/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NET_BIND_TCP (1ULL << 0)
#define NET_CONNECT_TCP (1ULL << 1)
#define SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define SCOPE_SIGNAL (1ULL << 1)

static int abi;
static pthread_once_t abi_once = PTHREAD_ONCE_INIT;

static void probe(void) {
  long version = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  abi = version > 0 ? (int)version : 0;
}

int landlock_abi(void) {
  pthread_once(&abi_once, probe);
  return abi;
}

uint64_t landlock_all_fs_rights(void) {
  int version = landlock_abi();
  uint64_t rights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
                    LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                    LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM |
                    landlock_directory_write_rights();
  if (version >= 2) rights |= LANDLOCK_ACCESS_FS_REFER;
  if (version >= 5) rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return rights;
}

uint64_t landlock_directory_write_rights(void) {
  uint64_t rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
                    LANDLOCK_ACCESS_FS_MAKE_REG;
  return landlock_abi() >= 3 ? rights | LANDLOCK_ACCESS_FS_TRUNCATE : rights;
}

uint64_t landlock_read_rights(void) {
  return LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
}

int landlock_ruleset_new(uint64_t handled_fs) {
  int version = landlock_abi();
  if (!version) return errno = EOPNOTSUPP, -1;
  struct {
    uint64_t handled_access_fs, handled_access_net, scoped;
  } attributes = {.handled_access_fs = handled_fs & landlock_all_fs_rights(),
                  .handled_access_net = version >= 4 ? NET_BIND_TCP | NET_CONNECT_TCP : 0,
                  .scoped = version >= 6 ? SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL : 0};
  size_t size = version >= 6 ? 24 : version >= 4 ? 16 : 8;
  return (int)syscall(SYS_landlock_create_ruleset, &attributes, size, 0);
}

/* What a rule on a file (not a directory) may allow. */
#define FILE_RIGHTS                                                                            \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
   LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

int landlock_allow_fd(int ruleset, int fd, uint64_t rights, bool directory) {
  rights &= landlock_all_fs_rights();
  if (!directory) rights &= FILE_RIGHTS;
  struct landlock_path_beneath_attr rule = {.allowed_access = rights, .parent_fd = fd};
  return (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
}

int landlock_allow_path(int ruleset, const char *path, uint64_t rights) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  struct stat info;
  if (fd < 0) return -1;
  int result = fstat(fd, &info) == 0 ? landlock_allow_fd(ruleset, fd, rights, S_ISDIR(info.st_mode))
                                     : -1;
  int saved = errno;
  close(fd);
  errno = saved;
  return result;
}

int landlock_enforce(int ruleset) { return (int)syscall(SYS_landlock_restrict_self, ruleset, 0); }
