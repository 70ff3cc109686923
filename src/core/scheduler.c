#include "core/scheduler.h"

#include <stddef.h>

#include "core/fault_signals.h"

static _Thread_local cell *running_cell;

cell *cell_current(void) { return running_cell; }

minos_status scheduler_init(scheduler *self) {
  *self = (scheduler){0};
  context_init_thread(&self->home);
  minos_status status = fault_signals_install();
  return status == MINOS_OK ? fault_signals_thread_init() : status;
}

static void make_ready(scheduler *self, cell *item) {
  item->state = CELL_READY;
  item->next_ready = NULL;
  if (self->ready_tail)
    self->ready_tail->next_ready = item;
  else
    self->ready_head = item;
  self->ready_tail = item;
}

void scheduler_start(scheduler *self, cell *item) {
  item->scheduler = self;
  self->live_cells++;
  make_ready(self, item);
}

static cell *take_ready(scheduler *self) {
  cell *item = self->ready_head;
  if (item) {
    self->ready_head = item->next_ready;
    if (!self->ready_head) self->ready_tail = NULL;
  }
  return item;
}

/* The end of a cell is handled here, on the scheduler's stack, because the
 * cell's own stack may be exhausted or about to be unmapped. */
static void finish(scheduler *self, cell *item) {
  if (item->arch->describe_end) item->arch->describe_end(item);
  resource_release_all(&item->resources);
  stack_destroy(&item->stack);
  self->live_cells--;
  if (self->on_end) self->on_end(item, self->user);
}

void scheduler_run(scheduler *self) {
  cell *item;
  while ((item = take_ready(self)) != NULL) {
    item->state = CELL_RUNNING;
    self->current = item;
    running_cell = item;
    context_switch(&self->home, &item->context);
    running_cell = NULL;
    self->current = NULL;
    if (item->state == CELL_ENDED) finish(self, item);
  }
}

void scheduler_switch_out(cell *item) {
  context_switch(&item->context, &item->scheduler->home);
  running_cell = item;
}

void scheduler_yield(cell *item) {
  make_ready(item->scheduler, item);
  scheduler_switch_out(item);
}

void scheduler_block(cell *item) {
  item->state = CELL_BLOCKED;
  scheduler_switch_out(item);
}

void scheduler_wake(cell *item) {
  if (item->state == CELL_BLOCKED) make_ready(item->scheduler, item);
}

void scheduler_leave_for_good(cell *item) {
  item->state = CELL_ENDED;
  context_exit_to(&item->scheduler->home);
}
