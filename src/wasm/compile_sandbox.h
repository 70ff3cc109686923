/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox every tool of the compile pipeline (wasm-validate, wasm2c,
 * the C compiler and whatever it starts) runs in. A hostile module is
 * input to those tools, so a bug in any of them must not become a way out:
 *
 *   - no network: a network namespace of its own when the runtime may make
 *     one (root), always a seccomp filter that refuses socket() (and
 *     socketpair() but for AF_UNIX), and Landlock's TCP rules where the
 *     kernel has them (ABI 4);
 *   - no writes outside the build's scratch directory: Landlock, when the
 *     kernel has it (ABI 1; without it, the seccomp filter and the limits
 *     still hold, and the runtime logs once that writes are not confined);
 *     no symlinks, hard links, FIFOs or device nodes anywhere, so nothing
 *     in the scratch directory can point the runtime elsewhere;
 *   - PR_SET_NO_NEW_PRIVS, an environment of its own (PATH, TMPDIR and
 *     HOME set to the scratch directory, LC_ALL=C), no descriptor of the
 *     runtime's but stdin (/dev/null) and stdout/stderr (a pipe), its own
 *     process group, which it cannot leave (setsid and setpgid are
 *     refused), and which is killed as a whole when the tool ends or its
 *     time is up; as root, also a PID namespace whose init is the tool (the
 *     kernel ends all it started when it ends, even if the runtime dies
 *     first: PR_SET_PDEATHSIG), and no capability at all (every set and
 *     the bounding set emptied, SECBIT_NOROOT), so it cannot raise its
 *     limits; no ptrace, bpf, mounts, namespaces, keyrings, io_uring or
 *     module loading;
 *   - it keeps the runtime's user id. Dropping root to an unprivileged
 *     one (nobody) would need the cache and scratch directories and every
 *     tool (a MINOS_CC in a private directory, say) reachable by that
 *     user, and the files minos writes there readable whatever its umask,
 *     and would leave artefacts the runtime loads as code owned by
 *     another user; root without capabilities, under Landlock, the
 *     namespaces and seccomp, is held as tightly where it matters;
 *   - limits:
 *       wall time        MINOS_COMPILE_TIMEOUT  default 120s for one module's
 *                                                whole compile (all its steps)
 *       CPU time         MINOS_COMPILE_CPU      default 60s  per process
 *                                                (RLIMIT_CPU): the measure of
 *                        the work itself, where wall time also measures how
 *                        busy the machine is; the wall time is the backstop
 *       memory           MINOS_COMPILE_MEMORY   default 2GiB per process
 *                                                (RLIMIT_AS)
 *       file size        MINOS_COMPILE_FILE_SIZE default 1GiB (RLIMIT_FSIZE)
 *       processes        MINOS_COMPILE_PROCESSES default 64 more tasks than
 *                        the machine runs (RLIMIT_NPROC; the kernel does not
 *                        apply it to root, whose compiles the wall time and
 *                        the group kill bound instead)
 *       captured output  what the caller's buffer holds; the rest is read
 *                        and dropped, so a chatty tool cannot stall
 *     An exceeded limit ends the tool with MINOS_ELIMIT and a sentence that
 *     names the limit ("compiling took longer than the 120 s limit", "the C
 *     compiler needed more than 2 GiB of memory").
 *   - MINOS_COMPILE_WRITABLE: a ':'-separated list of directories the tools
 *     may also write to (a compiler wrapper's own cache, such as ccache's).
 *
 * Values use the spec's units ("90s", "4GiB"); a malformed or zero value is
 * an error (MINOS_EUSAGE), never "unlimited". */
#ifndef MINOS_WASM_COMPILE_SANDBOX_H
#define MINOS_WASM_COMPILE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define COMPILE_DEFAULT_TIMEOUT_NS ((uint64_t)120 * 1000000000)
#define COMPILE_DEFAULT_CPU_NS ((uint64_t)60 * 1000000000)
#define COMPILE_DEFAULT_MEMORY_BYTES ((uint64_t)2 << 30)
#define COMPILE_DEFAULT_FILE_BYTES ((uint64_t)1 << 30)
#define COMPILE_DEFAULT_PROCESSES 64u

typedef struct compile_limits {
  uint64_t timeout_ns;
  uint64_t cpu_ns;
  uint64_t memory_bytes;
  uint64_t file_bytes;
  uint32_t processes;
} compile_limits;

/* The defaults, overridden by the environment. MINOS_EUSAGE with the
 * variable named in error if one is malformed. */
minos_status compile_limits_from_environment(compile_limits *out, char *error, size_t error_size);

/* One compile (of one module, all its steps) on the calling thread: its
 * limits (NULL: the environment's) and its deadline, from now. Every
 * sandbox_run on the thread until compile_session_end shares them. */
void compile_session_begin(const compile_limits *limits);
void compile_session_end(void);

/* Whether error is what the thread's last sandbox_run said when a compile
 * limit stopped it. Such a refusal says nothing about the module for good
 * (another limit, or a quieter machine, may compile it): it is not cached
 * as a refusal, and not tried again in another variant. */
bool compile_limit_stopped(const char *error);

typedef struct sandbox_result {
  int exit_status; /* the tool's exit status, or -1 if it died by a signal */
} sandbox_result;

/* Runs argv (argv[0] a resolved path) sandboxed in directory (its scratch
 * directory; NULL: the tool may write nowhere), waits, and captures its
 * combined output (cut to output_size). what names the tool in messages
 * ("the C compiler"). MINOS_OK: it ran and ended (see result); on any
 * other status output holds one sentence saying why: MINOS_ELIMIT for a
 * limit, MINOS_ETOOLCHAIN if it could not be started. */
minos_status sandbox_run(const char *const argv[], const char *directory, const char *what,
                         sandbox_result *result, char *output, size_t output_size);

#endif
