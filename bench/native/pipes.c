/* SPDX-License-Identifier: Apache-2.0 */
/* The baseline of bench/native/channels: the same two programs joined by
 * two pipes, no runtime between them.
 *   pipes PROGRAM "ARGS OF ONE" "ARGS OF THE OTHER"   (space-separated)
 * Runs PROGRAM with each list, one's stdout into the other's stdin and
 * back, and waits for both; what they print on stderr passes through. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The pipes are close-on-exec: each program keeps only its stdin and
 * stdout of them (dup2 clears the flag). */
static pid_t start(const char *program, char *arguments, int in, int out) {
  char *argv[8] = {(char *)program};
  int count = 1;
  for (char *word = strtok(arguments, " "); word && count < 7; word = strtok(NULL, " "))
    argv[count++] = word;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  pid_t pid;
  if (posix_spawn(&pid, program, &actions, NULL, argv, environ) != 0) exit(1);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: pipes PROGRAM ARGS ARGS\n");
    return 2;
  }
  int there[2], back[2];
  if (pipe2(there, O_CLOEXEC) != 0 || pipe2(back, O_CLOEXEC) != 0) return 1;
  pid_t one = start(argv[1], argv[2], back[0], there[1]);
  pid_t other = start(argv[1], argv[3], there[0], back[1]);
  close(there[0]), close(there[1]), close(back[0]), close(back[1]);
  int status_one, status_other;
  waitpid(one, &status_one, 0);
  waitpid(other, &status_other, 0);
  return status_one || status_other;
}
