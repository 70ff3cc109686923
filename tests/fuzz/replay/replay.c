/* SPDX-License-Identifier: Apache-2.0 */
/* Runs a fuzz target (one of tests/fuzz) on files, without libFuzzer: how
 * builds other than the clang fuzzing one run the committed corpus and
 * regression inputs. Each argument is a file or a directory of files (not
 * recursive, in name order). Exit 0 when every input ran; a failing input
 * aborts, as under libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional, as for libFuzzer. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return 0;
  }
  size_t size = 0, capacity = 4096;
  uint8_t *data = malloc(capacity);
  size_t got;
  while (data && (got = fread(data + size, 1, capacity - size, file)) > 0) {
    size += got;
    if (size == capacity) data = realloc(data, capacity *= 2);
  }
  fclose(file);
  if (!data) return 0;
  LLVMFuzzerTestOneInput(data, size);
  free(data);
  return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv) {
  size_t ran = 0;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    struct stat status;
    if (stat(argv[i], &status) != 0) {
      fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR(status.st_mode)) {
      if (!run_file(argv[i])) return 1;
      ran++;
      continue;
    }
    struct dirent **entries;
    int count = scandir(argv[i], &entries, NULL, by_name);
    if (count < 0) return 1;
    for (int j = 0; j < count; j++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[i], entries[j]->d_name);
      if (entries[j]->d_name[0] != '.' && stat(path, &status) == 0 && S_ISREG(status.st_mode)) {
        if (!run_file(path)) return 1;
        ran++;
      }
      free(entries[j]);
    }
    free(entries);
  }
  printf("replay: %zu inputs ran\n", ran);
  return 0;
}
