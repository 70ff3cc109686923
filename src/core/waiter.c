/* SPDX-License-Identifier: Apache-2.0 */
#include "core/waiter.h"

#include "core/scheduler.h"
#include "core/sync.h"

void waiter_init_host(waiter *self) {
  self->cell = NULL;
  self->callback = NULL;
  atomic_init(&self->signalled, 0);
}

void waiter_init_callback(waiter *self, void (*wake)(waiter *waiter)) {
  waiter_init_host(self);
  self->callback = wake;
}

void waiter_wake(waiter *self) {
  if (self->cell) {
    cell_wake(self->cell);
    return;
  }
  if (self->callback) {
    self->callback(self);
    return;
  }
  atomic_store(&self->signalled, 1);
  futex_wake_all(&self->signalled);
}

void waiter_sleep(waiter *self, uint64_t deadline) {
  if (self->cell) {
    scheduler_block_until(self->cell, deadline);
    return;
  }
  if (atomic_exchange(&self->signalled, 0)) return;
  futex_wait_until(&self->signalled, 0, deadline);
  atomic_store(&self->signalled, 0);
}
