/* SPDX-License-Identifier: Apache-2.0 */
#include "core/directories.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int make_directories(const char *path, mode_t mode) {
  char partial[PATH_MAX];
  if ((size_t)snprintf(partial, sizeof partial, "%s", path) >= sizeof partial) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (char *slash = strchr(partial + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    int failed = mkdir(partial, mode) != 0 && errno != EEXIST;
    *slash = '/';
    if (failed) return -1;
  }
  return mkdir(partial, mode) != 0 && errno != EEXIST ? -1 : 0;
}
