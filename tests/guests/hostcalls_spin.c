/* SPDX-License-Identifier: Apache-2.0 */
/* A cell spinning in host calls is a cell like any other: preempted, held
 * to its CPU limit, ended by ckill. This guest is both the parent and its
 * spinning children (the same module, read back from a read-only grant).
 *
 *   MINOS_WORKERS=1 minos run --max-cells 4 --ro-dir GUESTS::/guests hostcalls_spin.wasm KIND
 *
 * KIND is what the child spins on: pipe (minos write and read on its own
 * channel), wasi-pipe (the same through fd_write and fd_read), nowait
 * (minos read with MINOS_NO_WAIT on an empty channel), poll (poll_oneoff
 * with a zero timeout), clock (clock_time_get), random (random_get of 16
 * bytes), random-big (random_get of 64 MiB, a host call that takes long).
 *
 * The parent starts a spinner with no CPU limit on its own worker and
 * ticks every 20 ms for 2 s (a sleep in poll_oneoff), measuring how late
 * each tick comes in the worker's CPU time. Preempted at the first host
 * call after a preemption tick, the spinner makes it late by a tick or
 * two (1 ms each, or the kernel's tick if coarser): measured, under 0.1 ms
 * on average. Caught only when a tick happens to land in its own code
 * between host calls, it made it late by 27 to 277 ms on average. The
 * test allows 10 ms on average. Then the spinner is killed
 * (KILLED), and a second one, limited to 200 ms of CPU, must end by itself
 * with CPU_LIMIT. The child learns its KIND from a line on fd 0 and says
 * "s" on fd 1 right before its loop. */
#include "api_common.h"

#include <wasi/api.h>

#define MS 1000000ull

static void spin_on_pipe(void) {
  int32_t ends[2];
  if (minos_pipe(0, ends) != 0) exit(99);
  unsigned char byte = 0;
  for (;;) {
    int32_t from;
    if (minos_write(ends[0], &byte, 1) != 1) exit(98);
    if (minos_read(&ends[1], 1, &byte, 1, &from) != 1) exit(97);
  }
}

static void spin_on_wasi_pipe(void) {
  int32_t ends[2];
  if (minos_pipe(0, ends) != 0) exit(99);
  unsigned char byte = 0;
  for (;;) {
    if (write(ends[0], &byte, 1) != 1) exit(98);
    if (read(ends[1], &byte, 1) != 1) exit(97);
  }
}

static void spin_on_nowait(void) {
  int32_t ends[2];
  if (minos_pipe(0, ends) != 0) exit(99);
  unsigned char byte;
  for (;;) {
    int32_t from;
    if (minos_read_timeout(&ends[1], 1, &byte, 1, &from, MINOS_NO_WAIT) != -MINOS_EAGAIN) exit(98);
  }
}

static void spin_on_poll(void) {
  __wasi_subscription_t subscription;
  memset(&subscription, 0, sizeof subscription);
  subscription.u.tag = __WASI_EVENTTYPE_CLOCK;
  subscription.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subscription.u.u.clock.timeout = 0;
  for (;;) {
    __wasi_event_t event;
    __wasi_size_t count = 0;
    if (__wasi_poll_oneoff(&subscription, &event, 1, &count) != 0 || count != 1) exit(98);
  }
}

static void spin_on_clock(void) {
  for (;;) {
    __wasi_timestamp_t time;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &time) != 0) exit(98);
  }
}

static void spin_on_random(void) {
  for (;;) {
    unsigned char bytes[16];
    if (__wasi_random_get(bytes, sizeof bytes) != 0) exit(98);
  }
}

/* One call that takes long inside the host (a fill of 64 MiB) rather
 * than many short ones: it must let the others run while it fills. */
static void spin_on_big_random(void) {
  enum { SIZE = 64 << 20 };
  unsigned char *bytes = malloc(SIZE);
  if (!bytes) exit(99);
  for (;;)
    if (__wasi_random_get(bytes, SIZE) != 0) exit(98);
}

