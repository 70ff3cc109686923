/* SPDX-License-Identifier: Apache-2.0 */
/* The container's process between fork and the exec of `minos run`.
 * Internal to src/oci. */
#ifndef MINOS_OCI_CONTAINER_INIT_H
#define MINOS_OCI_CONTAINER_INIT_H

#include "oci/bundle.h"

/* In the forked child: a session of its own, the bundle's network
 * namespace and rlimits, only stdio open. Then one byte on sync_fd
 * (0: ready; 1 and a message: failed, and it exits), then it waits for
 * `start` on fifo_path and execs argv (minos run) through /proc/self/exe. */
_Noreturn void oci_container_init(const oci_bundle *bundle, char *const *argv,
                                  const char *fifo_path, int sync_fd);

#endif
