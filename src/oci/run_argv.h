/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle as the command line of `minos run`, which the container's
 * process execs (so its pid, stdio and exit code are the cell's): an argv
 * array for execv, never a shell's text. Internal to src/oci. */
#ifndef MINOS_OCI_RUN_ARGV_H
#define MINOS_OCI_RUN_ARGV_H

#include "oci/bundle.h"

/* "minos run [grants, env, limits] -- CODE ARGS...", NULL-terminated;
 * NULL if memory ran out. oci_run_argv_free frees it. */
char **oci_run_argv(const oci_bundle *bundle);
void oci_run_argv_free(char **argv);

#endif
