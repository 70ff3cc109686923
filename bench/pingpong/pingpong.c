/* SPDX-License-Identifier: Apache-2.0 */
/* The measuring cell of bench/pingpong:
 *
 *   minos run --ro-dir WASM_DIR::/guests bench_pingpong.wasm PLACEMENT SECONDS
 *
 * cnews /guests/bench_pingpong_echo.wasm with PLACEMENT (same: the same
 * worker as this cell, other: another worker), gives it a channel in (its
 * fd 0) and one out (its fd 1), and sends one byte at a time, waiting for
 * each to come back, for about SECONDS after a warm-up. Prints
 *   round_trips=<n> ns=<total>
 * (no cycle counter in wasm: the runner converts with the native TSC rate). */
#include "../common/guest.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_pingpong.wasm same|other SECONDS\n");
    return 2;
  }
  uint32_t placement = bench_placement(argv[1]);
  double seconds = atof(argv[2]);

  uint32_t size;
  unsigned char *code = bench_load_file("/guests/bench_pingpong_echo.wasm", &size);
  int32_t cid = bench_cnew(code, size, placement);
  free(code);
  int32_t to_child[2], from_child[2];
  if (minos_pipe(0, to_child) != 0 || minos_pipe(0, from_child) != 0) bench_fail("pipe", 0);
  int32_t rc;
  if ((rc = minos_rpass(to_child[1], cid)) != 0) bench_fail("rpass", rc);
  if ((rc = minos_wpass(from_child[0], cid)) != 1) bench_fail("wpass", rc);
  if ((rc = minos_cstart(cid)) != 0) bench_fail("cstart", rc);

  int32_t out = to_child[0], in = from_child[1], from;
  char c = 'x';
#define ROUND_TRIP()                                                   \
  do {                                                                 \
    if ((rc = minos_write(out, &c, 1)) != 1) bench_fail("write", rc);  \
    if ((rc = minos_read(&in, 1, &c, 1, &from)) != 1) bench_fail("read", rc); \
  } while (0)

  for (int i = 0; i < 10000; i++) ROUND_TRIP();
  uint64_t start = now_ns();
  uint64_t deadline = start + (uint64_t)(seconds * 1e9), end;
  uint64_t round_trips = 0;
  do {
    for (int i = 0; i < 1024; i++) ROUND_TRIP();
    round_trips += 1024;
    end = now_ns();
  } while (end < deadline);

  minos_wclose(out);
  minos_cell_status status;
  if ((rc = minos_cwait(cid, &status)) != 0) bench_fail("cwait", rc);
  if (status.fault != MINOS_FAULT_NONE || status.exit_code != 0)
    bench_fail("echo cell failed (fault, exit)", (long long)status.fault * 1000 + status.exit_code);
  printf("round_trips=%llu ns=%llu\n", (unsigned long long)round_trips,
         (unsigned long long)(end - start));
  return 0;
}
