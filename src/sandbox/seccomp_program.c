/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp filters exported as BPF: see seccomp_program.h. */
#include "sandbox/seccomp_program.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int seccomp_program_deny(scmp_filter_ctx filter, const char *const names[], size_t count,
                         uint32_t action) {
  int failed = 0;
  for (size_t i = 0; i < count; i++) {
    int call = seccomp_syscall_resolve_name(names[i]);
    if (call != __NR_SCMP_ERROR) failed |= seccomp_rule_add(filter, action, call, 0);
  }
  return failed;
}

int seccomp_program_deny_namespaces(scmp_filter_ctx filter, uint32_t action) {
  static const uint64_t namespace_flags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                                             CLONE_NEWCGROUP};
  int failed = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  for (size_t i = 0; i < sizeof namespace_flags / sizeof namespace_flags[0]; i++)
    failed |= seccomp_rule_add(filter, action, SCMP_SYS(clone), 1,
                               seccomp_first_argument(SCMP_CMP_MASKED_EQ, namespace_flags[i],
                                                      namespace_flags[i]));
  return failed;
}

bool seccomp_program_build(int (*add_rules)(scmp_filter_ctx filter), struct sock_fprog *out) {
  *out = (struct sock_fprog){0};
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
  if (!filter) return false;
  int memory_fd = -1;
  if (seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) == 0 &&
      add_rules(filter) == 0)
    memory_fd = memfd_create("minos-seccomp", MFD_CLOEXEC);
  if (memory_fd >= 0 && seccomp_export_bpf(filter, memory_fd) == 0) {
    off_t size = lseek(memory_fd, 0, SEEK_END);
    struct sock_filter *code = size > 0 ? malloc((size_t)size) : NULL;
    if (code && pread(memory_fd, code, (size_t)size, 0) == size &&
        (size_t)size % sizeof *code == 0 && (size_t)size / sizeof *code <= USHRT_MAX) {
      out->filter = code;
      out->len = (unsigned short)((size_t)size / sizeof *code);
    } else {
      free(code);
    }
  }
  if (memory_fd >= 0) close(memory_fd);
  seccomp_release(filter);
  return out->filter != NULL;
}

int seccomp_program_install(const struct sock_fprog *program) {
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, program);
}

int seccomp_program_install_listener(const struct sock_fprog *program) {
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                      program);
}
