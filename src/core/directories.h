/* SPDX-License-Identifier: Apache-2.0 */
/* Directories made with their missing parents (mkdir -p). */
#ifndef MINOS_CORE_DIRECTORIES_H
#define MINOS_CORE_DIRECTORIES_H

#include <sys/types.h>

/* PATH (absolute) and each missing directory above it, with MODE: 0 if
 * PATH is there afterwards (made now or before), else -1 with errno. */
int make_directories(const char *path, mode_t mode);

#endif
