/* SPDX-License-Identifier: Apache-2.0 */
#include "core/cell.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/scheduler.h"

static atomic_uint_fast64_t next_cell_id = 1;

/* Guests see faults by these numbers (include/minos.h). */
_Static_assert((int)FAULT_COUNT == (int)MINOS_FAULT_COUNT, "fault enums differ");
_Static_assert((int)FAULT_CPU_LIMIT == (int)MINOS_FAULT_CPU_LIMIT, "fault enums differ");
_Static_assert((int)FAULT_HOST_ERROR == (int)MINOS_FAULT_HOST_ERROR, "fault enums differ");
_Static_assert((int)FAULT_TIMEOUT == (int)MINOS_FAULT_TIMEOUT, "fault enums differ");

const char *cell_fault_name(cell_fault fault) {
  static const char *const names[FAULT_COUNT] = {
      [FAULT_NONE] = "none",
      [FAULT_MEMORY_OUT_OF_BOUNDS] = "out-of-bounds memory access",
      [FAULT_TABLE_OUT_OF_BOUNDS] = "out-of-bounds table access",
      [FAULT_INDIRECT_CALL_TYPE_MISMATCH] = "indirect call type mismatch",
      [FAULT_NULL_FUNCTION] = "null function",
      [FAULT_INTEGER_DIVIDE_BY_ZERO] = "integer divide by zero",
      [FAULT_INTEGER_OVERFLOW] = "integer overflow",
      [FAULT_INVALID_CONVERSION] = "invalid conversion to integer",
      [FAULT_UNREACHABLE] = "unreachable",
      [FAULT_STACK_EXHAUSTION] = "stack exhaustion",
      [FAULT_MEMORY_LIMIT] = "memory limit",
      [FAULT_TABLE_LIMIT] = "table limit",
      [FAULT_CPU_LIMIT] = "cpu limit",
      [FAULT_INIT_TIMEOUT] = "init timeout",
      [FAULT_KILLED] = "killed",
      [FAULT_HOST_ERROR] = "host error",
      [FAULT_TIMEOUT] = "timeout",
      [FAULT_SIGNAL] = "killed by a signal",
      [FAULT_BLOCKED_CALL] = "blocked system call",
  };
  if ((unsigned)fault >= FAULT_COUNT) return "unknown fault";
  return names[fault];
}

void cell_outcome_describe(const cell_outcome *outcome, char *text, size_t size) {
  const char *name = cell_fault_name(outcome->fault);
  if (outcome->fault == FAULT_SIGNAL && outcome->where[0])
    snprintf(text, size, "%s", outcome->where);
  else if (outcome->fault == FAULT_BLOCKED_CALL && outcome->where[0])
    snprintf(text, size, "%s %s", name, outcome->where);
  else
    snprintf(text, size, "%s%s%s", name, outcome->where[0] ? " in " : "", outcome->where);
}

static void cell_entry(void *argument) {
  cell *self = argument;
  context_entered();
  self->arch->run(self);
  cell_exit(self, 0);
}

static uint64_t limit_or_unlimited(uint64_t limit) { return limit ? limit : ACCOUNT_UNLIMITED; }

/* Counts the cell in its parent's account, then opens its own. */
static minos_status open_account(cell *created, const cell_limits *limits) {
  minos_status status = account_charge(limits->parent_account, ACCOUNT_CELLS, 1);
  if (status != MINOS_OK) return status;
  const uint64_t account_limits[ACCOUNT_KIND_COUNT] = {
      [ACCOUNT_MEMORY] = limit_or_unlimited(limits->memory_bytes),
      [ACCOUNT_CPU] = limit_or_unlimited(limits->cpu_time_ns),
      [ACCOUNT_HOST_FDS] = limits->host_fds,
      [ACCOUNT_CELLS] = limits->max_cells,
  };
  created->account = account_new(limits->parent_account, account_limits);
  if (created->account) return MINOS_OK;
  account_credit(limits->parent_account, ACCOUNT_CELLS, 1);
  return MINOS_ENOMEM;
}

static void close_account(cell *ended) {
  account_credit(ended->account->parent, ACCOUNT_CELLS, 1);
  account_release(ended->account);
}

minos_status cell_create(const char *name, const cell_arch *arch, void *arch_data,
                         const cell_limits *limits, cell **out) {
  cell *created = calloc(1, sizeof *created);
  if (!created) return MINOS_ENOMEM;
  minos_status status = open_account(created, limits);
  if (status != MINOS_OK) {
    free(created);
    return status;
  }
  status = limits->unguarded_stack
               ? stack_create_unguarded(&created->stack, limits->stack_bytes)
               : stack_create(&created->stack, limits->stack_bytes);
  if (status != MINOS_OK) {
    close_account(created);
    free(created);
    return status;
  }
  created->id = atomic_fetch_add(&next_cell_id, 1);
  snprintf(created->name, sizeof created->name, "%s", name ? name : "cell");
  created->state = CELL_NEW;
  created->limits = *limits;
  created->arch = arch;
  created->arch_data = arch_data;
  resource_list_init(&created->resources);
  atomic_init(&created->wake_state, CELL_AWAKE);
  atomic_init(&created->end_request, FAULT_NONE);
  atomic_init(&created->ended, false);
  created->timer_slot = SIZE_MAX;
  created->limits.parent_account = NULL; /* reached through its account */
  created->waiter.cell = created;
  context_make(&created->context, created->stack.usable_low, created->stack.usable_size,
               cell_entry, created);
  *out = created;
  return MINOS_OK;
}

