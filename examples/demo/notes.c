/* A cell with one granted directory: it can work inside it, and nothing it
 * tries takes it outside. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void attempt(const char *what, const char *path) {
  FILE *file = fopen(path, "r");
  printf("  notes: %-40s %s\n", what, file ? "OPENED (!)" : strerror(errno));
  if (file) fclose(file);
}

int main(void) {
  FILE *note = fopen("/notes/today.txt", "w");
  if (!note) {
    perror("  notes: cannot write in my grant");
    return 1;
  }
  fprintf(note, "cells talk only over channels\n");
  fclose(note);
  DIR *listing = opendir("/notes");
  struct dirent *item;
  printf("  notes: my grant holds:");
  while (listing && (item = readdir(listing)) != NULL)
    if (item->d_name[0] != '.') printf(" %s", item->d_name);
  printf("\n");
  if (listing) closedir(listing);
  symlink("../../../../etc/passwd", "/notes/shortcut");
  attempt("open ../etc/passwd:", "/notes/../etc/passwd");
  attempt("open /etc/passwd:", "/etc/passwd");
  attempt("follow a planted symlink to /etc/passwd:", "/notes/shortcut");
  return 0;
}
