/* SPDX-License-Identifier: Apache-2.0 */
/* Where the default placement (PLACE_ANY) runs a cell created by a cell,
 * in a runtime of two workers, with a test arch whose cells say which
 * worker ran them:
 *   - next to its creator when the creator's worker is not busy (no
 *     wake-up of another CPU for a cell per request);
 *   - on the idle worker when the creator's worker is busy with a
 *     CPU-bound cell: placed while busy, and started (let_start) while
 *     busy after its initialisation ran next to its creator;
 *   - a cell placed on a given worker stays there, busy or not. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/cell.h"
#include "core/preempt.h"
#include "core/runtime.h"
#include "core/scheduler.h"
#include "check.h"

typedef enum { RECORD, SPIN, INITIALISE_THEN_RECORD, PARENT } behaviour;

typedef struct test_cell {
  behaviour what;
  atomic_int worker;       /* the worker that ran its code; -1 before */
  atomic_bool running;     /* a spinner: in its loop */
  atomic_bool initialised; /* INITIALISE_THEN_RECORD: waiting for its start */
  bool start_requested;    /* under the cell's end_lock */
  void (*parent_body)(cell *self);
} test_cell;

static runtime workers;
static atomic_bool stop_spinning;

static int this_worker(void) { return (int)scheduler_of_thread()->index; }

static void run(cell *self) {
  test_cell *data = self->arch_data;
  if (data->what == INITIALISE_THEN_RECORD) {
    atomic_store(&data->initialised, true);
    cell_wait_to_be_started(self, &data->start_requested);
  }
  atomic_store(&data->worker, this_worker());
  if (data->what == SPIN) {
    atomic_store(&data->running, true);
    while (!atomic_load(&stop_spinning)) {
    }
  }
  if (data->what == PARENT) data->parent_body(self);
}

/* Plain C that holds no lock: the tick may switch away anywhere. */
static bool preemptible_at(cell *self, uintptr_t pc) {
  (void)self;
  (void)pc;
  return true;
}

static bool initialised(cell *self) {
  test_cell *data = self->arch_data;
  return data->what != INITIALISE_THEN_RECORD || atomic_load(&data->initialised);
}

static void let_start(cell *self) {
  test_cell *data = self->arch_data;
  cell_request_start(self, &data->start_requested);
}

static const cell_arch test_arch = {.name = "test",
                                    .run = run,
                                    .preemptible_at = preemptible_at,
                                    .initialised = initialised,
                                    .let_start = let_start};

static cell *make(test_cell *data, behaviour what, const char *name) {
  *data = (test_cell){.what = what};
  atomic_store(&data->worker, -1);
  cell_limits limits = {.stack_bytes = 256 * 1024, .max_cells = 8,
                        .parent_account = workers.root};
  cell *created = NULL;
  if (cell_create(name, &test_arch, data, &limits, &created) != MINOS_OK) {
    printf("FAIL: cannot create %s\n", name);
    exit(1);
  }
  return created;
}

/* From a cell: lets others run until `flag` is set. */
static void yield_until(cell *self, atomic_bool *flag) {
  while (!atomic_load(flag)) scheduler_yield(self);
}

static void wait_end(cell *self, cell *child) {
  cell_wait_end(child, &self->waiter, DEADLINE_NEVER);
}

/* Runs body in a parent cell placed on worker 0 and waits for it. */
static void as_parent(void (*body)(cell *self)) {
  test_cell data;
  cell *parent = make(&data, PARENT, "parent");
  data.parent_body = body;
  CHECK(runtime_place(&workers, parent, PLACE_SAME_WORKER, NULL) == MINOS_OK);
  waiter host;
  waiter_init_host(&host);
  cell_wait_end(parent, &host, DEADLINE_NEVER);
  CHECK(!parent->outcome.faulted);
  cell_reap(parent);
}

static void next_to_creator(cell *self) {
  for (int i = 0; i < 100; i++) {
    test_cell data;
    cell *child = make(&data, RECORD, "child");
    CHECK(runtime_place(&workers, child, PLACE_ANY, self) == MINOS_OK);
    wait_end(self, child);
    CHECK(atomic_load(&data.worker) == this_worker());
    cell_reap(child);
  }
}

/* A spinner on this worker, started and seen in its loop; stop_spinning
 * ends it. */
static cell *start_spinner(cell *self, test_cell *data) {
  cell *spinner = make(data, SPIN, "spinner");
  CHECK(runtime_place(&workers, spinner, PLACE_SAME_WORKER, self) == MINOS_OK);
  yield_until(self, &data->running);
  /* A whole tick of it makes this worker busy. */
  for (uint64_t until = monotonic_ns() + 20 * PREEMPT_TICK_NS; monotonic_ns() < until;)
    scheduler_yield(self);
  return spinner;
}

static void stop_spinner(cell *self, cell *spinner) {
  atomic_store(&stop_spinning, true);
  wait_end(self, spinner);
  cell_reap(spinner);
  atomic_store(&stop_spinning, false);
}

static void away_from_busy_creator(cell *self) {
  test_cell late_data;
  cell *late = make(&late_data, INITIALISE_THEN_RECORD, "late");
  CHECK(runtime_place(&workers, late, PLACE_ANY, self) == MINOS_OK);
  yield_until(self, &late_data.initialised);

  test_cell spinner_data;
  cell *spinner = start_spinner(self, &spinner_data);
  int busy = atomic_load(&spinner_data.worker);
  CHECK(busy == this_worker());

  for (int i = 0; i < 20; i++) {
    test_cell data;
    cell *child = make(&data, RECORD, "child");
    CHECK(runtime_place(&workers, child, PLACE_ANY, self) == MINOS_OK);
    wait_end(self, child);
    CHECK(atomic_load(&data.worker) == 1 - busy);
    cell_reap(child);
  }
  late->arch->let_start(late);
  wait_end(self, late);
  CHECK(atomic_load(&late_data.worker) == 1 - busy);
  cell_reap(late);

  /* Asked for by name, the busy worker it is. */
  test_cell same_data;
  cell *same = make(&same_data, RECORD, "same");
  CHECK(runtime_place(&workers, same, PLACE_SAME_WORKER, self) == MINOS_OK);
  wait_end(self, same);
  CHECK(atomic_load(&same_data.worker) == busy);
  cell_reap(same);
  stop_spinner(self, spinner);
}

int main(void) {
  if (runtime_init(&workers, 2) != MINOS_OK) {
    printf("FAIL: cannot start a runtime\n");
    return 1;
  }
  as_parent(next_to_creator);
  as_parent(away_from_busy_creator);
  runtime_shutdown(&workers);
  printf("placement_test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
