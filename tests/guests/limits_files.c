/* SPDX-License-Identifier: Apache-2.0 */
/* Host descriptors are shared fairly (tests/limits.cmake):
 *
 *   limits_files hog DIR N    opens DIR/file up to N times, holding them;
 *                             says how many on stderr, then "go" on stdout;
 *                             then echoes stdin to stderr until it ends
 *   limits_files neighbour DIR  waits for a line on stdin, then opens
 *                             DIR/file and says whether it could on stdout
 *
 * A cell of minos up: the hog's stdout is the neighbour's stdin and back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int hog(const char *path, long most) {
  long held = 0;
  int error = 0;
  while (held < most) {
    if (!fopen(path, "r")) {
      error = errno;
      break;
    }
    held++;
  }
  fprintf(stderr, "hog: holds %ld files%s%s\n", held, error ? ", then " : "",
          error ? strerror(error) : "");
  printf("go\n");
  fflush(stdout);
  fclose(stdout); /* the neighbour's input ends after "go" */
  char line[128];
  while (fgets(line, sizeof line, stdin)) fprintf(stderr, "hog: the neighbour says: %s", line);
  return 0;
}

static int neighbour(const char *path) {
  char line[16];
  if (!fgets(line, sizeof line, stdin)) return 3;
  FILE *file = fopen(path, "r");
  if (file) printf("opened %s\n", path);
  else printf("cannot open %s: %s\n", path, strerror(errno));
  return file ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "hog") == 0) return hog(argv[2], atol(argv[3]));
  if (argc >= 3 && strcmp(argv[1], "neighbour") == 0) return neighbour(argv[2]);
  fprintf(stderr, "usage: limits_files hog PATH N | neighbour PATH\n");
  return 2;
}
