/* SPDX-License-Identifier: Apache-2.0 */
/* config.json's "mounts" as directory grants (mounts.c says which mounts
 * become grants, which are left out and why, which are refused).
 * Internal to src/oci. */
#ifndef MINOS_OCI_MOUNTS_H
#define MINOS_OCI_MOUNTS_H

#include "oci/config_read.h"
#include "oci/rootfs.h"

bool oci_mount_grants(config_reader *reader, const json_value *mounts, oci_grant_adder add,
                      void *context);
/* Whether one of the destinations is `top` or beneath it (a grant there
 * takes the place of the root's directory `top`: grants do not nest). */
bool oci_path_shadowed(const char *top, const char *const *destinations, size_t count);

#endif
