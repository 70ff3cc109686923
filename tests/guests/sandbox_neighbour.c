/* SPDX-License-Identifier: Apache-2.0 */
/* Compiling in the sandbox, off the worker (tests/sandbox.cmake). Run with
 * MINOS_WORKERS=1, so the parent and its ticker child share one worker.
 *
 *   sandbox_neighbour.wasm compile SELF
 *     SELF is this module (cached): start a ticker child from it, then
 *     cnew a copy of it with one custom section more, so the copy is
 *     compiled (the test makes the compiler slow), and count the ticks
 *     that arrived meanwhile; prints
 *     "compiled in N ms; the neighbour ticked T times meanwhile".
 *   sandbox_neighbour.wasm limit SELF MODULE
 *     the same, but MODULE's compile must hit a compile limit: cnew fails
 *     with MINOS_ELIMIT, the ticker ticked meanwhile and ticks on.
 *   sandbox_neighbour.wasm hang SELF
 *     cnew a copy of SELF and wait (the test ends this cell meanwhile).
 *   sandbox_neighbour.wasm precheck
 *     modules that could never fit a 1 MiB memory limit are refused
 *     (MINOS_EINIT, as their initialisation would fail) before anything
 *     is compiled.
 *   As a child (no arguments): writes a tick to fd 0 every 5 ms until
 *   that fails. */
#include "api_common.h"

#define TICK_NS 5000000ull

static int tick(void) {
  struct timespec pause = {0, (long)TICK_NS};
  while (minos_write(0, "t", 1) == 1) nanosleep(&pause, NULL);
  return 0;
}

/* The same module with one more custom section: another cache key, the
 * same code. */
static unsigned char *another_copy(const unsigned char *code, uint32_t size, uint32_t *copy_size) {
  static const unsigned char custom[] = {0x00, 0x05, 0x04, 'p', 'a', 'd', '1'};
  unsigned char *copy = malloc(size + sizeof custom);
  REQUIRE(copy != NULL);
  memcpy(copy, code, size);
  memcpy(copy + size, custom, sizeof custom);
  *copy_size = size + (uint32_t)sizeof custom;
  return copy;
}

static uint32_t drain_ticks(int32_t from_ticker) {
  uint32_t ticks = 0;
  char buffer[4096];
  int32_t which;
  for (;;) {
    int32_t got = minos_try_read(&from_ticker, 1, buffer, sizeof buffer, &which);
    if (got <= 0) return ticks;
    ticks += (uint32_t)got;
  }
}

/* A running ticker child on this worker; its ticks arrive on *ticks. */
static int32_t start_ticker(const char *self_path, int32_t *ticks) {
  uint32_t size;
  unsigned char *code = load_file(self_path, &size);
  minos_arch_spec spec = default_spec();
  int32_t ticker = cnew_bytes(code, size, &spec);
  free(code);
  REQUIRE(ticker > 0);
  int32_t ends[2];
  REQUIRE(minos_pipe(1 << 20, ends) == 0);
  CHECK_EQ(minos_wpass(ends[0], ticker), 0);
  CHECK_EQ(minos_cstart(ticker), 0);
  /* It has run once it ticked: what is counted next is what it did while
   * this cell waited. */
  char first;
  int32_t which;
  CHECK_EQ(minos_read(&ends[1], 1, &first, 1, &which), 1);
  drain_ticks(ends[1]);
  *ticks = ends[1];
  return ticker;
}

static void end_child(int32_t cid) {
  minos_cell_status status;
  CHECK_EQ(minos_ckill(cid), 0);
  CHECK_EQ(minos_cwait(cid, &status), 0);
}

/* cnew of code while the ticker runs: the cid (or error), the time it took
 * and the ticks meanwhile. */
static int32_t cnew_beside_ticker(const unsigned char *code, uint32_t size, int32_t ticks,
                                  uint64_t *took_ms, uint32_t *ticked) {
  minos_arch_spec spec = default_spec();
  uint64_t started = now_ns();
  int32_t cid = cnew_bytes(code, size, &spec);
  *took_ms = (now_ns() - started) / 1000000;
  *ticked = drain_ticks(ticks);
  return cid;
}

