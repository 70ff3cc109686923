/* SPDX-License-Identifier: Apache-2.0 */
/* grep error: the lines of stdin that contain "error". A plain WASI
 * program (a child cell gets no arguments yet, so the word is built in). */
#include <stdio.h>
#include <string.h>

int main(void) {
  char line[4096];
  while (fgets(line, sizeof line, stdin))
    if (strstr(line, "error") && fputs(line, stdout) == EOF) return 1;
  return ferror(stdin) || fflush(stdout) ? 1 : 0;
}
