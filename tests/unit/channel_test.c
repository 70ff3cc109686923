/* SPDX-License-Identifier: Apache-2.0 */
/* Channels between cells on one scheduler: ping-pong, backpressure, end of
 * stream, a closed reader, fairness across read ends, non-blocking forms
 * and misuse. Cells here run plain C functions (a test arch), so the core
 * is tested without the wasm layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/channel.h"
#include "core/scheduler.h"
#include "check.h"


typedef struct task {
  void (*body)(cell *self, struct task *task);
  channel_end *ends[4];
  long result;
} task;

static void run_task(cell *self) {
  task *work = self->arch_data;
  work->body(self, work);
}

static const cell_arch test_arch = {.name = "test", .run = run_task};

static void start(scheduler *runner, task *work) {
  cell_limits limits = {.stack_bytes = 64 * 1024};
  cell *created;
  if (cell_create("test", &test_arch, work, &limits, &created) != MINOS_OK) abort();
  scheduler_start(runner, created);
}

static void reap(cell *ended, void *user) {
  (void)user;
  cell_disown(ended);
}

static void run_all(task *tasks, int count) {
  scheduler runner;
  if (scheduler_init(&runner) != MINOS_OK) abort();
  runner.on_end = reap;
  for (int i = 0; i < count; i++) start(&runner, &tasks[i]);
  scheduler_run(&runner);
  CHECK(runner.live_cells == 0); /* nobody left blocked for ever */
}

static long read_value(cell *self, channel_end *end) {
  long value = 0;
  uint32_t rotation = 0, which;
  int64_t got = channel_read(&self->waiter, &end, 1, &value, sizeof value, DEADLINE_NEVER, &rotation, &which);
  return got == sizeof value ? value : -1;
}

/* ends: 0 = to the other side, 1 = from the other side */
static void ping(cell *self, task *work) {
  for (long i = 0; i < 1000; i++) {
    channel_write(&self->waiter, work->ends[0], &i, sizeof i, DEADLINE_NEVER);
    if (read_value(self, work->ends[1]) != i + 1) work->result = -1;
  }
  channel_end_close(work->ends[0]);
  channel_end_close(work->ends[1]);
}

static void pong(cell *self, task *work) {
  long value;
  while ((value = read_value(self, work->ends[1])) >= 0) {
    value++;
    channel_write(&self->waiter, work->ends[0], &value, sizeof value, DEADLINE_NEVER);
    work->result++;
  }
  channel_end_close(work->ends[0]);
  channel_end_close(work->ends[1]);
}

static void test_ping_pong(void) {
  channel_end *there_w, *there_r, *back_w, *back_r;
  channel_create(0, &there_w, &there_r);
  channel_create(0, &back_w, &back_r);
  task tasks[2] = {{ping, {there_w, back_r}, 0}, {pong, {back_w, there_r}, 0}};
  run_all(tasks, 2);
  CHECK(tasks[0].result == 0);
  CHECK(tasks[1].result == 1000);
}

/* A 16-byte channel: the writer must block and resume many times. */
static void bulk_writer(cell *self, task *work) {
  unsigned char data[1000];
  for (int i = 0; i < 1000; i++) data[i] = (unsigned char)(i * 7);
  uint32_t done = 0;
  while (done < sizeof data) {
    int64_t wrote = channel_write(&self->waiter, work->ends[0], data + done, sizeof data - done, DEADLINE_NEVER);
    if (wrote <= 0 || wrote > 16) {
      work->result = -1;
      break;
    }
    done += (uint32_t)wrote;
  }
  channel_end_close(work->ends[0]);
}

static void bulk_reader(cell *self, task *work) {
  unsigned char chunk[7];
  uint32_t rotation = 0, which, total = 0;
  int64_t got;
  while ((got = channel_read(&self->waiter, &work->ends[0], 1, chunk, sizeof chunk, DEADLINE_NEVER,
                             &rotation, &which)) > 0) {
    for (int64_t i = 0; i < got; i++)
      if (chunk[i] != (unsigned char)((total + i) * 7)) work->result = -1;
    total += (uint32_t)got;
    scheduler_yield(self); /* a slow reader */
  }
  if (got != 0 || total != 1000) work->result = -1;
  channel_end_close(work->ends[0]);
}

