/* SPDX-License-Identifier: Apache-2.0 */
/* The child half of the guest API:
 *
 *   minos run --ro-dir GUESTS::/guests --ro-dir MODULES::/modules \
 *             api_children.wasm SECTION
 *
 * exit       cids 1, 2, ...; exit codes through cwait; cwait starts an
 *            unstarted child; cwait frees the cid; cwait's pointer checked
 * traps      each trap kind of a child is its fault in cwait; parent lives
 * kill       ckill of a blocked, a spinning and an unstarted child: KILLED;
 *            killed before its start, a child runs none of its code
 * cpu-limit  a spinning child with a CPU limit ends with CPU_LIMIT, having
 *            used about that much CPU (the process CPU clock as the gauge)
 * init       a start function that loops: ETIMEDOUT after about the init
 *            timeout (given, and the 1 s default); one that traps, or a
 *            memory over the limit: EINIT; no cid is used up
 * module     bytes that are no valid module, or import what they may not:
 *            EMODULE; a bad arch spec: EINVAL
 * numbering  passes take the child's lowest numbers (0, 1, 2, then 3);
 *            passed ends are gone from the parent; direction checks
 * release    a child that ends (exit, trap, kill) releases its ends: the
 *            reader sees 0, the writer ECLOSED
 * pipes      backpressure across cells (16-byte pipe), WASI stdio of a child
 * orphans    a cell that ends takes its children with it
 * chain      300 kB through six echo children on alternating workers and
 *            7-byte pipes into a sink child: all of it, in order
 * fan-in     one read over eight children's outputs: all bytes, one 0 each
 * many       64 children at once: cids 1..64, each its own exit code
 * child-limit  4,096 children held at once, then ELIMIT
 * stream-code  cnew reads code another child is still writing
 * stdio      the parent passes its own stdout to a child
 * memory     the child's memory limit from the arch spec
 * reuse      a child on the worker where the previous one wrote a secret
 *            over its memory (bss, grown pages) finds only zeros, 50 times
 *            and in either placement
 * abandon    the top cell exits with running children: minos exits at once */
#include "api_common.h"

static unsigned char *child_code;
static uint32_t child_size;

static int32_t wait_for(int32_t cid, minos_cell_status *status) {
  status->fault = 0xdead;
  status->exit_code = 0xdead;
  return minos_cwait(cid, status);
}

/* A child with just a command; started. Returns the cid. */
static int32_t run_command(const char *command, const minos_arch_spec *spec) {
  struct child c = child_new(child_code, child_size, spec, command);
  CHECK_EQ(minos_wclose(c.in), 0);
  CHECK_EQ(minos_cstart(c.cid), 0);
  return c.cid;
}

