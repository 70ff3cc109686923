/* SPDX-License-Identifier: Apache-2.0 */
/* The list of problems found in a spec, and how they are printed: one a
 * line, "FILE:LINE:COLUMN: PATH: MESSAGE", as compilers do, so editors
 * and terminals can jump to them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "spec/spec_private.h"

#define PATH_MAX_SHOWN 1024

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

typedef struct sort_entry {
  spec_position at;
  size_t order; /* as found: problems at one place stay in that order */
} sort_entry;

static int compare_entries(const void *a_entry, const void *b_entry) {
  const sort_entry *a = a_entry, *b = b_entry;
  if (a->at.line != b->at.line) return a->at.line < b->at.line ? -1 : 1;
  if (a->at.column != b->at.column) return a->at.column < b->at.column ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

/* In the order of the text, as a reader goes through it; stable, and
 * n log n however many problems a hostile spec has. */
void spec_problems_sort(spec_problems *problems) {
  size_t count = problems->count;
  if (count < 2) return;
  sort_entry *entries = malloc(count * sizeof *entries);
  spec_problem *sorted = malloc(count * sizeof *sorted);
  for (size_t i = 0; entries && sorted && i < count; i++)
    entries[i] = (sort_entry){problems->items[i].at, i};
  if (entries && sorted) {
    qsort(entries, count, sizeof *entries, compare_entries);
    for (size_t i = 0; i < count; i++) sorted[i] = problems->items[entries[i].order];
    free(problems->items);
    problems->items = sorted;
    problems->capacity = count;
    sorted = NULL;
  }
  free(entries);
  free(sorted);
}

/* Paths and messages quote the spec's own text: printed escaped, so that
 * no spec can drive the terminal of whoever checks it. */
void spec_problems_print(const spec_problems *problems, const char *path, void *out_file) {
  FILE *out = out_file;
  char file[4 * PATH_MAX_SHOWN], where[4 * sizeof problems->items->path],
      message[4 * sizeof problems->items->message];
  escape_string(file, sizeof file, path);
  for (size_t i = 0; i < problems->count; i++) {
    const spec_problem *problem = &problems->items[i];
    escape_string(where, sizeof where, problem->path);
    escape_string(message, sizeof message, problem->message);
    if (problem->at.line)
      fprintf(out, "%s:%u:%u: %s: %s\n", file, problem->at.line, problem->at.column, where,
              message);
    else
      fprintf(out, "%s: %s: %s\n", file, where, message);
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
