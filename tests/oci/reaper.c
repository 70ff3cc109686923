/* SPDX-License-Identifier: Apache-2.0 */
/* What conmon does for the OCI tests without podman: a subreaper that
 * runs `minos oci create ...` (its arguments), then waits for the
 * container's process (the pid create wrote to PID_FILE), which create
 * leaves behind and the kernel hands to this process, and writes how it
 * ended to STATUS_FILE: "exit N", "signal N", or "create failed N" if
 * create itself failed. Other orphans that come its way (a native cell's
 * helpers, which end with the cell) are reaped and not reported.
 *
 *   oci_reaper STATUS_FILE PID_FILE COMMAND [ARGS...] */
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *path, const char *what, int number) {
  FILE *file = fopen(path, "w");
  if (!file) return;
  fprintf(file, "%s %d\n", what, number);
  fclose(file);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: oci_reaper STATUS_FILE PID_FILE COMMAND [ARGS...]\n");
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return 2;
  pid_t create = fork();
  if (create == 0) {
    execvp(argv[3], argv + 3);
    _exit(127);
  }
  int status;
  if (create < 0 || waitpid(create, &status, 0) != create) return 2;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    say(argv[1], "create failed", WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    return 0;
  }
  /* The container's process is now this one's child (or already gone,
   * a zombie waiting here). */
  FILE *pid_file = fopen(argv[2], "r");
  int container = 0;
  if (!pid_file || fscanf(pid_file, "%d", &container) != 1 || container <= 0) {
    say(argv[1], "no pid file", 0);
    return 0;
  }
  fclose(pid_file);
  pid_t ended;
  while ((ended = wait(&status)) > 0 && ended != container) {
  }
  if (ended != container) {
    say(argv[1], "no container", 0);
    return 0;
  }
  if (WIFEXITED(status)) say(argv[1], "exit", WEXITSTATUS(status));
  else say(argv[1], "signal", WTERMSIG(status));
  return 0;
}
