/* SPDX-License-Identifier: Apache-2.0 */
/* The root file system of a bundle: the code process.args[0] names, and
 * the root's top-level directories as grants. Internal to src/oci. */
#ifndef MINOS_OCI_ROOTFS_H
#define MINOS_OCI_ROOTFS_H

#include "oci/bundle.h"
#include "oci/config_read.h"

/* Finds `name` (process.args[0]) inside rootfs (a resolved directory):
 * a path is opened beneath the root, a bare name looked for in
 * search_path (the container's PATH; NULL: a default). True with its
 * resolved host path (to free) and its kind. */
bool oci_find_code(config_reader *reader, const char *rootfs, const char *name,
                   const char *search_path, char **host_path, bool *is_wasm);

/* Called for each grant; false if it could not be kept (out of memory). */
typedef bool (*oci_grant_adder)(void *context, const char *host, const char *guest,
                                bool read_only);
/* Each directory at the top of rootfs (but dev, proc and sys, which are
 * the cell's own) as a grant at the same path. */
bool oci_root_grants(config_reader *reader, const char *rootfs, bool read_only,
                     oci_grant_adder add, void *context);

#endif
