#include "wasm/toolchain.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const struct {
  const char *variable, *default_name;
} tools[TOOL_COUNT] = {
    [TOOL_VALIDATE] = {"MINOS_WASM_VALIDATE", "wasm-validate"},
    [TOOL_WASM2C] = {"MINOS_WASM2C", "wasm2c"},
    [TOOL_CC] = {"MINOS_CC", "cc"},
};

static pthread_mutex_t resolve_lock = PTHREAD_MUTEX_INITIALIZER;
static char resolved[TOOL_COUNT][PATH_MAX];

static int search_path(const char *name, char *out) {
  if (strchr(name, '/')) return realpath(name, out) && access(out, X_OK) == 0;
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    size_t length = strcspn(path, ":");
    char candidate[PATH_MAX];
    if (length > 0 && length + strlen(name) + 2 < sizeof candidate) {
      snprintf(candidate, sizeof candidate, "%.*s/%s", (int)length, path, name);
      if (access(candidate, X_OK) == 0 && realpath(candidate, out)) return 1;
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

static void drain(int fd, char *output, size_t output_size) {
  size_t used = 0;
  char scratch[4096];
  for (;;) {
    ssize_t got = read(fd, scratch, sizeof scratch);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    size_t keep = (size_t)got;
    if (output_size && used + keep > output_size - 1) keep = output_size - 1 - used;
    memcpy(output + used, scratch, keep);
    used += keep;
  }
  if (output_size) output[used] = '\0';
}

minos_status toolchain_run(const char *const argv[], const char *directory, int *exit_status,
                           char *output, size_t output_size) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return MINOS_EIO;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  if (directory) posix_spawn_file_actions_addchdir_np(&actions, directory);
  pid_t child;
  int failure = posix_spawn(&child, argv[0], &actions, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (failure != 0) {
    close(pipe_fds[0]);
    snprintf(output, output_size, "cannot start %s: %s", argv[0], strerror(failure));
    return MINOS_ETOOLCHAIN;
  }
  drain(pipe_fds[0], output, output_size);
  close(pipe_fds[0]);
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return MINOS_EIO;
  *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return MINOS_OK;
}
