/* SPDX-License-Identifier: Apache-2.0 */
/* Starting a native program sealed, as nsjail and bubblewrap do, layer by
 * layer, before its first instruction:
 *   - new user, PID, mount, network, IPC, UTS and cgroup namespaces; the
 *     program runs as uid and gid 1000 inside (the runtime's own ids
 *     outside), without capabilities (dropped at its exec, as for any
 *     unprivileged uid) and with no_new_privs. A root runtime's sandbox
 *     has no user namespace: it builds the root as root, then becomes
 *     nobody (65534), losing every capability, before the program;
 *   - a root file system built from nothing: an empty read-only tmpfs
 *     holding only the program, the files its loading opens (elf.h) and
 *     the dynamic loader's cache, read-only, the granted directories at
 *     their guest paths, /dev/null, /dev/zero (and /dev/urandom when
 *     asked), and a /proc of its own PID namespace;
 *   - a seccomp filter refusing what ordinary programs never need
 *     (ptrace, mount, namespaces, bpf, perf events, userfaultfd, keys,
 *     io_uring, kexec, modules, personality changes), with 32-bit and x32
 *     entry killing the process; a refused call, connect and bind wait for
 *     the runtime (broker.h);
 *   - resource limits.
 * The namespaces are the slow part (a network namespace alone costs more
 * than a whole posix_spawn): a few sandboxes are made ahead of demand,
 * each a process in its fresh namespaces that holds nothing of the
 * runtime's but a socket, waiting there for its orders (the plan of its
 * root, its limits, its program and its descriptors). A sandbox serves
 * one program and is never reused.
 * The child does nothing between its fork and its exec but system calls
 * on values prepared here: the runtime is multithreaded. A failure there
 * comes back through its socket, naming the step. */
#ifndef MINOS_NATIVE_LAUNCH_H
#define MINOS_NATIVE_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "core/code.h"
#include "native/elf.h"

#define NATIVE_INSIDE_ID 1000
#define NATIVE_NOBODY_ID 65534

typedef struct native_launch {
  const char *program; /* host path of an x86-64 ELF executable */
  /* The files its loading opens, as read when it was prepared; NULL:
   * read now. */
  const elf_closure *closure;
  const char *const *argv; /* argv[0] included; NULL-terminated */
  const char *const *envp; /* NULL-terminated */
  const cell_grant *grants;
  size_t grant_count;
  int stdio[3]; /* the child's 0, 1 and 2 (-1: /dev/null) */
  /* More descriptors it gets, at first_extra, first_extra + 1... (its
   * named ends); first_extra is at least 3. */
  const int *extra;
  size_t extra_count;
  int first_extra;
  bool random; /* /dev/urandom */
  uint64_t memory_bytes; /* address space (RLIMIT_AS); 0: none */
  uint64_t cpu_seconds;  /* RLIMIT_CPU; 0: none */
  uint64_t processes;    /* RLIMIT_NPROC inside its user namespace; 0: 64 */
  uint64_t descriptors;  /* RLIMIT_NOFILE; 0: 256 */
  uint64_t file_bytes;   /* RLIMIT_FSIZE; 0: none */
} native_launch;

typedef struct native_process {
  pid_t pid;
  int pidfd; /* close-on-exec, as all three */
  /* The listener of its seccomp filter: the calls it refuses and its
   * connect and bind wait there for the runtime's answer (broker.h). */
  int listener;
  /* Where its init (PID 1 of its namespace, which starts the program)
   * says how the program ended (native_read_end). */
  int ends;
} native_process;

typedef struct native_end {
  bool signalled;
  int code; /* the exit code, or the signal */
  uint64_t cpu_ns; /* the program's CPU time, its reaped children's included */
} native_end;

/* Starts the program: its pid, a pidfd and its filter's listener.
 * MINOS_EMODULE: it is not an x86-64 executable, or it needs a file that
 * is missing. A kernel that lacks a layer (no user namespaces, Landlock
 * or seccomp user notification) is MINOS_EUSAGE, the error naming it; otherwise why it
 * could not start. */
minos_status native_start(const native_launch *launch, native_process *started, char *error,
                          size_t error_size);

/* Whether a grant can be placed: not at a sandbox's root, nor hiding what
 * every sandbox has (its /dev and /proc); if not, error says why. */
bool native_grant_placeable(const cell_grant *grant, char *error, size_t error_size);

/* How the program ended, once its first process (the init) has: what the
 * init said, or, if the runtime killed the init first, its end
 * (init_end, as waitid says). */
native_end native_read_end(const native_process *process, const siginfo_t *init_end);

#endif