static void exit_codes(void) {
  minos_arch_spec spec = default_spec();
  minos_cell_status status;
  struct child a = child_new(child_code, child_size, &spec, "exit 42");
  CHECK_EQ(a.cid, 1);
  struct child b = child_new(child_code, child_size, &spec, "exit 0");
  CHECK_EQ(b.cid, 2);
  CHECK_EQ(minos_wclose(a.in), 0);
  CHECK_EQ(minos_wclose(b.in), 0);
  CHECK_EQ(minos_cstart(a.cid), 0);
  CHECK_EQ(minos_cstart(b.cid), 0);
  CHECK_EQ(wait_for(b.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  /* A bad status pointer is refused and the child stays waitable. */
  CHECK_ERR(minos_cwait(a.cid, (minos_cell_status *)(uintptr_t)(MEMORY_END() - 4)), MINOS_EFAULT);
  CHECK_EQ(wait_for(a.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 42);
  /* cwait forgot them. */
  CHECK_ERR(minos_cwait(a.cid, &status), MINOS_EBADF);
  CHECK_ERR(minos_cwait(b.cid, &status), MINOS_EBADF);
  CHECK_ERR(minos_ckill(a.cid), MINOS_EBADF);
  CHECK_ERR(minos_cstart(a.cid), MINOS_EBADF);
  int32_t ends[2];
  CHECK_EQ(minos_pipe(0, ends), 0);
  CHECK_ERR(minos_wpass(ends[0], a.cid), MINOS_EBADF);
  CHECK_ERR(minos_rpass(ends[1], b.cid), MINOS_EBADF);
  CHECK_EQ(minos_wclose(ends[0]), 0);
  CHECK_EQ(minos_rclose(ends[1]), 0);

  /* cwait starts a child nobody started. */
  struct child c = child_new(child_code, child_size, &spec, "exit 5");
  CHECK_EQ(minos_wclose(c.in), 0);
  CHECK_EQ(wait_for(c.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 5);

  /* A module that needs no descriptor at all (proc_exit(7)). */
  uint32_t size;
  unsigned char *code = load_file("/modules/api_exit.wasm", &size);
  int32_t cid = cnew_bytes(code, size, &spec);
  CHECK(cid > 0);
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 7);
  free(code);

  /* Exit codes up to 255 come through whole. */
  cid = run_command("exit 255", &spec);
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 255);
}

static void traps(void) {
  static const struct {
    const char *kind;
    uint32_t fault;
  } cases[] = {
      {"unreachable", MINOS_FAULT_UNREACHABLE},
      {"divide-by-zero", MINOS_FAULT_INTEGER_DIVIDE_BY_ZERO},
      {"integer-overflow", MINOS_FAULT_INTEGER_OVERFLOW},
      {"memory", MINOS_FAULT_MEMORY_OUT_OF_BOUNDS},
      {"stack", MINOS_FAULT_STACK_EXHAUSTION},
      {"null-function", MINOS_FAULT_NULL_FUNCTION},
      {"type-mismatch", MINOS_FAULT_INDIRECT_CALL_TYPE_MISMATCH},
      {"table-bounds", MINOS_FAULT_TABLE_OUT_OF_BOUNDS},
      {"conversion", MINOS_FAULT_INVALID_CONVERSION},
  };
  minos_arch_spec spec = default_spec();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char command[64];
    snprintf(command, sizeof command, "trap %s", cases[i].kind);
    int32_t cid = run_command(command, &spec);
    minos_cell_status status;
    CHECK_EQ(wait_for(cid, &status), 0);
    if (status.fault != cases[i].fault) fprintf(stderr, "  (trap %s)\n", cases[i].kind);
    CHECK_STATUS(status, cases[i].fault, 0);
  }
  /* Several trapping at once, waited in reverse order. */
  int32_t cids[4];
  for (int i = 0; i < 4; i++) cids[i] = run_command("trap unreachable", &spec);
  for (int i = 3; i >= 0; i--) {
    minos_cell_status status;
    CHECK_EQ(wait_for(cids[i], &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_UNREACHABLE, 0);
  }
  printf("parent survived %d child traps\n", (int)(sizeof cases / sizeof cases[0]) + 4);
}

static void kills(void) {
  minos_arch_spec spec = default_spec();
  minos_cell_status status;
  static const char *const commands[] = {"block", "spin"};
  for (int i = 0; i < 2; i++) {
    int32_t cid = run_command(commands[i], &spec);
    /* Let it get going: wait a little on a channel nobody writes. */
    int32_t ends[2];
    CHECK_EQ(minos_pipe(0, ends), 0);
    char c;
    int32_t from;
    CHECK_ERR(minos_read_timeout(&ends[1], 1, &c, 1, &from, 50000000), MINOS_ETIMEDOUT);
    CHECK_EQ(minos_wclose(ends[0]), 0);
    CHECK_EQ(minos_rclose(ends[1]), 0);
    CHECK_EQ(minos_ckill(cid), 0);
    CHECK_EQ(wait_for(cid, &status), 0);
    if (status.fault != MINOS_FAULT_KILLED) fprintf(stderr, "  (killing '%s')\n", commands[i]);
    CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);
  }
  /* Blocked elsewhere: in a write to a full channel, in a WASI read, in a
   * WASI sleep of a minute. A kill ends each at once. */
  for (int i = 0; i < 3; i++) {
    struct child k = child_new(child_code, child_size, &spec,
                               i == 0 ? "echo" : i == 1 ? "wasi-echo" : "sleep 60000");
    int32_t out[2];
    CHECK_EQ(minos_pipe(1, out), 0); /* one byte, never read */
    CHECK_EQ(minos_wpass(out[0], k.cid), 1);
    CHECK_EQ(minos_cstart(k.cid), 0);
    if (i == 0) CHECK_EQ(write_all(k.in, "ab", 2), 2); /* the second byte blocks it */
    int32_t idle[2], from;
    char c;
    CHECK_EQ(minos_pipe(0, idle), 0);
    CHECK_ERR(minos_read_timeout(&idle[1], 1, &c, 1, &from, 50000000), MINOS_ETIMEDOUT);
    CHECK_EQ(minos_wclose(idle[0]), 0);
    CHECK_EQ(minos_rclose(idle[1]), 0);
    uint64_t start = now_ns();
    CHECK_EQ(minos_ckill(k.cid), 0);
    CHECK_EQ(wait_for(k.cid, &status), 0);
    if (status.fault != MINOS_FAULT_KILLED) fprintf(stderr, "  (blocked child %d)\n", i);
    CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);
    CHECK(now_ns() - start < 5000000000u);
    CHECK_EQ(minos_wclose(k.in), 0);
    CHECK_EQ(minos_rclose(out[1]), 0);
  }
  /* Killed before it was started, a child runs none of its code: not a
   * proc_exit, not a trap, as its very first instruction. */
  static const char *const first_thing[] = {"/modules/api_exit.wasm", "/modules/api_trap.wasm"};
  for (int i = 0; i < 2 * 20; i++) { /* 20 times each: the child's start races the kill */
    uint32_t size;
    unsigned char *code = load_file(first_thing[i % 2], &size);
    int32_t cid = cnew_bytes(code, size, &spec);
    CHECK(cid > 0);
    CHECK_EQ(minos_ckill(cid), 0);
    CHECK_EQ(wait_for(cid, &status), 0);
    if (status.fault != MINOS_FAULT_KILLED) fprintf(stderr, "  (%s killed before cstart)\n", first_thing[i % 2]);
    CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);
    /* The same with cstart between the kill and the wait. */
    cid = cnew_bytes(code, size, &spec);
    CHECK(cid > 0);
    CHECK_EQ(minos_ckill(cid), 0);
    int32_t started = minos_cstart(cid);
    CHECK(started == 0 || started == -MINOS_EBADF);
    CHECK_EQ(wait_for(cid, &status), 0);
    if (status.fault != MINOS_FAULT_KILLED) fprintf(stderr, "  (%s killed, then cstart)\n", first_thing[i % 2]);
    CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);
    free(code);
  }
  /* Never started, holding a channel. */
  struct child c = child_new(child_code, child_size, &spec, "exit 1");
  CHECK_EQ(minos_ckill(c.cid), 0);
  CHECK_EQ(wait_for(c.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);
  /* Its command channel's read end went with it. */
  CHECK_ERR(minos_write(c.in, "x", 1), MINOS_ECLOSED);
  CHECK_EQ(minos_wclose(c.in), 0);
}

