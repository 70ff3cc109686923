/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI runtime's commands on a container (state.h says where its
 * state lives and how its status is found). `create` forks the
 * container's process, which outlives the command: it waits for `start`
 * on ROOT/ID/exec.fifo, then execs minos itself as `minos run` with the
 * bundle's grants and limits, so the pid in the pid file, the stdio the
 * engine handed over and the exit code are the cell's. An engine's
 * subreaper (podman's conmon) reaps it and reads that exit code. Each
 * function returns false with the reason in error. */
#ifndef MINOS_OCI_CONTAINER_H
#define MINOS_OCI_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct oci_create_request {
  const char *root, *id, *bundle;
  const char *pid_file;  /* NULL: none */
} oci_create_request;

bool oci_container_create(const oci_create_request *request, char *error, size_t error_size);
bool oci_container_start(const char *root, const char *id, char *error, size_t error_size);
/* The specification's state JSON (to free), or NULL. */
char *oci_container_state(const char *root, const char *id, char *error, size_t error_size);
bool oci_container_kill(const char *root, const char *id, int signal_number, char *error,
                        size_t error_size);
/* A running container is refused without force; with it, killed
 * (SIGKILL) and waited for. A created one is killed as it waits. */
bool oci_container_delete(const char *root, const char *id, bool force, char *error,
                          size_t error_size);

#endif
