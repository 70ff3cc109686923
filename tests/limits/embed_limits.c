/* SPDX-License-Identifier: Apache-2.0 */
/* libminos's limits (tests/limits.cmake): options that cannot be honoured
 * are refused, and a 0 means a documented default, never "no limit": a
 * cell given no memory limit gets 64 MiB. A wall-clock timeout ends a
 * cell whether it spins or waits; the runtime's cell cap holds. Usage:
 * embed_limits GUESTS_DIR */
#include <minos_host.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(condition)                                                     \
  do {                                                                       \
    if (!(condition)) {                                                      \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #condition);            \
      failures++;                                                            \
    }                                                                        \
  } while (0)

static char child_path[4096];

/* minos_cell_new with these options and a fresh stdin, which it refuses;
 * it takes the stdin over (closes it) unless it could not read the options
 * at all (no size). */
static minos_status try_options(minos_runtime *runtime, minos_cell_options options,
                                char *error, size_t error_size) {
  minos_end *in_w, *in_r;
  if (minos_pipe_new(0, &in_w, &in_r) != MINOS_OK) abort();
  options.module_path = child_path;
  options.stdio[0] = in_r;
  minos_cell *cell = NULL;
  minos_status status = minos_cell_new(runtime, &options, &cell, error, error_size);
  CHECK(status != MINOS_OK); /* these are all refused */
  int64_t wrote = minos_end_write(in_w, "x", 1, MINOS_NO_WAIT);
  CHECK(options.size ? wrote == -MINOS_ECLOSED : wrote == 1);
  if (!options.size) minos_end_close(in_r);
  minos_end_close(in_w);
  if (cell) minos_cell_free(cell);
  return status;
}

static void refusals(minos_runtime *runtime) {
  char error[256];
  minos_cell_options options = {0};
  CHECK(try_options(runtime, options, error, sizeof error) == MINOS_EINVAL);
  CHECK(strstr(error, "size") != NULL);
  options.size = sizeof options;
  options.memory_bytes = 1024;
  CHECK(try_options(runtime, options, error, sizeof error) == MINOS_EINVAL);
  CHECK(strstr(error, "64 KiB") != NULL);
  options.memory_bytes = 0;
  options.descriptors = 2;
  CHECK(try_options(runtime, options, error, sizeof error) == MINOS_EINVAL);
  CHECK(strstr(error, "descriptors") != NULL);
}

/* No memory limit given: 64 MiB, for all the child tries to hold. */
static void default_memory(minos_runtime *runtime) {
  minos_end *in_w, *in_r, *out_w, *out_r;
  CHECK(minos_pipe_new(0, &in_w, &in_r) == MINOS_OK);
  CHECK(minos_pipe_new(0, &out_w, &out_r) == MINOS_OK);
  minos_cell_options options = {.size = sizeof options, .name = "grab",
                                .module_path = child_path, .stdio = {in_r, out_w, NULL}};
  minos_cell *cell;
  char error[256];
  CHECK(minos_cell_new(runtime, &options, &cell, error, sizeof error) == MINOS_OK);
  CHECK(minos_end_write(in_w, "grab\n", 5, MINOS_WAIT_FOREVER) == 5);
  char line[32] = {0};
  int64_t got, total = 0;
  while (total < (int64_t)sizeof line - 1 &&
         (got = minos_end_read(out_r, line + total, sizeof line - 1 - (size_t)total,
                               MINOS_WAIT_FOREVER)) > 0) {
    total += got;
    if (strchr(line, '\n')) break;
  }
  long held = strtol(line, NULL, 10);
  printf("a cell with the default memory limit holds %ld KiB\n", held);
  CHECK(held >= 32768 && held < 65536);
  minos_end_close(in_w);
  minos_cell_status status;
  CHECK(minos_cell_wait(cell, MINOS_WAIT_FOREVER, &status) == MINOS_OK);
  CHECK(status.fault == MINOS_FAULT_NONE && status.exit_code == 0);
  minos_cell_free(cell);
  minos_end_close(out_r);
}

/* A cell told `command`, its stdin kept open (so "wait" waits), under
 * these options; NULL if it could not start, with why in error. */
