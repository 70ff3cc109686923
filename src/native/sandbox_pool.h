/* SPDX-License-Identifier: Apache-2.0 */
/* Sandboxes made ahead of demand (zygote.c), for launch.c: processes in
 * fresh namespaces, their ids mapped, each waiting on its socket for the
 * orders launch.c sends (native_start). Internal to src/native. */
#ifndef MINOS_NATIVE_SANDBOX_POOL_H
#define MINOS_NATIVE_SANDBOX_POOL_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

typedef struct blank {
  pid_t pid;
  int pidfd, socket;
} blank;

/* A ready sandbox, alive (one is made now if none is ready). */
minos_status sandbox_take(blank *taken, char *error, size_t error_size);
/* Kills and reaps a sandbox that will not be used. */
void sandbox_discard(const blank *sandbox);

/* launch.c's: what a sandbox runs from its clone, never returning. */
_Noreturn void sandbox_main(int socket);
/* launch.c's: the seccomp filter every sandbox installs (NULL if it could
 * not be built); built before the zygote's fork, which copies it. */
const struct sock_fprog *native_filter(void);

/* zygote.c's, for sandbox_main: dies with the runtime's process. */
void sandbox_die_with_runtime(bool check_parent);
/* zygote.c's: true if sandboxes are made by a root runtime, without a
 * user namespace; they must become nobody themselves (launch.c). */
bool sandbox_is_root(void);

#endif
