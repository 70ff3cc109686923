/* SPDX-License-Identifier: Apache-2.0 */
/* Create, run and reap a tiny trapping child CYCLES times. At each
 * checkpoint it prints "checkpoint N" and waits for a line on stdin, so
 * a script (api_density.sh) can sample minos's memory and descriptors
 * while nothing moves; without checkpoints it just runs.
 *
 *   minos run --ro-dir MODULES::/modules api_density.wasm CYCLES [CHECKPOINT...] */
#include "api_common.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: api_density CYCLES [CHECKPOINT...]\n");
    return 64;
  }
  int cycles = atoi(argv[1]);
  uint32_t size;
  unsigned char *code = load_file("/modules/api_trap.wasm", &size);
  minos_arch_spec spec = default_spec();
  int next = 2, ok = 0;
  for (int i = 1; i <= cycles; i++) {
    int32_t cid = cnew_bytes(code, size, &spec);
    minos_cell_status status = {0xdead, 0xdead};
    int32_t rc = cid > 0 ? minos_cwait(cid, &status) : cid;
    if (cid != 1 || rc != 0 || status.fault != MINOS_FAULT_UNREACHABLE) {
      fprintf(stderr, "FAIL cycle %d: cnew %d %s, cwait %d %s, fault %s\n", i, cid,
              status_name(cid), rc, status_name(rc), fault_name(status.fault));
      if (++check_failures > 5) break;
    } else {
      ok++;
    }
    if (next < argc && i == atoi(argv[next])) {
      printf("checkpoint %d\n", i);
      fflush(stdout);
      char line[16];
      if (read(0, line, sizeof line) < 0) fprintf(stderr, "cannot read stdin\n");
      next++;
    }
  }
  check_count = cycles;
  printf("api_density: %d of %d cycles ended in unreachable\n", ok, cycles);
  api_exit("api_density");
}
