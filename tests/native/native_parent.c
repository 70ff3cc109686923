/* A native cell that creates a cell through libminos-guest.a, the guest
 * API for native programs, from the code on its stdin:
 *   native_parent wasm|native
 * runs the child with a pipe for its stdin (closed at once) and one for
 * its stdout, and prints "child wrote: ..." and "child ended: fault F
 * exit E", or "cnew: -STATUS" when it may not create cells. */
#include <minos.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 2) return 64;
  minos_arch_spec spec = {.size = sizeof spec,
                          .arch = strcmp(argv[1], "native") == 0 ? MINOS_ARCH_NATIVE
                                                                 : MINOS_ARCH_WASM};
  int32_t cid = minos_cnew(0, &spec, sizeof spec);
  if (cid < 0) {
    printf("cnew: %d\n", cid);
    return 0;
  }
  int32_t in[2], out[2];
  if (minos_pipe(0, in) != 0 || minos_pipe(0, out) != 0) return 1;
  int32_t child_in = minos_rpass(in[1], cid);
  int32_t child_out = minos_wpass(out[0], cid);
  printf("passed as %d and %d\n", child_in, child_out);
  if (minos_cstart(cid) != 0 || minos_wclose(in[0]) != 0) return 2;
  char output[256];
  int32_t used = 0, got, from;
  while (used < (int32_t)sizeof output - 1 &&
         (got = minos_read(&out[1], 1, output + used, sizeof output - 1 - (uint32_t)used, &from)) > 0)
    used += got;
  output[used] = '\0';
  printf("child wrote: %s", output);
  minos_cell_status status;
  int32_t waited = minos_cwait(cid, &status);
  printf("child ended: %d fault %u exit %u\n", waited, status.fault, status.exit_code);
  printf("again: %d\n", minos_cwait(cid, &status)); /* forgotten: MINOS_EBADF */
  return 0;
}
