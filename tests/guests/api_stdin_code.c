/* SPDX-License-Identifier: Apache-2.0 */
/* A child's code from the parent's stdin.
 *
 *   minos run api_stdin_code.wasm direct < api_exit.wasm
 *     cnew straight from fd 0 (stdin is a channel end): the child exits 7
 *   minos run api_stdin_code.wasm copy < api_child.wasm
 *     read stdin through WASI, pipe it to cnew, run "exit 42" */
#include "api_common.h"

int main(int argc, char **argv) {
  if (argc != 2) return 64;
  minos_arch_spec spec = default_spec();
  minos_cell_status status = {0xdead, 0xdead};
  if (strcmp(argv[1], "direct") == 0) {
    int32_t cid = minos_cnew(0, &spec, sizeof spec);
    CHECK_EQ(cid, 1);
    CHECK_EQ(minos_cwait(cid, &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 7);
    char c;
    int32_t from, in = 0;
    /* cnew consumed and closed stdin. */
    CHECK_ERR(minos_try_read(&in, 1, &c, 1, &from), MINOS_EBADF);
  } else {
    uint32_t size;
    unsigned char *code = load_stdin(&size);
    printf("read %u bytes of code from stdin\n", size);
    CHECK(size > 1000);
    struct child c = child_new(code, size, &spec, "exit 42");
    CHECK_EQ(c.cid, 1);
    CHECK_EQ(minos_wclose(c.in), 0);
    CHECK_EQ(minos_cwait(c.cid, &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 42);
  }
  char name[64];
  snprintf(name, sizeof name, "api_stdin_code %s", argv[1]);
  api_exit(name);
}
