/* SPDX-License-Identifier: Apache-2.0 */
/* Checking a spec is linear in its size: hostile specs of 100,000 keys,
 * items, cells, channels or problems are checked in seconds, where a scan
 * per key (duplicate keys, cell and channel lookups, wiring, listen
 * conflicts, sorting problems) would take minutes. Each check must also
 * give the right answer. The time bound is generous (sanitizer builds on a
 * loaded machine) and far below what a quadratic pass takes.
 *
 *   spec_scale_test GUESTS_DIR */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "spec/spec.h"

#define SECONDS_BOUND 20.0
#define MANY 100000

typedef struct text {
  char *data;
  size_t length, capacity;
} text;

static void add(text *out, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void add(text *out, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int needed = vsnprintf(NULL, 0, format, args);
  va_end(args);
  if (out->length + (size_t)needed + 1 > out->capacity) {
    out->capacity = (out->length + (size_t)needed + 1) * 2;
    out->data = realloc(out->data, out->capacity);
    if (!out->data) abort();
  }
  va_start(args, format);
  vsnprintf(out->data + out->length, out->capacity - out->length, format, args);
  va_end(args);
  out->length += (size_t)needed;
}

static double seconds_since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static const char *guests;

/* Loads text; returns the spec (or NULL) and leaves its problems. */
static spec *load(const char *name, text *spec_text, spec_problems *problems) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.json", guests, name);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  *problems = (spec_problems){0};
  spec *loaded = spec_load_text(spec_text->data, spec_text->length, path, problems);
  double took = seconds_since(&start);
  printf("%s: %zu bytes, %zu problems, %.2f s\n", name, spec_text->length, problems->count, took);
  CHECK(took < SECONDS_BOUND);
  free(spec_text->data);
  *spec_text = (text){0};
  return loaded;
}

static bool has_problem(const spec_problems *problems, const char *path, const char *message) {
  for (size_t i = 0; i < problems->count; i++)
    if (strcmp(problems->items[i].path, path) == 0 && strstr(problems->items[i].message, message))
      return true;
  return false;
}

static void object_of_many_keys(void) {
  text t = {0};
  spec_problems problems;
  add(&t, "{\"cells\": {\"a\": {\"code\": \"hello.wasm\", \"env\": {");
  for (int i = 0; i < MANY; i++) add(&t, "%s\"K%d\": \"v\"", i ? ", " : "", i);
  add(&t, "}}}}");
  spec *loaded = load("keys", &t, &problems);
  CHECK(loaded && loaded->cells[0].env_count == MANY);
  spec_free(loaded);
  spec_problems_free(&problems);
  /* The same with the first key again at the end: found, once. */
  add(&t, "{\"cells\": {\"a\": {\"code\": \"hello.wasm\", \"env\": {");
  for (int i = 0; i < MANY; i++) add(&t, "\"K%d\": \"v\", ", i);
  add(&t, "\"K0\": \"again\"}}}}");
  CHECK(load("duplicate", &t, &problems) == NULL);
  CHECK(problems.count == 1 && has_problem(&problems, "cells.a.env.K0", "duplicate key \"K0\""));
  spec_problems_free(&problems);
}

static void array_of_many_items(void) {
  text t = {0};
  spec_problems problems;
  add(&t, "{\"cells\": {\"a\": {\"code\": \"hello.wasm\", \"args\": [");
  for (int i = 0; i < MANY; i++) add(&t, "%s\"argument %d\"", i ? ", " : "", i);
  add(&t, "]}}}");
  spec *loaded = load("array", &t, &problems);
  CHECK(loaded && loaded->cells[0].arg_count == MANY);
  spec_free(loaded);
  spec_problems_free(&problems);
}

/* 100,000 cells, half of them wired to the other half. */
static void many_cells_and_channels(void) {
  text t = {0};
  spec_problems problems;
  add(&t, "{\"cells\": {");
  for (int i = 0; i < MANY; i++) add(&t, "%s\"c%d\": {\"code\": \"hello.wasm\"}", i ? ", " : "", i);
  add(&t, "}, \"channels\": [");
  for (int i = 0; i < MANY; i += 2)
    add(&t, "%s{\"from\": \"c%d.stdout\", \"to\": \"c%d.stdin\"}", i ? ", " : "", i, i + 1);
  add(&t, "]}");
  spec *loaded = load("cells", &t, &problems);
  CHECK(loaded && loaded->cell_count == MANY && loaded->channel_count == MANY / 2);
  CHECK(loaded && spec_find_cell(loaded, "c99999") == MANY - 1);
  CHECK(loaded && spec_find_channel(loaded, "c99998.stdout->c99999.stdin") == MANY / 2 - 1);
  CHECK(loaded && loaded->cells[1].stdio[0] == STDIO_CHANNEL);
  spec_free(loaded);
  spec_problems_free(&problems);
}