static void test_backpressure_and_end_of_stream(void) {
  channel_end *w, *r;
  channel_create(16, &w, &r);
  task tasks[2] = {{bulk_writer, {w}, 0}, {bulk_reader, {r}, 0}};
  run_all(tasks, 2);
  CHECK(tasks[0].result == 0);
  CHECK(tasks[1].result == 0);
}

static void writer_to_closed(cell *self, task *work) {
  char byte = 'x';
  long writes = 0;
  int64_t status;
  while ((status = channel_write(&self->waiter, work->ends[0], &byte, 1, DEADLINE_NEVER)) == 1) writes++;
  work->result = status == -MINOS_ECLOSED && writes == 4 ? 0 : -1;
  channel_end_close(work->ends[0]);
}

static void reader_that_leaves(cell *self, task *work) {
  (void)self;
  channel_end_close(work->ends[0]);
}

static void test_closed_reader(void) {
  channel_end *w, *r;
  channel_create(4, &w, &r);
  task tasks[2] = {{writer_to_closed, {w}, 0}, {reader_that_leaves, {r}, 0}};
  run_all(tasks, 2);
  CHECK(tasks[0].result == 0);
}

static void steady_writer(cell *self, task *work) {
  for (char i = 0; i < 30; i++) channel_write(&self->waiter, work->ends[0], &i, 1, DEADLINE_NEVER);
  channel_end_close(work->ends[0]);
}

/* With all three ends always ready, reads must rotate among them. */
static void fair_reader(cell *self, task *work) {
  uint32_t rotation = 0, which, finished = 0, reads[3] = {0};
  char byte;
  scheduler_yield(self); /* let every writer fill its channel first */
  while (finished < 3) {
    int64_t got = channel_read(&self->waiter, work->ends, 3, &byte, 1, DEADLINE_NEVER, &rotation, &which);
    if (got < 0) break;
    if (got == 0) {
      finished++;
      work->ends[which] = work->ends[(which + 1) % 3]; /* stop polling a finished end */
      continue;
    }
    reads[which]++;
    if (reads[0] + reads[1] + reads[2] == 30)
      work->result = reads[0] == 10 && reads[1] == 10 && reads[2] == 10 ? 1 : -1;
  }
}

static void test_fairness(void) {
  channel_end *w[3], *r[3];
  for (int i = 0; i < 3; i++) channel_create(64, &w[i], &r[i]);
  task tasks[4] = {{steady_writer, {w[0]}, 0}, {steady_writer, {w[1]}, 0},
                   {steady_writer, {w[2]}, 0}, {fair_reader, {r[0], r[1], r[2]}, 0}};
  run_all(tasks, 4);
  CHECK(tasks[3].result == 1);
  for (int i = 0; i < 3; i++) channel_end_close(r[i]);
}

static void test_non_blocking_and_misuse(void) {
  channel_end *w, *r;
  channel_create(2, &w, &r);
  char bytes[4] = "abc", out[4];
  uint32_t rotation = 0, which;
  CHECK(channel_read(NULL, &r, 1, out, sizeof out, DEADLINE_NOW, &rotation, &which) == -MINOS_EAGAIN);
  CHECK(channel_write(NULL, w, bytes, 3, DEADLINE_NOW) == 2);
  CHECK(channel_write(NULL, w, bytes, 1, DEADLINE_NOW) == -MINOS_EAGAIN);
  CHECK(channel_write(NULL, r, bytes, 1, DEADLINE_NOW) == -MINOS_EINVAL);
  CHECK(channel_write(NULL, w, bytes, 0, DEADLINE_NOW) == -MINOS_EINVAL);
  CHECK(channel_read(NULL, &w, 1, out, sizeof out, DEADLINE_NOW, &rotation, &which) == -MINOS_EINVAL);
  CHECK(channel_read(NULL, &r, 1, out, sizeof out, DEADLINE_NOW, &rotation, &which) == 2);
  CHECK(memcmp(out, "ab", 2) == 0);
  channel_end_close(w);
  CHECK(channel_read(NULL, &r, 1, out, sizeof out, DEADLINE_NOW, &rotation, &which) == 0);
  channel_end_close(r);
}

int main(void) {
  test_ping_pong();
  test_backpressure_and_end_of_stream();
  test_closed_reader();
  test_fairness();
  test_non_blocking_and_misuse();
  printf("channel_test: %s\n", failures ? "FAILED" : "all checks passed");
  return failures ? 1 : 0;
}
