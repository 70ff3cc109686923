/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp filters for processes minos starts (the compile tools, native
 * cells): built with libseccomp in the parent and exported as a BPF
 * program, so that the child, between its fork and its exec, only has
 * to install it (no allocation, nothing but system calls). */
#ifndef MINOS_SANDBOX_SECCOMP_PROGRAM_H
#define MINOS_SANDBOX_SECCOMP_PROGRAM_H

#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>

/* SCMP_A0, spelt out: its partial initialiser is a warning under clang. */
static inline struct scmp_arg_cmp seccomp_first_argument(enum scmp_compare op, uint64_t a,
                                                         uint64_t b) {
  return (struct scmp_arg_cmp){.arg = 0, .op = op, .datum_a = a, .datum_b = b};
}

/* Adds `action` for every call named in `names` (unknown names skipped):
 * 0, or non-zero if a rule could not be added. */
int seccomp_program_deny(scmp_filter_ctx filter, const char *const names[], size_t count,
                         uint32_t action);

/* Refuses new namespaces: clone with any CLONE_NEW* flag gets `action`,
 * and clone3 (whose flags are behind a pointer the filter cannot read)
 * ENOSYS, so that glibc falls back to clone. */
int seccomp_program_deny_namespaces(scmp_filter_ctx filter, uint32_t action);

/* A filter that allows everything but what add_rules adds, kills a
 * process calling from another architecture (32-bit or x32 entry), and
 * is exported into *out (its filter then owned by the caller). */
bool seccomp_program_build(int (*add_rules)(scmp_filter_ctx filter), struct sock_fprog *out);

/* Installs it in the calling thread, after PR_SET_NO_NEW_PRIVS: 0, or -1
 * and errno. Async-signal-safe. */
int seccomp_program_install(const struct sock_fprog *program);
/* The same for a filter whose SCMP_ACT_NOTIFY calls wait for a listener:
 * the listener's descriptor (close-on-exec), or -1 and errno. */
int seccomp_program_install_listener(const struct sock_fprog *program);

#endif