/* The host process's CPU time, which WASI's process clock gives today;
 * if it ever becomes the cell's own, the bound below still holds. */
static uint64_t process_cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void cpu_limit(void) {
  minos_arch_spec spec = default_spec();
  spec.cpu_time_ns = 200000000; /* 200 ms */
  uint64_t start = now_ns(), cpu_start = process_cpu_ns();
  int32_t cid = run_command("spin", &spec);
  minos_cell_status status;
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_CPU_LIMIT, 0);
  uint64_t took = now_ns() - start, cpu = process_cpu_ns() - cpu_start;
  printf("cpu limit 200 ms: spinner ended after %llu ms, minos used %llu ms of CPU meanwhile\n",
         (unsigned long long)(took / 1000000), (unsigned long long)(cpu / 1000000));
  CHECK(took >= 150000000u); /* it had (about) its CPU time */
  /* ... and not much more: 200 ms, a tick or a few of lateness, cnew. */
  if (cpu > 350000000u)
    fprintf(stderr, "FAIL a 200 ms CPU limit let the process use %llu ms of CPU\n",
            (unsigned long long)(cpu / 1000000));
  check_count++;
  check_failures += cpu > 350000000u;
  /* Under the limit, a child exits normally. */
  cid = run_command("exit 3", &spec);
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 3);
}

static void init(void) {
  minos_arch_spec spec = default_spec();
  uint32_t size;
  unsigned char *loop = load_file("/modules/api_init_loop.wasm", &size);
  /* The first cnew may also compile the module; the second finds it
   * cached, so its time is the init timeout's. */
  spec.init_timeout_ns = 300000000;
  CHECK_ERR(cnew_bytes(loop, size, &spec), MINOS_ETIMEDOUT);
  uint64_t start = now_ns();
  CHECK_ERR(cnew_bytes(loop, size, &spec), MINOS_ETIMEDOUT);
  uint64_t took = now_ns() - start;
  printf("init timeout 300 ms: cnew returned after %llu ms\n", (unsigned long long)(took / 1000000));
  CHECK(took >= 290000000u && took <= 2300000000u);
  /* 0: the default, 1 second. */
  spec.init_timeout_ns = 0;
  start = now_ns();
  CHECK_ERR(cnew_bytes(loop, size, &spec), MINOS_ETIMEDOUT);
  took = now_ns() - start;
  printf("default init timeout: cnew returned after %llu ms\n", (unsigned long long)(took / 1000000));
  CHECK(took >= 950000000u && took <= 3500000000u);
  free(loop);

  unsigned char *trap = load_file("/modules/api_init_trap.wasm", &size);
  CHECK_ERR(cnew_bytes(trap, size, &spec), MINOS_EINIT);
  free(trap);
  unsigned char *big = load_file("/modules/big_memory.wasm", &size); /* 16 MiB initial */
  spec.memory_bytes = 1 << 20;
  CHECK_ERR(cnew_bytes(big, size, &spec), MINOS_EINIT);
  spec.memory_bytes = 0;
  int32_t cid = cnew_bytes(big, size, &spec); /* fine without the limit */
  CHECK_EQ(cid, 1);                           /* failures used no cid */
  minos_cell_status status;
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  free(big);
}

static void module(void) {
  minos_arch_spec spec = default_spec();
  static const char *const refused[] = {
      "/modules/invalid_code.wasm",  "/modules/unknown_import.wasm", "/modules/api_bad_import.wasm",
      "/modules/memory_import.wasm", "/modules/truncated.wasm",      "/modules/bad_magic.wasm",
      "/modules/no_start.wasm",      "/modules/wrong_signature.wasm"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    uint32_t size;
    unsigned char *code = load_file(refused[i], &size);
    int32_t rc = cnew_bytes(code, size, &spec);
    if (rc != -MINOS_EMODULE) fprintf(stderr, "  (%s)\n", refused[i]);
    CHECK_ERR(rc, MINOS_EMODULE);
    free(code);
  }
  static const char text[] = "#!/bin/sh\necho this is not a module\n";
  CHECK_ERR(cnew_bytes(text, sizeof text - 1, &spec), MINOS_EMODULE);
  CHECK_ERR(cnew_bytes("", 0, &spec), MINOS_EMODULE);
  /* Half of a good module. */
  CHECK_ERR(cnew_bytes(child_code, child_size / 2, &spec), MINOS_EMODULE);

  /* The code channel is consumed and closed by a successful cnew. */
  int32_t rfd = code_channel(child_code, child_size);
  int32_t cid = minos_cnew(rfd, &spec, sizeof spec);
  CHECK_EQ(cid, 1);
  CHECK_ERR(minos_rclose(rfd), MINOS_EBADF);
  CHECK_EQ(minos_ckill(cid), 0);
  minos_cell_status status;
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);

  /* Malformed arch specs. */
  minos_arch_spec bad = default_spec();
  bad.arch = 99;
  CHECK_ERR(cnew_bytes(child_code, child_size, &bad), MINOS_EINVAL);
  rfd = code_channel(child_code, child_size);
  CHECK_ERR(minos_cnew(rfd, &spec, 4), MINOS_EINVAL);
  minos_rclose(rfd);
}

