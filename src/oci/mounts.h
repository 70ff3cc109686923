/* SPDX-License-Identifier: Apache-2.0 */
/* config.json's "mounts" as directory grants (mounts.c says which mounts
 * become grants, which are left out and why, which are refused).
 * Internal to src/oci. */
#ifndef MINOS_OCI_MOUNTS_H
#define MINOS_OCI_MOUNTS_H

#include "oci/config_read.h"
#include "oci/rootfs.h"

/* Called for each tmpfs mount: its destination, its options for the
 * kernel ("size=64m,mode=755") and its mount flags (MS_NOSUID...). */
typedef bool (*oci_tmpfs_adder)(void *context, const char *guest, const char *data,
                                unsigned long flags);

bool oci_mount_grants(config_reader *reader, const json_value *mounts, oci_grant_adder add,
                      oci_tmpfs_adder add_tmpfs, void *context);
/* Whether one of the destinations is `top` or beneath it (a grant there
 * takes the place of the root's directory `top`: grants do not nest). */
bool oci_path_shadowed(const char *top, const char *const *destinations, size_t count);

#endif
