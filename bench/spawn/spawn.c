/* SPDX-License-Identifier: Apache-2.0 */
/* The measuring cell of bench/spawn:
 *
 *   minos run --ro-dir WASM_DIR::/guests bench_spawn.wasm PLACEMENT SECONDS
 *
 * Keeps the code of /guests/bench_spawn_child.wasm (a program that returns
 * 0) in memory and, for about SECONDS after a warm-up, creates a cell from
 * it, starts it, and reaps it, checking that it exited with 0. Works in
 * batches of BATCH: first the code channels of the batch (pipe just big
 * enough, write the bytes, wclose), timed as "transfer", then for each
 * channel cnew + cstart + cwait, timed as "create". Prints
 *   spawns=<n> transfer_ns=<total> create_ns=<total>
 * Batching keeps clock reads out of the loops (a clock read is a host
 * call, not free). */
#include "../common/guest.h"

#define BATCH 64

static unsigned char *code;
static uint32_t code_size;

/* One batch; adds its times to *transfer and *create. */
static void batch(uint32_t placement, uint64_t *transfer, uint64_t *create) {
  int32_t channels[BATCH];
  minos_arch_spec spec = bench_spec(placement);
  uint64_t t0 = now_ns();
  for (int i = 0; i < BATCH; i++) channels[i] = bench_code_channel(code, code_size);
  uint64_t t1 = now_ns();
  for (int i = 0; i < BATCH; i++) {
    int32_t cid = minos_cnew(channels[i], &spec, sizeof spec);
    if (cid <= 0) bench_fail("cnew", cid);
    int32_t rc = minos_cstart(cid);
    if (rc != 0) bench_fail("cstart", rc);
    minos_cell_status status;
    rc = minos_cwait(cid, &status);
    if (rc != 0) bench_fail("cwait", rc);
    if (status.fault != MINOS_FAULT_NONE || status.exit_code != 0)
      bench_fail("child failed (fault, exit)", (long long)status.fault * 1000 + status.exit_code);
  }
  uint64_t t2 = now_ns();
  *transfer += t1 - t0;
  *create += t2 - t1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_spawn.wasm same|other|any SECONDS\n");
    return 2;
  }
  uint32_t placement = bench_placement(argv[1]);
  double seconds = atof(argv[2]);
  code = bench_load_file("/guests/bench_spawn_child.wasm", &code_size);

  uint64_t transfer = 0, create = 0, spawns = 0;
  for (int i = 0; i < 4; i++) batch(placement, &transfer, &create); /* warm-up */
  transfer = create = 0;
  uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
  do {
    batch(placement, &transfer, &create);
    spawns += BATCH;
  } while (now_ns() < deadline);
  printf("spawns=%llu transfer_ns=%llu create_ns=%llu\n", (unsigned long long)spawns,
         (unsigned long long)transfer, (unsigned long long)create);
  return 0;
}
