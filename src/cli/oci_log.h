/* SPDX-License-Identifier: Apache-2.0 */
/* The log file of minos oci --log (oci_log.c says its format). */
#ifndef MINOS_CLI_OCI_LOG_H
#define MINOS_CLI_OCI_LOG_H

#include <stdbool.h>

/* From now on every logged line goes to path too; false (errno set) if
 * it cannot be opened. */
bool oci_log_open(const char *path, bool json);

#endif
