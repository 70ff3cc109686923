/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of config.json, each read by a file of its own into the
 * bundle: process.c, linux.c, annotations.c. Internal to src/oci. */
#ifndef MINOS_OCI_BUNDLE_PARTS_H
#define MINOS_OCI_BUNDLE_PARTS_H

#include "oci/bundle.h"
#include "oci/config_read.h"

/* "process", but args[0], which is left in *program for the root to
 * resolve, with the container's PATH in *search_path (NULL: none). */
bool oci_read_process(config_reader *reader, const json_value *process, oci_bundle *bundle,
                      const char **program, const char **search_path);
/* "linux": its resources as limits; what minos cannot honour refused. */
bool oci_read_linux(config_reader *reader, const json_value *linux_part, oci_bundle *bundle);
/* "annotations": kept for `state`; minos's own read as options. */
bool oci_read_annotations(config_reader *reader, const json_value *annotations,
                          oci_bundle *bundle, bool is_wasm);

/* Whether every member of object is one of the `count` known keys; if
 * not, refuses the first other one ("PATH.KEY: not supported"). */
bool oci_known_members(config_reader *reader, const json_value *object, const char *path,
                       const char *const *known, size_t count);

#endif