void cell_charge_cpu(cell *self, uint64_t spent_ns) {
  self->cpu_used_ns += spent_ns;
  account_charge_spent(self->account, ACCOUNT_CPU, spent_ns);
}

bool cell_cpu_exhausted(const cell *self) { return account_exhausted(self->account, ACCOUNT_CPU); }

void cell_own(cell *owner, resource *item, resource_release_fn release) {
  resource_add(&owner->resources, item, release);
}

void cell_exit(cell *self, uint32_t exit_code) {
  self->outcome.faulted = false;
  self->outcome.exit_code = exit_code;
  scheduler_leave_for_good(self);
}

void cell_fault_now(cell *self, cell_fault fault, uintptr_t address) {
  self->outcome.faulted = true;
  self->outcome.fault = fault;
  self->outcome.fault_address = address;
  scheduler_leave_for_good(self);
}

void cell_request_end(cell *self, cell_fault fault) {
  unsigned none = FAULT_NONE;
  atomic_compare_exchange_strong(&self->end_request, &none, (unsigned)fault);
  cell_wake(self);
}

void cell_wait_to_be_started(cell *self, const bool *start_requested) {
  for (;;) {
    cell_honour_end_request(self);
    spinlock_lock(&self->end_lock);
    bool started = *start_requested;
    self->parked_at_start = !started;
    spinlock_unlock(&self->end_lock);
    if (started) return;
    scheduler_block(self);
  }
}

/* A cell placed anywhere that waits for its start has nothing of a worker
 * on its stack: it starts on the starter's worker (its creator's, as a
 * rule), or on an idle one if that is busy (scheduler_wake_here). */
void cell_request_start(cell *self, bool *start_requested) {
  spinlock_lock(&self->end_lock);
  *start_requested = true;
  bool movable = self->place_anywhere && self->parked_at_start;
  self->parked_at_start = false;
  spinlock_unlock(&self->end_lock);
  if (movable) scheduler_wake_here(self);
  else cell_wake(self);
}

void cell_honour_end_request(cell *self) {
  unsigned fault = atomic_load_explicit(&self->end_request, memory_order_relaxed);
  if (fault != FAULT_NONE) cell_fault_now(self, (cell_fault)fault, 0);
}

bool cell_wait_end(cell *self, waiter *owner, uint64_t deadline) {
  for (;;) {
    spinlock_lock(&self->end_lock);
    bool ended = atomic_load(&self->ended);
    self->end_waiter = ended ? NULL : owner;
    spinlock_unlock(&self->end_lock);
    if (ended) return true;
    if (deadline != DEADLINE_NEVER && monotonic_ns() >= deadline) break;
    /* A waiting cell asked to end stops waiting, to honour the request. */
    if (owner->cell && atomic_load(&owner->cell->end_request)) break;
    waiter_sleep(owner, deadline);
  }
  spinlock_lock(&self->end_lock);
  self->end_waiter = NULL;
  bool ended = atomic_load(&self->ended);
  spinlock_unlock(&self->end_lock);
  return ended;
}

bool cell_watch_end(cell *self, waiter *owner) {
  spinlock_lock(&self->end_lock);
  bool ended = atomic_load(&self->ended);
  self->end_waiter = ended ? NULL : owner;
  spinlock_unlock(&self->end_lock);
  return ended;
}

/* On the cell's scheduler, after its resources were released. */
void cell_mark_ended(cell *self) {
  spinlock_lock(&self->end_lock);
  atomic_store(&self->ended, true);
  if (self->end_waiter) waiter_wake(self->end_waiter);
  self->end_waiter = NULL;
  bool orphaned = self->orphaned;
  spinlock_unlock(&self->end_lock);
  if (orphaned) cell_reap(self);
}

void cell_disown(cell *self) {
  if (!self->scheduler) { /* never started: nothing runs it, end it here */
    resource_release_all(&self->resources);
    stack_destroy(&self->stack);
    cell_reap(self);
    return;
  }
  spinlock_lock(&self->end_lock);
  bool ended = atomic_load(&self->ended);
  self->orphaned = !ended;
  /* Under the lock: once it is unlocked, an orphan may end and be freed. */
  if (!ended) cell_request_end(self, FAULT_KILLED);
  spinlock_unlock(&self->end_lock);
  if (ended) cell_reap(self);
}

void cell_detach(cell *self) {
  spinlock_lock(&self->end_lock);
  bool ended = atomic_load(&self->ended);
  self->orphaned = !ended;
  spinlock_unlock(&self->end_lock);
  if (ended) cell_reap(self);
}

/* Resources and stack are released when the cell ends (scheduler.c);
 * a zombie holds only its outcome. */
void cell_reap(cell *zombie) {
  if (!zombie) return;
  /* The thread that marked it ended may still be inside cell_mark_ended
   * (an owner may see `ended` before that thread lets go of the lock). */
  spinlock_lock(&zombie->end_lock);
  spinlock_unlock(&zombie->end_lock);
  if (zombie->arch->destroy) zombie->arch->destroy(zombie);
  close_account(zombie); /* a zombie counts as a live cell until reaped */
  free(zombie);
}