/* One cell with 20,000 ends, wired to another's: every end found by name. */
static void many_ends(void) {
  text t = {0};
  spec_problems problems;
  const int ends = 20000;
  for (int side = 0; side < 2; side++) {
    add(&t, "%s\"%s\": {\"code\": \"hello.wasm\", \"ends\": {", side ? "}}, " : "{\"cells\": {",
        side ? "b" : "a");
    for (int i = 0; i < ends; i++)
      add(&t, "%s\"e%d\": \"%s\"", i ? ", " : "", i, side ? "read" : "write");
  }
  add(&t, "}}}, \"channels\": [");
  for (int i = 0; i < ends; i++)
    add(&t, "%s{\"from\": \"a.e%d\", \"to\": \"b.e%d\"}", i ? ", " : "", i, i);
  add(&t, "]}");
  CHECK(load("ends", &t, &problems) == NULL);
  /* Wired right, but more ends than a cell can hold: that alone. */
  CHECK(problems.count == 2 &&
        has_problem(&problems, "cells.a", "start holding 20003 descriptors"));
  spec_problems_free(&problems);
}

/* Every channel wrong, and 100,000 unknown keys: 300,000 problems, sorted. */
static void many_problems(void) {
  text t = {0};
  spec_problems problems;
  add(&t, "{\"cells\": {\"a\": {\"code\": \"hello.wasm\", \"limits\": {");
  for (int i = 0; i < MANY; i++) add(&t, "%s\"x%d\": 1", i ? ", " : "", i);
  add(&t, "}}}, \"channels\": [");
  for (int i = 0; i < MANY; i++)
    add(&t, "%s{\"from\": \"a.x%d\", \"to\": \"z%d.stdin\"}", i ? ", " : "", i, i);
  add(&t, "]}");
  CHECK(load("problems", &t, &problems) == NULL);
  CHECK(problems.count == 3 * MANY);
  bool sorted = true;
  for (size_t i = 1; i < problems.count; i++) {
    spec_position a = problems.items[i - 1].at, b = problems.items[i].at;
    sorted &= a.line < b.line || (a.line == b.line && a.column <= b.column);
  }
  CHECK(sorted);
  CHECK(has_problem(&problems, "channels[99999].to", "no cell named \"z99999\""));
  spec_problems_free(&problems);
}

/* 20,000 cells listening, each on a port of its own, and a last one
 * whose trigger takes a port already granted. */
static void many_listeners(void) {
  text t = {0};
  spec_problems problems;
  const int cells = 20000;
  add(&t, "{\"cells\": {");
  for (int i = 0; i < cells; i++)
    add(&t,
        "\"c%d\": {\"code\": \"hello.wasm\", \"grants\": {\"listen\": [\"tcp:127.0.0.1:%d\"]}}, "
            "\"t%d\": {\"code\": \"hello.wasm\", \"trigger\": {\"tcp\": \"127.0.0.1:%d\"}}, ",
        i, 1024 + i, i, 30000 + i);
  add(&t, "\"late\": {\"code\": \"hello.wasm\", \"trigger\": {\"tcp\": \"127.0.0.1:1500\"}}}}");
  CHECK(load("listeners", &t, &problems) == NULL);
  CHECK(problems.count == 1 && has_problem(&problems, "cells.c476.grants.listen[0]",
                                           "overlaps the TCP trigger of cell \"late\""));
  spec_problems_free(&problems);
}

/* Lists compared in pairs are refused past what a cell can use. */
static void long_grant_lists(void) {
  text t = {0};
  spec_problems problems;
  add(&t, "{\"cells\": {\"a\": {\"code\": \"hello.wasm\", \"grants\": {\"connect\": [");
  for (int i = 0; i < MANY; i++)
    add(&t, "%s\"tcp:10.0.%d.%d:80\"", i ? ", " : "", i / 250 % 250, i % 250);
  add(&t, "], \"dirs\": [");
  for (int i = 0; i < 5000; i++)
    add(&t, "%s{\"host\": \".\", \"guest\": \"/d%d\"}", i ? ", " : "", i);
  add(&t, "]}}}}");
  CHECK(load("grants", &t, &problems) == NULL);
  CHECK(problems.count == 2);
  CHECK(has_problem(&problems, "cells.a.grants.connect", "100000 rules are more than 1024"));
  CHECK(has_problem(&problems, "cells.a.grants.dirs", "5000 directories are more than a cell"));
  spec_problems_free(&problems);
}

int main(int argc, char **argv) {
  guests = argc > 1 ? argv[1] : ".";
  object_of_many_keys();
  array_of_many_items();
  many_cells_and_channels();
  many_ends();
  many_problems();
  many_listeners();
  long_grant_lists();
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