static void numbering(void) {
  minos_arch_spec spec = default_spec();
  struct child c = child_new(child_code, child_size, &spec, "numbering"); /* command is its 0 */
  CHECK_EQ(minos_wclose(c.in), 0);
  int32_t a[2], b[2], t[2];
  CHECK_EQ(minos_pipe(0, a), 0);
  CHECK_EQ(minos_pipe(0, b), 0);
  CHECK_EQ(minos_pipe(0, t), 0);
  /* Direction is checked with a real child. */
  CHECK_ERR(minos_wpass(a[1], c.cid), MINOS_EPERM);
  CHECK_ERR(minos_rpass(a[0], c.cid), MINOS_EPERM);
  CHECK_EQ(minos_wpass(a[0], c.cid), 1);
  CHECK_EQ(minos_wpass(b[0], c.cid), 2);
  CHECK_EQ(minos_rpass(t[1], c.cid), 3); /* a fourth pass is 3 */
  /* Passed ends are gone from the parent at once. */
  char c1;
  int32_t from;
  CHECK_ERR(minos_write(a[0], "x", 1), MINOS_EBADF);
  CHECK_ERR(minos_wclose(a[0]), MINOS_EBADF);
  CHECK_ERR(minos_wpass(a[0], c.cid), MINOS_EBADF);
  CHECK_ERR(minos_try_read(&t[1], 1, &c1, 1, &from), MINOS_EBADF);
  CHECK_ERR(minos_rclose(t[1]), MINOS_EBADF);
  CHECK_EQ(minos_write(t[0], "three", 5), 5);
  CHECK_EQ(minos_wclose(t[0]), 0);
  CHECK_EQ(minos_cstart(c.cid), 0);
  char got[32] = {0};
  CHECK_EQ(read_all(a[1], got, sizeof got - 1), 9);
  CHECK(strcmp(got, "one|three") == 0);
  memset(got, 0, sizeof got);
  CHECK_EQ(read_all(b[1], got, sizeof got - 1), 3);
  CHECK(strcmp(got, "two") == 0);
  minos_cell_status status;
  CHECK_EQ(wait_for(c.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0); /* the child's own checks */
  /* The freed numbers are the parent's lowest again. */
  int32_t again[2];
  CHECK_EQ(minos_pipe(0, again), 0);
  CHECK_EQ(again[0], a[0]);
  CHECK_EQ(again[1], b[0]);
}

/* A child that holds one end of a pipe and ends by `command`. */
static void release_one(const char *command, int kill_it) {
  minos_arch_spec spec = default_spec();
  minos_cell_status status;
  /* It holds a write end: the parent reading sees the end of stream. */
  struct child c = child_new(child_code, child_size, &spec, command);
  int32_t p[2];
  CHECK_EQ(minos_pipe(0, p), 0);
  CHECK_EQ(minos_wpass(p[0], c.cid), 1);
  CHECK_EQ(minos_cstart(c.cid), 0);
  if (kill_it) CHECK_EQ(minos_ckill(c.cid), 0);
  char buffer[8];
  int32_t from = -1;
  CHECK_EQ(minos_read_timeout(&p[1], 1, buffer, sizeof buffer, &from, 20000000000), 0);
  CHECK_EQ(from, p[1]);
  CHECK_EQ(wait_for(c.cid, &status), 0);
  CHECK_EQ(minos_rclose(p[1]), 0);
  CHECK_EQ(minos_wclose(c.in), 0);
  /* It holds a read end: once it ended, the parent's writes are refused. */
  c = child_new(child_code, child_size, &spec, command);
  CHECK_EQ(minos_pipe(0, p), 0);
  CHECK_EQ(minos_rpass(p[1], c.cid), 1);
  CHECK_EQ(minos_cstart(c.cid), 0);
  if (kill_it) CHECK_EQ(minos_ckill(c.cid), 0);
  CHECK_EQ(wait_for(c.cid, &status), 0);
  CHECK_ERR(minos_write(p[0], "x", 1), MINOS_ECLOSED);
  CHECK_ERR(minos_write(c.in, "x", 1), MINOS_ECLOSED); /* and its command channel */
  CHECK_EQ(minos_wclose(p[0]), 0);
  CHECK_EQ(minos_wclose(c.in), 0);
}

static void release(void) {
  release_one("exit 0", 0);
  release_one("trap unreachable", 0);
  release_one("block", 1);
}

static void pipes(void) {
  minos_arch_spec spec = default_spec();
  minos_cell_status status;
  /* Backpressure across cells: 100,000 bytes through a 16-byte pipe. */
  int32_t cid = cnew_bytes(child_code, child_size, &spec);
  CHECK(cid > 0);
  int32_t in[2], out[2];
  CHECK_EQ(minos_pipe(16, in), 0);
  CHECK_EQ(minos_pipe(0, out), 0);
  CHECK_EQ(minos_rpass(in[1], cid), 0);
  CHECK_EQ(minos_wpass(out[0], cid), 1);
  CHECK_EQ(minos_write(in[0], "sink\n", 5), 5);
  CHECK_EQ(minos_cstart(cid), 0);
  static unsigned char data[100000];
  uint32_t hash = 2166136261u;
  for (uint32_t i = 0; i < sizeof data; i++) {
    data[i] = (unsigned char)(i * 7 + i / 251);
    hash = (hash ^ data[i]) * 16777619u;
  }
  uint32_t done = 0, writes = 0, partial = 0, too_big = 0;
  while (done < sizeof data) {
    uint32_t want = sizeof data - done < 100 ? sizeof data - done : 100;
    int32_t n = minos_write(in[0], data + done, want);
    if (n <= 0) {
      CHECK(n > 0);
      break;
    }
    if ((uint32_t)n < want) partial++;
    if (n > 16) too_big++;
    done += (uint32_t)n;
    writes++;
  }
  CHECK_EQ(done, sizeof data);
  CHECK_EQ(too_big, 0);      /* never more than the capacity */
  CHECK(writes >= 100000 / 16); /* so it took at least this many */
  CHECK(partial > 0);
  CHECK_EQ(minos_wclose(in[0]), 0);
  char line[64] = {0}, want_line[64];
  snprintf(want_line, sizeof want_line, "100000 %08x\n", hash);
  CHECK_EQ(read_all(out[1], line, sizeof line - 1), (int32_t)strlen(want_line));
  CHECK(strcmp(line, want_line) == 0);
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  CHECK_EQ(minos_rclose(out[1]), 0);
  printf("pipes: 100000 bytes in %u writes, %u partial\n", writes, partial);

  /* A child's stdin and stdout are channel ends to WASI read/write/printf. */
  cid = cnew_bytes(child_code, child_size, &spec);
  CHECK(cid > 0);
  CHECK_EQ(minos_pipe(0, in), 0);
  CHECK_EQ(minos_pipe(0, out), 0);
  CHECK_EQ(minos_rpass(in[1], cid), 0);
  CHECK_EQ(minos_wpass(out[0], cid), 1);
  CHECK_EQ(minos_cstart(cid), 0);
  CHECK_EQ(write_all(in[0], "wasi-echo\n", 10), 10);
  CHECK_EQ(write_all(in[0], data, 10000), 10000);
  CHECK_EQ(minos_wclose(in[0]), 0);
  static unsigned char back[20000];
  static const char tail[] = "wasi-echo copied 10000 bytes\n";
  CHECK_EQ(read_all(out[1], back, sizeof back), (int32_t)(10000 + sizeof tail - 1));
  CHECK(memcmp(back, data, 10000) == 0);
  CHECK(memcmp(back + 10000, tail, sizeof tail - 1) == 0);
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  CHECK_EQ(minos_rclose(out[1]), 0);

  /* Round trips with an echo child. */
  struct child e = child_new(child_code, child_size, &spec, "echo");
  CHECK_EQ(minos_pipe(0, out), 0);
  CHECK_EQ(minos_wpass(out[0], e.cid), 1);
  CHECK_EQ(minos_cstart(e.cid), 0);
  int round_trips = 0;
  for (int i = 0; i < 1000; i++) {
    unsigned char byte = (unsigned char)i, reply = 0;
    int32_t from;
    if (minos_write(e.in, &byte, 1) != 1) break;
    if (minos_read(&out[1], 1, &reply, 1, &from) != 1 || reply != byte) break;
    round_trips++;
  }
  CHECK_EQ(round_trips, 1000);
  /* A deadline read is woken by the other cell's write, long before it. */
  uint64_t start = now_ns();
  unsigned char ping = 'p', pong = 0;
  int32_t answered_from = -1;
  CHECK_EQ(minos_write(e.in, &ping, 1), 1);
  CHECK_EQ(minos_read_timeout(&out[1], 1, &pong, 1, &answered_from, 10000000000), 1);
  CHECK_EQ(pong, 'p');
  CHECK(now_ns() - start < 2000000000u);
  CHECK_EQ(minos_wclose(e.in), 0);
  char c;
  int32_t from;
  CHECK_EQ(minos_read(&out[1], 1, &c, 1, &from), 0);
  CHECK_EQ(wait_for(e.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
}

/* Data through a chain of echo children on alternating workers, with
 * 7-byte pipes between them, into a sink child: every byte arrives, in
 * order (cross-worker wakeups are never lost). */
static void chain(void) {
  enum { ECHOES = 6, BYTES = 300000 };
  int32_t cids[ECHOES + 1];
  for (int i = 0; i <= ECHOES; i++) {
    minos_arch_spec spec = default_spec();
    spec.placement = i % 2 ? MINOS_PLACE_OTHER_WORKER : MINOS_PLACE_SAME_WORKER;
    cids[i] = cnew_bytes(child_code, child_size, &spec);
    REQUIRE(cids[i] > 0);
  }
  int32_t head[2], result[2];
  CHECK_EQ(minos_pipe(0, head), 0);
  CHECK_EQ(minos_write(head[0], "echo\n", 5), 5);
  CHECK_EQ(minos_rpass(head[1], cids[0]), 0);
  for (int i = 1; i <= ECHOES; i++) {
    int32_t link[2];
    CHECK_EQ(minos_pipe(7, link), 0);
    /* The next child's command goes first, then the previous one's output. */
    CHECK_EQ(minos_write(link[0], i == ECHOES ? "sink\n" : "echo\n", 5), 5);
    CHECK_EQ(minos_rpass(link[1], cids[i]), 0);
    CHECK_EQ(minos_wpass(link[0], cids[i - 1]), 1);
  }
  CHECK_EQ(minos_pipe(0, result), 0);
  CHECK_EQ(minos_wpass(result[0], cids[ECHOES]), 1);
  for (int i = 0; i <= ECHOES; i++) CHECK_EQ(minos_cstart(cids[i]), 0);

  static unsigned char data[BYTES];
  uint32_t hash = 2166136261u;
  for (uint32_t i = 0; i < BYTES; i++) {
    data[i] = (unsigned char)(i * 31 + (i >> 9));
    hash = (hash ^ data[i]) * 16777619u;
  }
  CHECK_EQ(write_all(head[0], data, BYTES), BYTES);
  CHECK_EQ(minos_wclose(head[0]), 0);
  char line[64] = {0}, want[64];
  snprintf(want, sizeof want, "%u %08x\n", (unsigned)BYTES, hash);
  CHECK_EQ(read_all(result[1], line, sizeof line - 1), (int32_t)strlen(want));
  CHECK(strcmp(line, want) == 0);
  for (int i = 0; i <= ECHOES; i++) {
    minos_cell_status status;
    CHECK_EQ(wait_for(cids[i], &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  }
  printf("chain: %u bytes through %d echo children\n", (unsigned)BYTES, ECHOES);
}

/* One read over the outputs of eight echo children at once: every end
 * delivers all its bytes, then 0 exactly once. */
static void fan_in(void) {
  enum { CHILDREN = 8, EACH = 3000 };
  minos_arch_spec spec = default_spec();
  int32_t cids[CHILDREN], ends[CHILDREN], owner[CHILDREN];
  int received[CHILDREN] = {0}, finished[CHILDREN] = {0}, wrong = 0;
  static char data[EACH];
  for (int i = 0; i < CHILDREN; i++) {
    spec.placement = i % 3; /* any, same, other */
    struct child c = child_new(child_code, child_size, &spec, "echo");
    memset(data, 'A' + i, sizeof data);
    CHECK_EQ(write_all(c.in, data, EACH), EACH);
    CHECK_EQ(minos_wclose(c.in), 0);
    int32_t out[2];
    CHECK_EQ(minos_pipe(64, out), 0);
    CHECK_EQ(minos_wpass(out[0], c.cid), 1);
    CHECK_EQ(minos_cstart(c.cid), 0);
    cids[i] = c.cid;
    ends[i] = out[1];
    owner[i] = i;
  }
  int live = CHILDREN;
  while (live > 0) {
    char buffer[100];
    int32_t from = -1;
    int32_t n = minos_read_timeout(ends, (uint32_t)live, buffer, sizeof buffer, &from,
                                   20000000000);
    if (n < 0) {
      CHECK_EQ(n, 0);
      break;
    }
    int slot = -1;
    for (int i = 0; i < live; i++)
      if (ends[i] == from) slot = i;
    if (slot < 0) {
      CHECK(slot >= 0);
      break;
    }
    int who = owner[slot];
    if (n == 0) {
      finished[who]++;
      CHECK_EQ(minos_rclose(from), 0);
      ends[slot] = ends[live - 1];
      owner[slot] = owner[live - 1];
      live--;
      continue;
    }
    for (int32_t k = 0; k < n; k++) wrong += buffer[k] != 'A' + who;
    received[who] += n;
  }
  CHECK_EQ(wrong, 0);
  for (int i = 0; i < CHILDREN; i++) {
    CHECK_EQ(received[i], EACH);
    CHECK_EQ(finished[i], 1);
    minos_cell_status status;
    CHECK_EQ(wait_for(cids[i], &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  }
}

/* Many children at once: distinct cids, each one's own exit code. */
static void many(void) {
  enum { CHILDREN = 64 };
  minos_arch_spec spec = default_spec();
  int32_t cids[CHILDREN];
  int distinct = 1;
  for (int i = 0; i < CHILDREN; i++) {
    char command[32];
    snprintf(command, sizeof command, "exit %d", 100 + i);
    cids[i] = run_command(command, &spec);
    CHECK_EQ(cids[i], i + 1);
    for (int j = 0; j < i; j++) distinct &= cids[j] != cids[i];
  }
  CHECK(distinct);
  for (int i = CHILDREN - 1; i >= 0; i -= 2) { /* odd order: from the end, then the rest */
    minos_cell_status status;
    CHECK_EQ(wait_for(cids[i], &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 100 + i);
  }
  for (int i = 0; i < CHILDREN; i += 2) {
    minos_cell_status status;
    CHECK_EQ(wait_for(cids[i], &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 100 + i);
  }
  /* All forgotten: numbering starts over. */
  int32_t cid = run_command("exit 1", &spec);
  CHECK_EQ(cid, 1);
  minos_cell_status status;
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 1);
}

/* 4,096 children at most: the next cnew is ELIMIT and uses nothing up;
 * once one is waited for, there is room for one again. */
static void child_limit(void) {
  enum { LIMIT = 4096 };
  uint32_t size;
  unsigned char *code = load_file("/modules/api_trap.wasm", &size);
  minos_arch_spec spec = default_spec();
  int32_t created = 0, rc = 0;
  while (created <= LIMIT) {
    rc = cnew_bytes(code, size, &spec);
    if (rc < 0) break;
    created++;
    if (rc != created) {
      CHECK_EQ(rc, created);
      break;
    }
  }
  CHECK_EQ(created, LIMIT);
  CHECK_ERR(rc, MINOS_ELIMIT);
  CHECK_ERR(cnew_bytes(code, size, &spec), MINOS_ELIMIT);
  minos_cell_status status;
  CHECK_EQ(wait_for(LIMIT / 2, &status), 0); /* starts it: it traps */
  CHECK_STATUS(status, MINOS_FAULT_UNREACHABLE, 0);
  CHECK_EQ(cnew_bytes(code, size, &spec), LIMIT / 2); /* the freed id */
  CHECK_ERR(cnew_bytes(code, size, &spec), MINOS_ELIMIT);
  /* Half are started by cwait (and trap), half killed first (whether a
   * kill before the start runs nothing is the kill section's business). */
  int bad = 0;
  for (int32_t cid = 1; cid <= created; cid++) {
    if (cid % 2 == 0 && minos_ckill(cid) != 0) bad++;
    int32_t waited = wait_for(cid, &status);
    if (waited != 0 || (cid % 2 && status.fault != MINOS_FAULT_UNREACHABLE)) {
      if (bad++ < 3)
        fprintf(stderr, "child %d: cwait %d %s, fault %s\n", cid, waited, status_name(waited),
                fault_name(status.fault));
    }
  }
  CHECK_EQ(bad, 0);
  CHECK_EQ(cnew_bytes(code, size, &spec), 1); /* all forgotten */
  free(code);
  printf("child limit: %d children held at once\n", created);
}

/* cnew reads code as another cell writes it: the bytes go through an
 * echo child into a 4 KiB channel, so cnew must read while the echo
 * child is still writing, until the echo child's end is finished. */
static void stream_code(void) {
  minos_arch_spec spec = default_spec();
  int32_t echo = cnew_bytes(child_code, child_size, &spec);
  CHECK(echo > 0);
  int32_t in[2], code[2];
  CHECK_EQ(minos_pipe(child_size + 16, in), 0); /* holds the command and all the code */
  CHECK_EQ(minos_pipe(4096, code), 0);
  CHECK_EQ(minos_rpass(in[1], echo), 0);
  CHECK_EQ(minos_wpass(code[0], echo), 1);
  CHECK_EQ(write_all(in[0], "echo\n", 5), 5);
  CHECK_EQ(write_all(in[0], child_code, child_size), (int32_t)child_size);
  CHECK_EQ(minos_wclose(in[0]), 0);
  CHECK_EQ(minos_cstart(echo), 0);
  int32_t cid = minos_cnew(code[1], &spec, sizeof spec);
  CHECK(cid > 0);
  if (cid > 0) {
    struct child c = {cid, -1};
    int32_t command[2];
    CHECK_EQ(minos_pipe(0, command), 0);
    CHECK_EQ(minos_rpass(command[1], c.cid), 0);
    CHECK_EQ(minos_write(command[0], "exit 9\n", 7), 7);
    CHECK_EQ(minos_wclose(command[0]), 0);
    minos_cell_status status;
    CHECK_EQ(wait_for(c.cid, &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 9);
  }
  minos_cell_status status;
  CHECK_EQ(wait_for(echo, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
}

static void orphans(void) {
  /* Child C starts grandchild G, which blocks for ever holding the write
   * end of our pipe, and C exits. G must end with C: we see end of stream. */
  minos_arch_spec spec = default_spec();
  struct child c = child_new(child_code, child_size, &spec, "spawn-block");
  CHECK_EQ(minos_wclose(c.in), 0);
  int32_t code = code_channel(child_code, child_size);
  CHECK_EQ(minos_rpass(code, c.cid), 1);
  int32_t p[2];
  CHECK_EQ(minos_pipe(0, p), 0);
  CHECK_EQ(minos_wpass(p[0], c.cid), 2);
  CHECK_EQ(minos_cstart(c.cid), 0);
  minos_cell_status status;
  CHECK_EQ(wait_for(c.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  char buffer[8];
  int32_t from = -1;
  uint64_t start = now_ns();
  CHECK_EQ(minos_read_timeout(&p[1], 1, buffer, sizeof buffer, &from, 10000000000), 0);
  printf("orphans: grandchild's end released %llu ms after its parent ended\n",
         (unsigned long long)((now_ns() - start) / 1000000));

  /* The same when the child is killed while its grandchild runs. */
  c = child_new(child_code, child_size, &spec, "spawn-block-stay");
  CHECK_EQ(minos_wclose(c.in), 0);
  code = code_channel(child_code, child_size);
  CHECK_EQ(minos_rpass(code, c.cid), 1);
  int32_t q[2], ready[2];
  CHECK_EQ(minos_pipe(0, q), 0);
  CHECK_EQ(minos_pipe(0, ready), 0);
  CHECK_EQ(minos_wpass(q[0], c.cid), 2);
  CHECK_EQ(minos_wpass(ready[0], c.cid), 3);
  CHECK_EQ(minos_cstart(c.cid), 0);
  char line[8] = {0};
  CHECK_EQ(read_all(ready[1], line, 6), 6); /* the grandchild exists */
  CHECK(strcmp(line, "ready\n") == 0);
  CHECK_EQ(minos_ckill(c.cid), 0);
  CHECK_EQ(wait_for(c.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);
  CHECK_EQ(minos_read_timeout(&q[1], 1, buffer, sizeof buffer, &from, 10000000000), 0);
}

static void stdio(void) {
  /* Our stdout goes to the child: after this we report on stderr. */
  report = stderr;
  fflush(stdout);
  minos_arch_spec spec = default_spec();
  struct child c = child_new(child_code, child_size, &spec, "hello");
  CHECK_EQ(minos_wclose(c.in), 0);
  CHECK_EQ(minos_wpass(1, c.cid), 1);
  CHECK_ERR(minos_write(1, "x", 1), MINOS_EBADF); /* gone from us */
  CHECK_EQ(minos_cstart(c.cid), 0);
  minos_cell_status status;
  CHECK_EQ(wait_for(c.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
}

static void memory(void) {
  minos_arch_spec spec = default_spec();
  minos_cell_status status;
  spec.memory_bytes = 2 << 20;
  int32_t cid = run_command("memory 4", &spec); /* 4 MiB under a 2 MiB limit */
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 3);
  spec.memory_bytes = 0;
  cid = run_command("memory 4", &spec);
  CHECK_EQ(wait_for(cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
}

static void reuse(void) {
  minos_arch_spec spec = default_spec();
  minos_cell_status status;
  for (int i = 0; i < 50; i++) {
    spec.placement = i % 5 == 4 ? MINOS_PLACE_ANY : MINOS_PLACE_SAME_WORKER;
    int32_t cid = run_command("scribble", &spec);
    CHECK_EQ(wait_for(cid, &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
    cid = run_command("zeros", &spec);
    CHECK_EQ(wait_for(cid, &status), 0);
    CHECK_STATUS(status, MINOS_FAULT_NONE, 0);
  }
}

static int abandon(void) {
  minos_arch_spec spec = default_spec();
  run_command("spin", &spec);
  run_command("block", &spec);
  struct child c = child_new(child_code, child_size, &spec, "echo"); /* holds our stdout */
  CHECK_EQ(minos_wpass(1, c.cid), 1);
  CHECK_EQ(minos_cstart(c.cid), 0);
  fprintf(stderr, "abandon: leaving %d children behind, %d failures\n", 3, check_failures);
  return check_failures ? 1 : 5;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: api_children SECTION\n");
    return 64;
  }
  child_code = load_file("/guests/api_child.wasm", &child_size);
  const char *section = argv[1];
  if (strcmp(section, "exit") == 0) exit_codes();
  else if (strcmp(section, "traps") == 0) traps();
  else if (strcmp(section, "kill") == 0) kills();
  else if (strcmp(section, "cpu-limit") == 0) cpu_limit();
  else if (strcmp(section, "init") == 0) init();
  else if (strcmp(section, "module") == 0) module();
  else if (strcmp(section, "numbering") == 0) numbering();
  else if (strcmp(section, "release") == 0) release();
  else if (strcmp(section, "pipes") == 0) pipes();
  else if (strcmp(section, "orphans") == 0) orphans();
  else if (strcmp(section, "chain") == 0) chain();
  else if (strcmp(section, "fan-in") == 0) fan_in();
  else if (strcmp(section, "many") == 0) many();
  else if (strcmp(section, "stream-code") == 0) stream_code();
  else if (strcmp(section, "child-limit") == 0) child_limit();
  else if (strcmp(section, "stdio") == 0) stdio();
  else if (strcmp(section, "memory") == 0) memory();
  else if (strcmp(section, "reuse") == 0) reuse();
  else if (strcmp(section, "abandon") == 0) return abandon();
  else {
    fprintf(stderr, "unknown section %s\n", section);
    return 64;
  }
  char name[64];
  snprintf(name, sizeof name, "api_children %s", section);
  api_exit(name);
}
