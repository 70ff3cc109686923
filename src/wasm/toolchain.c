/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/toolchain.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasm/compile_sandbox.h"

static const struct {
  const char *variable, *default_name;
} tools[TOOL_COUNT] = {
    [TOOL_VALIDATE] = {"MINOS_WASM_VALIDATE", "wasm-validate"},
    [TOOL_WASM2C] = {"MINOS_WASM2C", "wasm2c"},
    [TOOL_CC] = {"MINOS_CC", "cc"},
};

static pthread_mutex_t resolve_lock = PTHREAD_MUTEX_INITIALIZER;
static char resolved[TOOL_COUNT][PATH_MAX];

/* The first executable `name` along PATH, as found there: not resolved
 * through its links (realpath costs a readlink per component, and every
 * cached start looks up three tools); toolchain_identity's stat follows
 * them, so a link that moves to another program changes the identity.
 * Relative PATH entries are skipped: they name whatever the current
 * directory holds. */
static int search_path(const char *name, char *out) {
  if (strchr(name, '/')) return realpath(name, out) && access(out, X_OK) == 0;
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    size_t length = strcspn(path, ":");
    char candidate[PATH_MAX];
    if (length > 0 && length + strlen(name) + 2 < sizeof candidate) {
      snprintf(candidate, sizeof candidate, "%.*s/%s", (int)length, path, name);
      if (candidate[0] == '/' && access(candidate, X_OK) == 0) {
        memcpy(out, candidate, strlen(candidate) + 1);
        return 1;
      }
    }
    path += length + (path[length] == ':');
  }
  return 0;
}

const char *toolchain_path(toolchain_tool tool, char *error, size_t error_size) {
  pthread_mutex_lock(&resolve_lock);
  const char *result = resolved[tool];
  if (!resolved[tool][0]) {
    const char *name = getenv(tools[tool].variable);
    if (!name || !*name) name = tools[tool].default_name;
    if (!search_path(name, resolved[tool])) {
      resolved[tool][0] = '\0';
      snprintf(error, error_size,
               "cannot find %s (set %s, or run scripts/install-deps to install the toolchain)",
               name, tools[tool].variable);
      result = NULL;
    }
  }
  pthread_mutex_unlock(&resolve_lock);
  return result;
}

minos_status toolchain_identity(char *out, size_t out_size, char *error, size_t error_size) {
  size_t used = 0;
  out[0] = '\0';
  for (int tool = 0; tool < TOOL_COUNT; tool++) {
    const char *path = toolchain_path((toolchain_tool)tool, error, error_size);
    struct stat info;
    if (!path) return MINOS_ETOOLCHAIN;
    if (stat(path, &info) != 0) {
      snprintf(error, error_size, "cannot stat %s: %s", path, strerror(errno));
      return MINOS_ETOOLCHAIN;
    }
    int written = snprintf(out + used, out_size - used, "%s:%lld:%lld.%09ld:%llu;", path,
                           (long long)info.st_size, (long long)info.st_mtim.tv_sec,
                           info.st_mtim.tv_nsec, (unsigned long long)info.st_ino);
    if (written < 0 || (size_t)written >= out_size - used) return MINOS_EINVAL;
    used += (size_t)written;
  }
  return MINOS_OK;
}

/* How messages name the tool argv[0] is. */
static const char *tool_description(const char *path) {
  static const char *const descriptions[TOOL_COUNT] = {
      [TOOL_VALIDATE] = "wasm-validate", [TOOL_WASM2C] = "wasm2c", [TOOL_CC] = "the C compiler"};
  pthread_mutex_lock(&resolve_lock);
  const char *found = "a compile tool";
  for (int tool = 0; tool < TOOL_COUNT; tool++)
    if (resolved[tool][0] && strcmp(resolved[tool], path) == 0) found = descriptions[tool];
  pthread_mutex_unlock(&resolve_lock);
  return found;
}

minos_status toolchain_run(const char *const argv[], const char *directory, int *exit_status,
                           char *output, size_t output_size) {
  sandbox_result result;
  minos_status status =
      sandbox_run(argv, directory, tool_description(argv[0]), &result, output, output_size);
  *exit_status = result.exit_status;
  return status;
}
