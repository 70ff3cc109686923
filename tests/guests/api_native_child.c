/* SPDX-License-Identifier: Apache-2.0 */
/* A wasm cell's native child, from code bytes (cnew of an x86-64 ELF
 * executable): the child is a sandboxed process whose descriptors 0 and 1
 * are the ends its parent passed.
 *
 *   minos run --max-cells 2 api_native_child.wasm hello < native_static_hello
 *     the child prints its greeting into the parent's pipe and exits 0
 *   minos run --max-cells 2 api_native_child.wasm cat < /bin/cat
 *     Debian's cat, dynamically linked, echoes what the parent writes
 *   minos run --max-cells 2 api_native_child.wasm mismatch < native_static_hello
 *     the same bytes with the spec's arch saying wasm: MINOS_EMODULE */
#include <stdbool.h>

#include "api_common.h"

/* Starts the child with a pipe for its stdin and one for its stdout;
 * writes `input` (then the end of it), and reads all it writes. */
static int32_t run_child(int32_t cid, const char *input, char *output, uint32_t size) {
  int32_t in[2], out[2];
  REQUIRE(minos_pipe(0, in) == 0 && minos_pipe(0, out) == 0);
  CHECK_EQ(minos_rpass(in[1], cid), 0);
  CHECK_EQ(minos_wpass(out[0], cid), 1);
  CHECK_EQ(minos_cstart(cid), 0);
  if (input) CHECK_EQ(write_all(in[0], input, (uint32_t)strlen(input)), (int32_t)strlen(input));
  CHECK_EQ(minos_wclose(in[0]), 0);
  int32_t got = read_all(out[1], output, size - 1);
  output[got > 0 ? got : 0] = '\0';
  CHECK_EQ(minos_rclose(out[1]), 0);
  return got;
}

int main(int argc, char **argv) {
  if (argc != 2) return 64;
  uint32_t size;
  unsigned char *code = load_stdin(&size);
  minos_arch_spec spec = default_spec();
  spec.arch = MINOS_ARCH_NATIVE;
  minos_cell_status status = {0xdead, 0xdead};
  char output[256];
  if (strcmp(argv[1], "mismatch") == 0) {
    spec.arch = MINOS_ARCH_WASM;
    CHECK_ERR(cnew_bytes(code, size, &spec), MINOS_EMODULE);
  } else {
    int32_t cid = cnew_bytes(code, size, &spec);
    CHECK_EQ(cid, 1);
    bool cat = strcmp(argv[1], "cat") == 0;
    run_child(cid, cat ? "meow from a wasm parent\n" : NULL, output, sizeof output);
    printf("child wrote: %s", output);
    CHECK_EQ(strcmp(output, cat ? "meow from a wasm parent\n"
                                : "hello from a static native program\n"),
             0);
    CHECK_EQ(minos_cwait(cid, &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  }
  char name[64];
  snprintf(name, sizeof name, "api_native_child %s", argv[1]);
  api_exit(name);
}
