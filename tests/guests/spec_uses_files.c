/* SPDX-License-Identifier: Apache-2.0 */
/* Imports wasi path_open: a spec must grant it a directory. */
#include <stdio.h>

int main(int argc, char **argv) {
  FILE *file = fopen(argc > 1 ? argv[1] : "/data/file", "r");
  if (file) fclose(file);
  return file ? 0 : 1;
}
