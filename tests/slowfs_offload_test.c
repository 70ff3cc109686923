/* SPDX-License-Identifier: Apache-2.0 */
/* The offload pool (core/offload.h) with cells on one scheduler, without
 * the wasm layer: a cell blocked on a job leaves the worker to its
 * neighbours; a cell killed while its job runs ends at once and the job
 * finishes on its own and releases its argument; a job still queued when
 * its cell is killed is dropped without running; the pool then serves
 * new jobs. Run with one offload thread (set here), so jobs queue. */
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/offload.h"
#include "core/scheduler.h"
#include "unit/check.h"

static atomic_bool let_jobs_finish;
static atomic_int jobs_run, jobs_released, ticks;
static cell *first_waiter, *second_waiter;
static offload_outcome first_outcome, second_outcome, last_outcome;

static uint64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* A hung system call: holds its thread until let go (10 s at most). */
static void hang(void *argument) {
  uint64_t give_up = now_ns() + 10000000000ull;
  while (!atomic_load(&let_jobs_finish) && now_ns() < give_up) {
    struct timespec pause = {0, 1000000};
    nanosleep(&pause, NULL);
  }
  *(int *)argument = 42; /* the job's own memory, never the cell's */
  atomic_fetch_add(&jobs_run, 1);
}

static void quick(void *argument) {
  *(int *)argument = 7;
  atomic_fetch_add(&jobs_run, 1);
}

static void release(void *argument) {
  free(argument);
  atomic_fetch_add(&jobs_released, 1);
}

static void pause_cell(cell *self, uint64_t ns) {
  uint64_t until = now_ns() + ns;
  while (now_ns() < until) scheduler_block_until(self, until);
}

static void first(cell *self) {
  first_outcome = offload_run(&offload_file_pool, &self->waiter, hang, release, malloc(sizeof(int)));
}

static void second(cell *self) {
  second_outcome = offload_run(&offload_file_pool, &self->waiter, hang, release, malloc(sizeof(int)));
}

static void ticker(cell *self) {
  while (atomic_load(&ticks) < 50) {
    pause_cell(self, 1000000);
    atomic_fetch_add(&ticks, 1);
  }
}

/* Kills both waiters once the ticker has ticked beside them, lets the
 * hung job finish, then uses the pool again. */
static void killer(cell *self) {
  while (atomic_load(&ticks) < 50) pause_cell(self, 1000000);
  cell_request_end(second_waiter, FAULT_KILLED); /* its job is still queued */
  cell_request_end(first_waiter, FAULT_KILLED);  /* its job is under way */
  pause_cell(self, 20000000);
  CHECK(atomic_load(&jobs_run) == 0);
  CHECK(atomic_load(&jobs_released) == 1); /* the queued one, dropped */
  atomic_store(&let_jobs_finish, true);
  uint64_t give_up = now_ns() + 10000000000ull;
  while (atomic_load(&jobs_released) < 2 && now_ns() < give_up) pause_cell(self, 1000000);
  CHECK(atomic_load(&jobs_run) == 1);
  CHECK(atomic_load(&jobs_released) == 2);
  int *result = malloc(sizeof *result);
  last_outcome = offload_run(&offload_file_pool, &self->waiter, quick, release, result);
  CHECK(last_outcome == OFFLOAD_DONE && *result == 7);
  free(result);
}

static void run_function(cell *self) { ((void (*)(cell *))self->arch_data)(self); }
static const cell_arch test_arch = {.name = "test", .run = run_function};

static cell *start(scheduler *runner, void (*body)(cell *)) {
  cell_limits limits = {.stack_bytes = 64 * 1024};
  cell *created;
  if (cell_create("test", &test_arch, (void *)body, &limits, &created) != MINOS_OK) abort();
  scheduler_start(runner, created);
  return created;
}

static void reap(cell *ended, void *user) {
  (void)user;
  cell_disown(ended);
}

int main(void) {
  setenv("MINOS_OFFLOAD_THREADS", "1", 1);
  scheduler runner;
  if (scheduler_init(&runner) != MINOS_OK) abort();
  runner.on_end = reap;
  first_waiter = start(&runner, first);
  second_waiter = start(&runner, second);
  start(&runner, ticker);
  start(&runner, killer);
  scheduler_run(&runner);
  scheduler_destroy(&runner);
  CHECK(first_outcome == OFFLOAD_ABANDONED);
  CHECK(second_outcome == OFFLOAD_ABANDONED);
  CHECK(atomic_load(&ticks) >= 50);
  printf("offload: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
