/* SPDX-License-Identifier: Apache-2.0 */
/* An idle cell for the density experiment (compact_density.c): it does
 * what a small service does before it waits (a heap buffer, a formatted
 * line on its shadow stack), yields twice (the experiment measures while
 * every cell sits in its first yield, as deep in its stack as a cell
 * blocked in a channel read), checks its buffer survived, and exits. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  char line[256];
  char *buffer = malloc(4096);
  if (!buffer) return 1;
  snprintf(line, sizeof line, "%s ready with %d arguments", argv[0], argc);
  memcpy(buffer, line, strlen(line) + 1);
  sched_yield();
  sched_yield();
  int intact = strcmp(buffer, line) == 0;
  free(buffer);
  return intact ? 0 : 1;
}
