/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the spec parser and checker (minos check), on arbitrary
 * bytes; no cell is started. It checks that spec_load_text never crashes,
 * leaks or reads out of bounds, that it returns a spec exactly when it
 * reports no problem, and that every problem has a message and a
 * position inside the text (or none: 0:0). Relative code and directory
 * paths resolve against MINOS_FUZZ_SPEC_DIR (the build's guests, by
 * default), so specs that name real modules reach the code checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const spec_problem *problem) {
  fprintf(stderr, "fuzz_spec: %s\n", what);
  if (problem)
    fprintf(stderr, "  %s at %u:%u: %s\n", problem->path, problem->at.line, problem->at.column,
            problem->message);
  abort();
}

/* 1 + the number of newlines: the last line a position may name. */
static unsigned line_count(const char *text, size_t size) {
  unsigned lines = 1;
  for (size_t i = 0; i < size; i++) lines += text[i] == '\n';
  return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[4096];
  if (!path[0]) {
    const char *directory = getenv("MINOS_FUZZ_SPEC_DIR");
    snprintf(path, sizeof path, "%s/fuzz.json", directory ? directory : FUZZ_SPEC_DIR);
  }
  /* As spec_read_file gives it: NUL-terminated after `size` bytes. */
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  spec_problems problems = {0};
  spec *loaded = spec_load_text(text, size, path, &problems);
  if (loaded && problems.count) fail("a spec with problems was accepted", &problems.items[0]);
  if (!loaded && !problems.count) fail("a spec was refused without a problem", NULL);
  unsigned lines = line_count(text, size);
  for (size_t i = 0; i < problems.count; i++) {
    const spec_problem *problem = &problems.items[i];
    if (!memchr(problem->message, '\0', sizeof problem->message) || !problem->message[0])
      fail("a problem without a message", problem);
    if (!memchr(problem->path, '\0', sizeof problem->path)) fail("a problem's path is not terminated", problem);
    if (problem->at.line > lines) fail("a problem's line is past the end of the text", problem);
  }
  spec_free(loaded);
  spec_problems_free(&problems);
  free(text);
  return 0;
}
