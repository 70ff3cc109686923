/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MINOS_OCI_FEATURES_H
#define MINOS_OCI_FEATURES_H

/* The features document, one JSON line (to free), or NULL. */
char *oci_features_json(void);

#endif
