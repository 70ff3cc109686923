/* SPDX-License-Identifier: Apache-2.0 */
/* A cell for supervision tests; what it does is its first argument:
 *
 *   crash        traps at once (unreachable)
 *   exit N       exits with status N at once
 *   spin         spins for ever, ignoring its input
 *   until-eof    reads stdin to its end, then exits 0
 *   produce N    writes lines "job 1".."job N" to stdout, then exits 0
 *   produce-crash N   the same, then traps
 *   handle       reads its stdin (one message), logs "handled: LINE" on
 *                stderr; traps if the line is "job 3"
 *   say TEXT     writes TEXT to stderr and exits 0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int handle(void) {
  char line[256];
  if (!fgets(line, sizeof line, stdin)) return 2;
  line[strcspn(line, "\n")] = '\0';
  if (strcmp(line, "job 3") == 0) __builtin_trap();
  fprintf(stderr, "handled: %s\n", line);
  return 0;
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  if (strcmp(what, "crash") == 0) __builtin_trap();
  if (strcmp(what, "exit") == 0) return argc > 2 ? atoi(argv[2]) : 0;
  if (strcmp(what, "spin") == 0)
    for (volatile unsigned long spins = 0;; spins++) continue;
  if (strcmp(what, "until-eof") == 0) {
    char buffer[256];
    while (fread(buffer, 1, sizeof buffer, stdin) > 0) continue;
    return 0;
  }
  if (strcmp(what, "produce") == 0 || strcmp(what, "produce-crash") == 0) {
    int count = argc > 2 ? atoi(argv[2]) : 5;
    for (int i = 1; i <= count; i++) printf("job %d\n", i);
    fflush(stdout);
    if (strcmp(what, "produce-crash") == 0) __builtin_trap();
    return 0;
  }
  if (strcmp(what, "handle") == 0) return handle();
  if (strcmp(what, "say") == 0 && argc > 2) {
    fprintf(stderr, "%s\n", argv[2]);
    return 0;
  }
  fprintf(stderr, "sup_worker: unknown action '%s'\n", what);
  return 2;
}
