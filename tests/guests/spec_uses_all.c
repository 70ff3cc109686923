/* SPDX-License-Identifier: Apache-2.0 */
/* Imports functions that need three different grants: the clock, random
 * and a directory. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  struct timespec now;
  unsigned char byte = 0;
  clock_gettime(CLOCK_REALTIME, &now);
  getentropy(&byte, 1);
  FILE *file = fopen("/data/file", "r");
  if (file) fclose(file);
  return byte & 1;
}
