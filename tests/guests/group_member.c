/* SPDX-License-Identifier: Apache-2.0 */
/* A member of a supervision group, for tests; its arguments, in order:
 *
 *   wait MS        sleeps MS milliseconds
 *   ready          writes READY=1 to the end in MINOS_READY_FD
 *   say TEXT       writes TEXT to stderr (the log)
 *   crash          traps (unreachable)
 *   read           reads stdin to its end (each line echoed to stdout)
 *   forever        sleeps for ever (ignores its input's end)
 *
 * and exits 0 after the last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms) {
  struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&pause, NULL);
}

static void say_ready(void) {
  const char *fd = getenv("MINOS_READY_FD");
  if (!fd || write(atoi(fd), "READY=1\n", 8) != 8) {
    fprintf(stderr, "group_member: cannot say ready (MINOS_READY_FD=%s)\n", fd ? fd : "unset");
    exit(3);
  }
}

static void read_to_end(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    fputs(line, stdout);
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *what = argv[i];
    if (strcmp(what, "wait") == 0 && i + 1 < argc) sleep_ms(atol(argv[++i]));
    else if (strcmp(what, "ready") == 0) say_ready();
    else if (strcmp(what, "say") == 0 && i + 1 < argc) fprintf(stderr, "%s\n", argv[++i]);
    else if (strcmp(what, "crash") == 0) __builtin_trap();
    else if (strcmp(what, "read") == 0) read_to_end();
    else if (strcmp(what, "forever") == 0) for (;;) sleep_ms(1000);
    else {
      fprintf(stderr, "group_member: unknown action '%s'\n", what);
      return 2;
    }
  }
  return 0;
}
