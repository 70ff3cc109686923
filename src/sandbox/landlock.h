/* SPDX-License-Identifier: Apache-2.0 */
/* Landlock rulesets for processes minos starts (the compile tools, native
 * cells): made in the parent, enforced by the child before its exec
 * (landlock_restrict_self). Rules are bound to files and directories, not
 * to names, so a ruleset made from host paths holds for the same files
 * bind-mounted elsewhere in a child's own root. */
#ifndef MINOS_SANDBOX_LANDLOCK_H
#define MINOS_SANDBOX_LANDLOCK_H

#include <linux/landlock.h>
#include <stdbool.h>
#include <stdint.h>

/* Rights newer than Debian 12's kernel headers. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* The kernel's Landlock ABI version, 0 if it has none (probed once). */
int landlock_abi(void);

/* Every file system right this kernel knows. */
uint64_t landlock_all_fs_rights(void);
/* Rights to make, change and remove things beneath a directory. */
uint64_t landlock_directory_write_rights(void);
/* Rights to read files and list directories beneath a directory. */
uint64_t landlock_read_rights(void);

/* A ruleset handling `handled_fs` (trimmed to what the kernel knows), TCP
 * bind and connect and, where the kernel can, abstract Unix sockets and
 * signals outside the domain: its fd (close-on-exec), or -1 and errno. */
int landlock_ruleset_new(uint64_t handled_fs);

/* Allows `rights` (trimmed to what the kernel knows, and to file rights
 * for a file) beneath the file or directory open as `fd` (O_PATH will
 * do), or at `path`: 0, or -1 and errno. */
int landlock_allow_fd(int ruleset, int fd, uint64_t rights, bool directory);
int landlock_allow_path(int ruleset, const char *path, uint64_t rights);

/* Enforces the ruleset on the calling thread (after no_new_privs or with
 * CAP_SYS_ADMIN): 0, or -1 and errno. Async-signal-safe. */
int landlock_enforce(int ruleset);

#endif