static void compile_beside(const char *self_path) {
  int32_t ticks;
  int32_t ticker = start_ticker(self_path, &ticks);
  uint32_t size, copy_size, ticked;
  unsigned char *code = load_file(self_path, &size);
  unsigned char *copy = another_copy(code, size, &copy_size);
  uint64_t took_ms;
  int32_t compiled = cnew_beside_ticker(copy, copy_size, ticks, &took_ms, &ticked);
  printf("compiled in %llu ms; the neighbour ticked %u times meanwhile\n",
         (unsigned long long)took_ms, ticked);
  CHECK(compiled > 0);
  /* The test's compiler takes a second at least; a frozen worker would
   * let the ticker tick once or twice in it. */
  CHECK(took_ms >= 1000);
  CHECK(ticked >= 20);
  if (compiled > 0) end_child(compiled);
  end_child(ticker);
  free(code);
  free(copy);
}

static void compile_over_limit(const char *self_path, const char *module_path) {
  int32_t ticks;
  int32_t ticker = start_ticker(self_path, &ticks);
  uint32_t size, ticked;
  unsigned char *code = load_file(module_path, &size);
  uint64_t took_ms;
  int32_t compiled = cnew_beside_ticker(code, size, ticks, &took_ms, &ticked);
  printf("refused after %llu ms; the neighbour ticked %u times meanwhile\n",
         (unsigned long long)took_ms, ticked);
  CHECK_ERR(compiled, MINOS_ELIMIT);
  CHECK(ticked >= 10);
  /* The neighbour and this cell carry on. */
  char one;
  int32_t which;
  CHECK_EQ(minos_read(&ticks, 1, &one, 1, &which), 1);
  end_child(ticker);
  free(code);
}

static void hang(const char *self_path) {
  uint32_t size, copy_size;
  unsigned char *code = load_file(self_path, &size);
  unsigned char *copy = another_copy(code, size, &copy_size);
  minos_arch_spec spec = default_spec();
  printf("compiling\n");
  fflush(stdout);
  int32_t cid = cnew_bytes(copy, copy_size, &spec);
  printf("cnew returned %d\n", cid);
}

/* A module header and one section of `size` bytes (zeros after its
 * first bytes): enough for the precheck, which reads only section
 * headers and the memory's initial size. */
static unsigned char *module_with_section(uint8_t id, uint32_t size, const unsigned char *start,
                                          uint32_t start_size, uint32_t *length) {
  unsigned char *bytes = calloc(1, 8 + 6 + size);
  REQUIRE(bytes != NULL);
  memcpy(bytes, "\0asm\1\0\0\0", 8);
  uint32_t at = 8;
  bytes[at++] = id;
  for (uint32_t value = size;; value >>= 7) {
    bytes[at++] = (unsigned char)((value & 0x7f) | (value >= 0x80 ? 0x80 : 0));
    if (value < 0x80) break;
  }
  memcpy(bytes + at, start, start_size);
  *length = at + size;
  return bytes;
}

static void precheck(void) {
  minos_arch_spec spec = default_spec();
  spec.memory_bytes = 1 << 20;
  uint32_t length;
  static const unsigned char hundred_pages[] = {1, 0, 100};
  unsigned char *memory = module_with_section(5, 3, hundred_pages, 3, &length);
  uint64_t started = now_ns();
  CHECK_ERR(cnew_bytes(memory, length, &spec), MINOS_EINIT);
  free(memory);
  unsigned char *data = module_with_section(11, 2 << 20, NULL, 0, &length);
  CHECK_ERR(cnew_bytes(data, length, &spec), MINOS_EINIT);
  free(data);
  /* Refused up front: no compiler ran (that would take far longer). */
  CHECK(now_ns() - started < 500000000ull);
  /* Within the limit, the same module goes on to be checked (and is
   * refused for defining a memory it does not export). */
  spec.memory_bytes = 16 << 20;
  memory = module_with_section(5, 3, hundred_pages, 3, &length);
  CHECK_ERR(cnew_bytes(memory, length, &spec), MINOS_EMODULE);
  free(memory);
}

int main(int argc, char **argv) {
  if (argc < 2) return tick();
  if (strcmp(argv[1], "compile") == 0 && argc == 3) compile_beside(argv[2]);
  else if (strcmp(argv[1], "limit") == 0 && argc == 4) compile_over_limit(argv[2], argv[3]);
  else if (strcmp(argv[1], "hang") == 0 && argc == 3) hang(argv[2]);
  else if (strcmp(argv[1], "precheck") == 0) precheck();
  else return 64;
  char name[64];
  snprintf(name, sizeof name, "sandbox_neighbour %s", argv[1]);
  api_exit(name);
}