static minos_cell *start(minos_runtime *runtime, minos_cell_options options,
                         const char *command, minos_end **stdin_write, char *error,
                         size_t error_size) {
  minos_end *in_r;
  if (minos_pipe_new(0, stdin_write, &in_r) != MINOS_OK) abort();
  options.size = sizeof options;
  options.module_path = child_path;
  options.stdio[0] = in_r;
  minos_cell *cell = NULL;
  if (minos_cell_new(runtime, &options, &cell, error, error_size) != MINOS_OK) return NULL;
  CHECK(minos_end_write(*stdin_write, command, strlen(command), MINOS_WAIT_FOREVER) ==
        (int64_t)strlen(command));
  return cell;
}

static void wall_timeout(minos_runtime *runtime, const char *command) {
  minos_end *in_w;
  char error[256] = "";
  minos_cell_options options = {.name = "timed", .timeout_ns = 200000000};
  minos_cell *cell = start(runtime, options, command, &in_w, error, sizeof error);
  CHECK(cell != NULL);
  if (!cell) return;
  minos_cell_status status;
  /* Generous: the deadline is 200 ms; a loaded machine may be slow to end it. */
  CHECK(minos_cell_wait(cell, 30000000000, &status) == MINOS_OK);
  printf("a cell told '%.4s' under a 200 ms timeout ended: %s\n", command,
         minos_fault_text(status.fault));
  CHECK(status.fault == MINOS_FAULT_TIMEOUT);
  minos_cell_free(cell);
  minos_end_close(in_w);
}

/* A timed cell freed before its deadline leaves the watchdog nothing to
 * touch: under ASan, a use after free would show here. */
static void timeout_after_free(minos_runtime *runtime) {
  minos_end *in_w;
  char error[256] = "";
  minos_cell_options options = {.name = "freed", .timeout_ns = 50000000};
  minos_cell *cell = start(runtime, options, "wait\n", &in_w, error, sizeof error);
  CHECK(cell != NULL);
  if (cell) minos_cell_free(cell);
  minos_end_close(in_w);
  minos_end *other_w;
  minos_cell *other = start(runtime, (minos_cell_options){.name = "after"}, "wait\n", &other_w,
                            error, sizeof error);
  CHECK(other != NULL);
  minos_cell_status status;
  if (other) CHECK(minos_cell_wait(other, 200000000, &status) == MINOS_ETIMEDOUT);
  minos_end_close(other_w);
  if (other) {
    CHECK(minos_cell_wait(other, MINOS_WAIT_FOREVER, &status) == MINOS_OK);
    CHECK(status.fault == MINOS_FAULT_NONE);
    minos_cell_free(other);
  }
}

static void runtime_cell_cap(void) {
  minos_runtime *runtime;
  if (minos_runtime_new(1, &runtime) != MINOS_OK) abort();
  CHECK(minos_runtime_set_max_cells(runtime, 0) == MINOS_EINVAL);
  CHECK(minos_runtime_set_max_cells(runtime, 1) == MINOS_OK);
  minos_end *first_w, *second_w;
  char error[256] = "";
  minos_cell *first = start(runtime, (minos_cell_options){.name = "one"}, "wait\n", &first_w,
                            error, sizeof error);
  CHECK(first != NULL);
  minos_cell *second = start(runtime, (minos_cell_options){.name = "two"}, "wait\n",
                             &second_w, error, sizeof error);
  printf("a second cell under a cap of one: %s\n", second ? "started" : error);
  CHECK(second == NULL);
  minos_end_close(first_w);
  minos_end_close(second_w);
  if (second) minos_cell_free(second);
  if (first) minos_cell_free(first);
  minos_runtime_free(runtime);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: embed_limits GUESTS_DIR\n");
    return 2;
  }
  snprintf(child_path, sizeof child_path, "%s/limits_child.wasm", argv[1]);
  minos_runtime *runtime;
  if (minos_runtime_new(0, &runtime) != MINOS_OK) return 1;
  refusals(runtime);
  default_memory(runtime);
  wall_timeout(runtime, "spin\n");
  wall_timeout(runtime, "wait\n");
  timeout_after_free(runtime);
  minos_runtime_free(runtime);
  runtime_cell_cap();
  if (failures) return 1;
  printf("embed_limits: all checks passed\n");
  return 0;
}
