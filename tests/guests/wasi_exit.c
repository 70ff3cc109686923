/* SPDX-License-Identifier: Apache-2.0 */
/* proc_exit ends the cell at once with its code, from any depth, after
 * libc has flushed stdout; code after it never runs. */
#include <stdlib.h>

#include <stdio.h>
#include <wasi/api.h>

static void __attribute__((noinline)) leave(int depth, int code) {
  if (depth > 0) leave(depth - 1, code);
  printf("leaving with %d\n", code);
  exit(code);
}

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  if (argc > 2) {
    __wasi_proc_exit((__wasi_exitcode_t)code); /* raw: no flush, nothing printed */
  }
  leave(50, code);
  printf("after exit\n");
  return 99;
}
