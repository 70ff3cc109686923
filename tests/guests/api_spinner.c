/* SPDX-License-Identifier: Apache-2.0 */
/* A cell spinning for ever never stops the others: two spinners (one on
 * this cell's worker, no CPU limit) are known to be in their loops before
 * this cell does ROUNDS 1-byte round trips with an echo child on the same
 * worker; then the spinners, still running, are killed (KILLED, not any
 * other end).
 *
 *   minos run --ro-dir GUESTS::/guests api_spinner.wasm [ROUNDS] */
#include "api_common.h"

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 2000;
  uint32_t size;
  unsigned char *code = load_file("/guests/api_child.wasm", &size);

  minos_arch_spec same = default_spec();
  same.placement = MINOS_PLACE_SAME_WORKER;
  minos_arch_spec any = default_spec();
  any.placement = MINOS_PLACE_ANY;

  struct child spinners[2] = {child_new(code, size, &same, "spin"),
                              child_new(code, size, &any, "spin")};
  for (int i = 0; i < 2; i++) {
    int32_t started[2];
    CHECK_EQ(minos_pipe(0, started), 0);
    CHECK_EQ(minos_wpass(started[0], spinners[i].cid), 1);
    CHECK_EQ(minos_cstart(spinners[i].cid), 0);
    /* It says "s" right before its loop: it is spinning from here on. */
    char c = 0;
    int32_t from;
    CHECK_EQ(minos_read(&started[1], 1, &c, 1, &from), 1);
    CHECK_EQ(c, 's');
    CHECK_EQ(minos_rclose(started[1]), 0);
  }

  struct child echo = child_new(code, size, &same, "echo");
  int32_t out[2];
  CHECK_EQ(minos_pipe(0, out), 0);
  CHECK_EQ(minos_wpass(out[0], echo.cid), 1);
  CHECK_EQ(minos_cstart(echo.cid), 0);

  uint64_t start = now_ns();
  int done = 0;
  for (int i = 0; i < rounds; i++) {
    unsigned char byte = (unsigned char)(i * 13), reply = 0;
    int32_t from;
    if (minos_write(echo.in, &byte, 1) != 1) break;
    if (minos_read(&out[1], 1, &reply, 1, &from) != 1 || reply != byte) break;
    done++;
    if (done % (rounds / 4 > 0 ? rounds / 4 : 1) == 0) {
      printf("round trip %d after %llu ms\n", done, (unsigned long long)((now_ns() - start) / 1000000));
      fflush(stdout);
    }
  }
  CHECK_EQ(done, rounds);
  printf("api_spinner: %d round trips beside 2 spinners\n", done);

  minos_cell_status status;
  CHECK_EQ(minos_wclose(echo.in), 0);
  CHECK_EQ(minos_cwait(echo.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  for (int i = 0; i < 2; i++) {
    CHECK_EQ(minos_ckill(spinners[i].cid), 0);
    CHECK_EQ(minos_cwait(spinners[i].cid, &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);
  }
  api_exit("api_spinner");
}