static int child(void) {
  char command[32] = {0};
  int32_t in = 0, from;
  int32_t got = minos_read(&in, 1, command, sizeof command - 1, &from);
  if (got <= 0) return 99;
  command[strcspn(command, "\n")] = '\0';
  if (minos_write(1, "s", 1) != 1) return 99;
  if (strcmp(command, "pipe") == 0) spin_on_pipe();
  if (strcmp(command, "wasi-pipe") == 0) spin_on_wasi_pipe();
  if (strcmp(command, "nowait") == 0) spin_on_nowait();
  if (strcmp(command, "poll") == 0) spin_on_poll();
  if (strcmp(command, "clock") == 0) spin_on_clock();
  if (strcmp(command, "random") == 0) spin_on_random();
  if (strcmp(command, "random-big") == 0) spin_on_big_random();
  return 99;
}

/* A spinner on this cell's worker, known to be in its loop on return. */
static struct child start_spinner(const void *code, uint32_t size, const char *kind,
                                  uint64_t cpu_time_ns) {
  minos_arch_spec spec = default_spec();
  spec.placement = MINOS_PLACE_SAME_WORKER;
  spec.cpu_time_ns = cpu_time_ns;
  struct child spinner = child_new(code, size, &spec, kind);
  int32_t said[2];
  REQUIRE(minos_pipe(0, said) == 0);
  REQUIRE(minos_wpass(said[0], spinner.cid) == 1);
  REQUIRE(minos_cstart(spinner.cid) == 0);
  char c = 0;
  int32_t from;
  CHECK_EQ(minos_read(&said[1], 1, &c, 1, &from), 1);
  CHECK_EQ(c, 's');
  CHECK_EQ(minos_rclose(said[1]), 0);
  return spinner;
}

static uint64_t worker_cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Ticks of 20 ms for `duration`. Lateness is measured in the worker's own
 * CPU time (WASI's thread clock is the worker thread's, which runs both
 * cells): what the worker spent while the ticker slept, beyond the 20 ms
 * the spinner may have had before the ticker was due. A loaded machine
 * gives the worker less CPU, never more, so it cannot inflate this. */
static int ticks_in(uint64_t duration, uint64_t *mean_cpu_late, uint64_t *worst_cpu_late) {
  uint64_t start = now_ns(), cpu_late_sum = 0;
  int ticks = 0;
  *worst_cpu_late = 0;
  while (now_ns() - start < duration) {
    uint64_t cpu_before = worker_cpu_ns();
    usleep(20000);
    uint64_t cpu = worker_cpu_ns() - cpu_before, late = cpu > 20 * MS ? cpu - 20 * MS : 0;
    cpu_late_sum += late;
    if (late > *worst_cpu_late) *worst_cpu_late = late;
    ticks++;
  }
  *mean_cpu_late = ticks ? cpu_late_sum / (uint64_t)ticks : 0;
  return ticks;
}

int main(int argc, char **argv) {
  if (argc < 2) return child();
  const char *kind = argv[1];
  uint32_t size;
  unsigned char *code = load_file("/guests/hostcalls_spin.wasm", &size);

  struct child spinner = start_spinner(code, size, kind, 0);
  uint64_t cpu_late, worst;
  int ticks = ticks_in(2000 * MS, &cpu_late, &worst);
  printf("hostcalls_spin %s: %d ticks of 20 ms in 2 s beside the spinner, late by %llu us of the "
         "worker's CPU on average, %llu us at worst\n",
         kind, ticks, (unsigned long long)(cpu_late / 1000), (unsigned long long)(worst / 1000));
  CHECK(ticks >= 5);
  CHECK(cpu_late <= 10 * MS);
  minos_cell_status status;
  CHECK_EQ(minos_ckill(spinner.cid), 0);
  CHECK_EQ(minos_cwait(spinner.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_KILLED, 0);

  spinner = start_spinner(code, size, kind, 200 * MS);
  uint64_t start = now_ns();
  CHECK_EQ(minos_cwait(spinner.cid, &status), 0);
  CHECK_STATUS(status, MINOS_FAULT_CPU_LIMIT, 0);
  printf("hostcalls_spin %s: the limited spinner ended after %llu ms\n", kind,
         (unsigned long long)((now_ns() - start) / MS));
  api_exit("hostcalls_spin");
}
