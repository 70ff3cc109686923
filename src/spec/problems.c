/* The list of problems found in a spec, and how they are printed: one a
 * line, "FILE:LINE:COLUMN: PATH: MESSAGE", as compilers do, so editors
 * and terminals can jump to them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec_private.h"

void spec_problem_add(spec_problems *problems, const char *path, spec_position at,
                      const char *format, ...) {
  if (problems->count == problems->capacity) {
    size_t capacity = problems->capacity ? problems->capacity * 2 : 16;
    spec_problem *grown = realloc(problems->items, capacity * sizeof *grown);
    if (!grown) return; /* the problems found so far still say the spec is bad */
    problems->items = grown;
    problems->capacity = capacity;
  }
  spec_problem *problem = &problems->items[problems->count++];
  snprintf(problem->path, sizeof problem->path, "%s", path && *path ? path : "(spec)");
  problem->at = at;
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(problem->message, sizeof problem->message, format, arguments);
  va_end(arguments);
}

static bool comes_after(const spec_problem *a, const spec_problem *b) {
  if (a->at.line != b->at.line) return a->at.line > b->at.line;
  return a->at.column > b->at.column;
}

/* In the order of the text, as a reader goes through it. Insertion sort
 * is stable: problems at one place stay in the order they were found. */
void spec_problems_sort(spec_problems *problems) {
  for (size_t i = 1; i < problems->count; i++) {
    spec_problem moving = problems->items[i];
    size_t j = i;
    for (; j > 0 && comes_after(&problems->items[j - 1], &moving); j--)
      problems->items[j] = problems->items[j - 1];
    problems->items[j] = moving;
  }
}

void spec_problems_print(const spec_problems *problems, const char *path, void *out_file) {
  FILE *out = out_file;
  for (size_t i = 0; i < problems->count; i++) {
    const spec_problem *problem = &problems->items[i];
    if (problem->at.line)
      fprintf(out, "%s:%u:%u: %s: %s\n", path, problem->at.line, problem->at.column,
              problem->path, problem->message);
    else
      fprintf(out, "%s: %s: %s\n", path, problem->path, problem->message);
  }
  fflush(out);
}

void spec_problems_free(spec_problems *problems) {
  free(problems->items);
  *problems = (spec_problems){0};
}

void spec_path_key(char *out, const char *path, const char *key) {
  snprintf(out, SPEC_PATH_SIZE, "%s%s%s", path, *path && *key ? "." : "", key);
}

void spec_path_index(char *out, const char *path, size_t index) {
  snprintf(out, SPEC_PATH_SIZE, "%s[%zu]", path, index);
}
