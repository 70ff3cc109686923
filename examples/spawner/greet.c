/* SPDX-License-Identifier: Apache-2.0 */
/* A child for the spawner: reads its job from stdin, says hello. */
#include <stdio.h>
#include <string.h>

int main(void) {
  char job[64] = "";
  if (!fgets(job, sizeof job, stdin)) return 1;
  job[strcspn(job, "\n")] = 0;
  printf("hello from a cell, working on %s\n", job);
  return 0;
}
