/* SPDX-License-Identifier: Apache-2.0 */
/* The embedding API end to end, from a host program linked against the
 * shared libminos: a cell fed and drained through host channel ends, a
 * trap reported as its fault, a wait that times out, a kill, a module
 * refused with a reason. Usage: embed_test GUESTS_DIR */
#include <minos_host.h>

#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(condition)                                                     \
  do {                                                                       \
    if (!(condition)) {                                                      \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #condition);            \
      failures++;                                                            \
    }                                                                        \
  } while (0)

static char path[4096];
static const char *guest(const char *directory, const char *name) {
  snprintf(path, sizeof path, "%s/%s", directory, name);
  return path;
}

static void echo_through_cat(minos_runtime *runtime, const char *guests) {
  minos_end *in_w, *in_r, *out_w, *out_r;
  CHECK(minos_pipe_new(0, &in_w, &in_r) == MINOS_OK);
  CHECK(minos_pipe_new(0, &out_w, &out_r) == MINOS_OK);
  static const char *const args[] = {"cat"};
  minos_cell_options options = {.size = sizeof options, .name = "cat",
                                .module_path = guest(guests, "wasi_cat.wasm"),
                                .args = args, .arg_count = 1, .stdio = {in_r, out_w, NULL}};
  minos_cell *cat;
  char error[256];
  CHECK(minos_cell_new(runtime, &options, &cat, error, sizeof error) == MINOS_OK);
  static const char text[] = "untrusted input\n";
  CHECK(minos_end_write(in_w, text, sizeof text - 1, MINOS_WAIT_FOREVER) == sizeof text - 1);
  minos_end_close(in_w);
  char back[64] = {0};
  int64_t got, total = 0;
  while ((got = minos_end_read(out_r, back + total, sizeof back - 1 - (size_t)total,
                               MINOS_WAIT_FOREVER)) > 0)
    total += got;
  CHECK(got == 0);
  CHECK(strcmp(back, text) == 0);
  minos_cell_status status;
  CHECK(minos_cell_wait(cat, MINOS_WAIT_FOREVER, &status) == MINOS_OK);
  CHECK(status.fault == MINOS_FAULT_NONE && status.exit_code == 0);
  minos_end_close(out_r);
  minos_cell_free(cat);
}

static void trap_is_contained(minos_runtime *runtime, const char *guests) {
  static const char *const args[] = {"traps", "unreachable"};
  minos_cell_options options = {.size = sizeof options,
                                .module_path = guest(guests, "traps.wasm"), .args = args,
                                .arg_count = 2};
  minos_cell *traps;
  CHECK(minos_cell_new(runtime, &options, &traps, NULL, 0) == MINOS_OK);
  minos_cell_status status;
  CHECK(minos_cell_wait(traps, MINOS_WAIT_FOREVER, &status) == MINOS_OK);
  CHECK(status.fault == MINOS_FAULT_UNREACHABLE);
  CHECK(strcmp(minos_fault_text(status.fault), "unreachable") == 0);
  minos_cell_free(traps);
}

static void wait_times_out_and_kill_ends(minos_runtime *runtime, const char *guests) {
  minos_end *in_w, *in_r;
  CHECK(minos_pipe_new(0, &in_w, &in_r) == MINOS_OK);
  minos_cell_options options = {.size = sizeof options,
                                .module_path = guest(guests, "wasi_cat.wasm"),
                                .stdio = {in_r, NULL, NULL}};
  minos_cell *cat;
  CHECK(minos_cell_new(runtime, &options, &cat, NULL, 0) == MINOS_OK);
  minos_cell_status status;
  CHECK(minos_cell_wait(cat, 20 * 1000 * 1000, &status) == MINOS_ETIMEDOUT);
  minos_cell_kill(cat);
  CHECK(minos_cell_wait(cat, MINOS_WAIT_FOREVER, &status) == MINOS_OK);
  CHECK(status.fault == MINOS_FAULT_KILLED);
  /* Its stdin's reader is gone with it. */
  CHECK(minos_end_write(in_w, "x", 1, MINOS_NO_WAIT) == -MINOS_ECLOSED);
  minos_end_close(in_w);
  minos_cell_free(cat);
}

static void bad_module_refused(minos_runtime *runtime) {
  static const uint8_t junk[] = "#!/bin/sh\necho not a module\n";
  minos_cell_options options = {.size = sizeof options, .name = "junk", .module_bytes = junk,
                                .module_size = sizeof junk};
  minos_cell *cell = NULL;
  char error[256] = "";
  CHECK(minos_cell_new(runtime, &options, &cell, error, sizeof error) == MINOS_EMODULE);
  CHECK(error[0] != '\0');
  CHECK(cell == NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: embed_test GUESTS_DIR\n");
    return 2;
  }
  minos_runtime *runtime;
  CHECK(minos_runtime_new(0, &runtime) == MINOS_OK);
  echo_through_cat(runtime, argv[1]);
  trap_is_contained(runtime, argv[1]);
  wait_times_out_and_kill_ends(runtime, argv[1]);
  bad_module_refused(runtime);
  minos_runtime_free(runtime);
  printf("embed_test: %s\n", failures ? "FAILED" : "all checks passed");
  return failures ? 1 : 0;
}
