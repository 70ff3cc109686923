/* SPDX-License-Identifier: Apache-2.0 */
/* The reading cell of bench/stream:
 *
 *   minos run --ro-dir WASM_DIR::/guests bench_stream.wasm \
 *             PLACEMENT CAPACITY WRITE_SIZE MAX_BYTES SECONDS
 *
 * cnews /guests/bench_stream_writer.wasm with PLACEMENT (same or other
 * worker), gives it a channel of CAPACITY bytes (0: the default) to write
 * into, WRITE_SIZE bytes per write, and reads it with a buffer of
 * WRITE_SIZE bytes. After a 16 MiB warm-up, times until MAX_BYTES have
 * come or SECONDS have passed, then closes its end (the writer sees
 * ECLOSED and exits) and reaps the writer. Prints
 *   bytes=<n> ns=<total> */
#include "../common/guest.h"

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr,
            "usage: bench_stream.wasm same|other CAPACITY WRITE_SIZE MAX_BYTES SECONDS\n");
    return 2;
  }
  uint32_t placement = bench_placement(argv[1]);
  uint32_t capacity = (uint32_t)strtoul(argv[2], NULL, 0);
  uint32_t write_size = (uint32_t)strtoul(argv[3], NULL, 0);
  uint64_t max_bytes = strtoull(argv[4], NULL, 0);
  double seconds = atof(argv[5]);

  uint32_t size;
  unsigned char *code = bench_load_file("/guests/bench_stream_writer.wasm", &size);
  int32_t cid = bench_cnew(code, size, placement);
  free(code);
  int32_t control[2], data[2], rc;
  if ((rc = minos_pipe(0, control)) != 0) bench_fail("pipe", rc);
  if ((rc = minos_pipe(capacity, data)) != 0) bench_fail("pipe of the given capacity", rc);
  if ((rc = minos_rpass(control[1], cid)) != 0) bench_fail("rpass", rc);
  if ((rc = minos_wpass(data[0], cid)) != 1) bench_fail("wpass", rc);
  if ((rc = bench_write_all(control[0], &write_size, sizeof write_size)) != 0)
    bench_fail("write", rc);
  minos_wclose(control[0]);
  if ((rc = minos_cstart(cid)) != 0) bench_fail("cstart", rc);

  unsigned char *buffer = malloc(write_size);
  if (!buffer) bench_fail("out of memory", write_size);
  int32_t in = data[1], from;
  uint64_t bytes = 0;
  while (bytes < 16u << 20) {
    int32_t n = minos_read(&in, 1, buffer, write_size, &from);
    if (n <= 0) bench_fail("read", n);
    bytes += (uint32_t)n;
  }
  bytes = 0;
  uint64_t start = now_ns(), end;
  uint64_t deadline = start + (uint64_t)(seconds * 1e9);
  for (uint32_t reads = 1;; reads++) {
    int32_t n = minos_read(&in, 1, buffer, write_size, &from);
    if (n <= 0) bench_fail("read", n);
    bytes += (uint32_t)n;
    if (bytes >= max_bytes) break;
    if (reads % 64 == 0 && now_ns() >= deadline) break;
  }
  end = now_ns();
  minos_rclose(in);
  minos_cell_status status;
  if ((rc = minos_cwait(cid, &status)) != 0) bench_fail("cwait", rc);
  if (status.fault != MINOS_FAULT_NONE || status.exit_code != 0)
    bench_fail("writer failed (fault, exit)", (long long)status.fault * 1000 + status.exit_code);
  printf("bytes=%llu ns=%llu\n", (unsigned long long)bytes, (unsigned long long)(end - start));
  return 0;
}
