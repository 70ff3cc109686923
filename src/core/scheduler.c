/* SPDX-License-Identifier: Apache-2.0 */
#include "core/scheduler.h"

#include <stdlib.h>

#include "core/fault_signals.h"
#include "core/log.h"
#include "core/arena.h"
#include "core/preempt.h"

/* How long an idle worker spins for new work before it sleeps in the
 * kernel: a peer on another worker usually answers within microseconds,
 * and a futex sleep and wake costs more than that. */
#define IDLE_SPIN_NS 20000

static _Thread_local cell *running_cell;
static _Thread_local scheduler *this_scheduler;

cell *cell_current(void) { return running_cell; }
scheduler *scheduler_of_thread(void) { return this_scheduler; }

minos_status scheduler_init(scheduler *self) {
  *self = (scheduler){0};
  return fault_signals_install();
}

void scheduler_destroy(scheduler *self) {
  free(self->timers);
  self->timers = NULL;
}

static void append(cell **head, cell **tail, cell *item);

static void make_ready(scheduler *self, cell *item) {
  item->state = CELL_READY;
  append(&self->ready_head, &self->ready_tail, item);
}

static void append(cell **head, cell **tail, cell *item) {
  item->next_ready = NULL;
  if (*tail) (*tail)->next_ready = item;
  else *head = item;
  *tail = item;
}

static cell *pop(cell **head, cell **tail) {
  cell *item = *head;
  if (item) {
    *head = item->next_ready;
    if (!*head) *tail = NULL;
  }
  return item;
}

static cell *take_fresh(scheduler *self) {
  if (atomic_load_explicit(&self->fresh_count, memory_order_relaxed) == 0) return NULL;
  spinlock_lock(&self->fresh_lock);
  cell *item = pop(&self->fresh_head, &self->fresh_tail);
  if (item) atomic_fetch_sub_explicit(&self->fresh_count, 1, memory_order_relaxed);
  spinlock_unlock(&self->fresh_lock);
  return item;
}

static bool is_busy(const scheduler *self) {
  return atomic_load_explicit(&self->busy, memory_order_relaxed);
}

static bool has_fresh(const scheduler *self) {
  return atomic_load_explicit(&self->fresh_count, memory_order_relaxed) > 0;
}

static bool peer_idle(const scheduler *self) {
  for (unsigned i = 0; i < self->peer_count; i++)
    if (&self->peers[i] != self && atomic_load_explicit(&self->peers[i].idle, memory_order_relaxed))
      return true;
  return false;
}

/* A busy worker leaves its new cells to an idle peer, which takes them
 * at once (it was woken when they came): its own CPU-bound cell keeps
 * the CPU, and the new one gets another. */
static bool fresh_for_me(const scheduler *self) {
  return has_fresh(self) && !(is_busy(self) && peer_idle(self));
}

/* Woken cells, then new ones, but a new one never waits behind more than
 * FRESH_PATIENCE woken ones in a row. */
#define FRESH_PATIENCE 8

static cell *take_woken_or_fresh(scheduler *self, bool fresh_usable) {
  if (self->ready_head && (!fresh_usable || self->ready_since_fresh < FRESH_PATIENCE)) {
    if (fresh_usable) self->ready_since_fresh++;
    return pop(&self->ready_head, &self->ready_tail);
  }
  self->ready_since_fresh = 0;
  cell *item = fresh_usable ? take_fresh(self) : NULL;
  return item ? item : pop(&self->ready_head, &self->ready_tail);
}

/* Woken cells first, for latency; the preempted cells, as one queue,
 * have a turn ahead of them once a whole tick has passed since the last
 * one was preempted (the queue's tail), and then a woken one goes next:
 * however many spinners share the worker, woken cells get about half. */
static cell *take_ready(scheduler *self) {
  cell *waited = self->preempted_head;
  /* No CPU-bound cell waits, and the one that ran (if any) gave up the
   * CPU by itself: this worker is not busy. */
  if (!waited) atomic_store_explicit(&self->busy, false, memory_order_relaxed);
  bool fresh_usable = fresh_for_me(self);
  bool nothing_else = !self->ready_head && !fresh_usable;
  bool overdue = waited && (nothing_else ||
                            (!self->overdue_went_ahead &&
                             monotonic_ns() - self->preempted_tail->preempted_at >=
                                 PREEMPT_TICK_NS));
  self->overdue_went_ahead = overdue && !nothing_else;
  if (overdue) return pop(&self->preempted_head, &self->preempted_tail);
  return take_woken_or_fresh(self, fresh_usable);
}

/* An idle worker's look at its peers: a new cell that waits on a busy one. */
static cell *steal(scheduler *self) {
  for (unsigned i = 0; i < self->peer_count; i++) {
    scheduler *peer = &self->peers[(self->index + 1 + i) % self->peer_count];
    if (peer == self || !is_busy(peer)) continue;
    cell *item = take_fresh(peer);
    if (!item) continue;
    atomic_fetch_sub(&peer->live_cells, 1);
    atomic_fetch_add(&self->live_cells, 1);
    item->scheduler = self;
    return item;
  }
  return NULL;
}

static bool peer_needs_help(const scheduler *self) {
  for (unsigned i = 0; i < self->peer_count; i++)
    if (&self->peers[i] != self && is_busy(&self->peers[i]) && has_fresh(&self->peers[i]))
      return true;
  return false;
}
/* From another thread: through the inbox, waking the worker if it sleeps.
 * The sequence bump comes before the look at `sleeping`, and the worker
 * sets `sleeping` before it reads the sequence, so one of the two always
 * sees the other. */
static void hand_over(scheduler *self, cell *item) {
  item->next_ready = NULL;
  spinlock_lock(&self->inbox_lock);
  if (self->inbox_tail)
    self->inbox_tail->next_ready = item;
  else
    self->inbox_head = item;
  self->inbox_tail = item;
  atomic_store(&self->inbox_filled, true);
  spinlock_unlock(&self->inbox_lock);
  atomic_fetch_add(&self->inbox_sequence, 1);
  if (atomic_load(&self->sleeping)) futex_wake_all(&self->inbox_sequence);
}

static void enqueue(scheduler *self, cell *item) {
  if (this_scheduler == self) make_ready(self, item);
  else hand_over(self, item);
}

static void drain_inbox(scheduler *self) {
  if (!atomic_load_explicit(&self->inbox_filled, memory_order_acquire)) return;
  spinlock_lock(&self->inbox_lock);
  cell *item = self->inbox_head;
  self->inbox_head = self->inbox_tail = NULL;
  atomic_store(&self->inbox_filled, false);
  spinlock_unlock(&self->inbox_lock);
  while (item) {
    cell *next = item->next_ready;
    make_ready(self, item);
    item = next;
  }
}

bool scheduler_has_other_work(scheduler *self) {
  if (self->ready_head || self->preempted_head ||
      atomic_load_explicit(&self->inbox_filled, memory_order_relaxed) || has_fresh(self))
    return true;
  return self->timer_count && self->timers[0]->deadline <= monotonic_ns();
}

void scheduler_start(scheduler *self, cell *item) {
  item->scheduler = self;
  atomic_fetch_add(&self->live_cells, 1);
  enqueue(self, item);
}

/* A sleeping peer is woken to take this busy worker's new cells. */
static void call_for_help(scheduler *self) {
  for (unsigned i = 0; i < self->peer_count; i++) {
    scheduler *peer = &self->peers[i];
    if (peer == self || !atomic_load(&peer->sleeping)) continue;
    atomic_fetch_add(&peer->inbox_sequence, 1);
    futex_wake_all(&peer->inbox_sequence);
    return;
  }
}

static void add_fresh(scheduler *self, cell *item) {
  item->next_ready = NULL;
  spinlock_lock(&self->fresh_lock);
  append(&self->fresh_head, &self->fresh_tail, item);
  atomic_fetch_add_explicit(&self->fresh_count, 1, memory_order_relaxed);
  spinlock_unlock(&self->fresh_lock);
  if (is_busy(self)) call_for_help(self);
}

void scheduler_start_here(scheduler *self, cell *item) {
  item->scheduler = self;
  atomic_fetch_add(&self->live_cells, 1);
  add_fresh(self, item);
}

/* Marks the cell woken; true when it was parked, and so is the caller's
 * to make ready (nobody else will). */
static bool claim_wake(cell *item) {
  unsigned state = atomic_load(&item->wake_state);
  for (;;) {
    if (state == CELL_NOTIFIED) return false;
    unsigned next = state == CELL_PARKED ? CELL_AWAKE : CELL_NOTIFIED;
    if (atomic_compare_exchange_weak(&item->wake_state, &state, next)) break;
  }
  return state == CELL_PARKED;
}

void scheduler_wake_here(cell *item) {
  scheduler *here = scheduler_of_thread();
  if (!here || here->peers != item->scheduler->peers) {
    cell_wake(item);
    return;
  }
  if (!claim_wake(item)) return;
  /* Parked, it is ours to move: nobody else enqueues it now. */
  scheduler *from = item->scheduler;
  if (from != here) {
    atomic_fetch_sub(&from->live_cells, 1);
    atomic_fetch_add(&here->live_cells, 1);
    item->scheduler = here;
  }
  item->state = CELL_READY;
  add_fresh(here, item);
}

void scheduler_note_busy(scheduler *self) {
  atomic_store(&self->busy, true);
  if (has_fresh(self)) call_for_help(self);
}

void cell_wake(cell *item) {
  if (claim_wake(item)) enqueue(item->scheduler, item);
}

/* Deadlines: a min-heap of blocked cells, each knowing its slot. */
static void timer_place(scheduler *self, size_t slot, cell *item) {
  self->timers[slot] = item;
  item->timer_slot = slot;
}

static void timer_sift_up(scheduler *self, size_t slot) {
  cell *item = self->timers[slot];
  while (slot > 0) {
    size_t parent = (slot - 1) / 2;
    if (self->timers[parent]->deadline <= item->deadline) break;
    timer_place(self, slot, self->timers[parent]);
    slot = parent;
  }
  timer_place(self, slot, item);
}

static void timer_sift_down(scheduler *self, size_t slot) {
  cell *item = self->timers[slot];
  for (;;) {
    size_t child = 2 * slot + 1;
    if (child >= self->timer_count) break;
    if (child + 1 < self->timer_count &&
        self->timers[child + 1]->deadline < self->timers[child]->deadline)
      child++;
    if (self->timers[child]->deadline >= item->deadline) break;
    timer_place(self, slot, self->timers[child]);
    slot = child;
  }
  timer_place(self, slot, item);
}

static bool timer_add(scheduler *self, cell *item) {
  if (self->timer_count == self->timer_capacity) {
    size_t capacity = self->timer_capacity ? self->timer_capacity * 2 : 64;
    cell **grown = realloc(self->timers, capacity * sizeof *grown);
    if (!grown) return false;
    self->timers = grown;
    self->timer_capacity = capacity;
  }
  self->timers[self->timer_count] = item;
  timer_sift_up(self, self->timer_count++);
  return true;
}

static void timer_remove(scheduler *self, cell *item) {
  size_t slot = item->timer_slot;
  if (slot == SIZE_MAX) return;
  item->timer_slot = SIZE_MAX;
  cell *last = self->timers[--self->timer_count];
  if (slot == self->timer_count) return;
  timer_place(self, slot, last);
  timer_sift_up(self, slot);
  timer_sift_down(self, last->timer_slot);
}

static uint64_t fire_timers(scheduler *self) {
  if (self->timer_count == 0) return DEADLINE_NEVER;
  uint64_t now = monotonic_ns();
  while (self->timer_count && self->timers[0]->deadline <= now) {
    cell *item = self->timers[0];
    timer_remove(self, item);
    cell_wake(item);
  }
  return self->timer_count ? self->timers[0]->deadline : DEADLINE_NEVER;
}

/* The end of a cell is handled here, on the scheduler's stack, because the
 * cell's own stack may be exhausted or about to be unmapped. */
static void finish(scheduler *self, cell *item) {
  timer_remove(self, item);
  if (item->arch->describe_end) item->arch->describe_end(item);
  resource_release_all(&item->resources);
  stack_destroy(&item->stack);
  if (self->on_end) self->on_end(item, self->user);
  atomic_fetch_sub(&self->live_cells, 1);
  cell_mark_ended(item);
}

/* After a cell switched out: park it, or keep it ready if a wake came in
 * between its decision to block and now. */
static void settle(scheduler *self, cell *item) {
  if (item->state == CELL_ENDED) {
    finish(self, item);
  } else if (item->state == CELL_BLOCKED) {
    unsigned awake = CELL_AWAKE;
    if (!atomic_compare_exchange_strong(&item->wake_state, &awake, CELL_PARKED)) {
      atomic_store(&item->wake_state, CELL_AWAKE);
      make_ready(self, item);
    }
  }
}

static void run_one(scheduler *self, cell *item) {
  /* A cell asked to end before it ever ran ends without running. */
  unsigned request = atomic_load(&item->end_request);
  if (item->state == CELL_NEW && request != FAULT_NONE) {
    item->outcome = (cell_outcome){.faulted = true, .fault = (cell_fault)request};
    item->state = CELL_ENDED;
  } else {
    item->state = CELL_RUNNING;
    self->current = item;
    self->switches++;
    running_cell = item;
    context_switch(&self->home, &item->context);
    /* Cells may have handed the CPU to one another since (hand_off): the
     * one that came back is the current one. */
    item = self->current;
    running_cell = NULL;
    self->current = NULL;
  }
  settle(self, item);
}

static void spin_then_sleep(scheduler *self, uint64_t deadline);

/* Idle: peers that are busy leave their new cells to this worker. */
static void sleep_until_work(scheduler *self, uint64_t deadline) {
  /* A hint for peers (fresh_for_me), not a handshake: no fence. */
  atomic_store_explicit(&self->idle, true, memory_order_relaxed);
  spin_then_sleep(self, deadline);
  atomic_store_explicit(&self->idle, false, memory_order_relaxed);
}

static void spin_then_sleep(scheduler *self, uint64_t deadline) {
  /* The clock is read once per batch of spins, not on every one. */
  uint64_t spin_until = monotonic_ns() + IDLE_SPIN_NS;
  do {
    for (int spin = 0; spin < 64; spin++) {
      if (atomic_load_explicit(&self->inbox_filled, memory_order_acquire)) return;
      cpu_relax();
    }
    if (peer_needs_help(self)) return;
  } while (monotonic_ns() < spin_until);
  atomic_store(&self->sleeping, true);
  unsigned sequence = atomic_load(&self->inbox_sequence);
  if (!atomic_load(&self->inbox_filled) && !peer_needs_help(self) &&
      !(atomic_load(&self->stopping) && atomic_load(&self->live_cells) == 0))
    futex_wait_until(&self->inbox_sequence, sequence, deadline);
  atomic_store(&self->sleeping, false);
}

void scheduler_run(scheduler *self) {
  this_scheduler = self;
  context_init_thread(&self->home);
  if (fault_signals_thread_init() != MINOS_OK)
    log_message(LOG_ERROR, NULL, "cannot set up the fault signal stack");
  bool ticking = preempt_thread_start(self) == MINOS_OK;
  bool alone = !self->has_thread;
  slot_arena_defer_gives(true);
  for (;;) {
    drain_inbox(self);
    uint64_t next_deadline = fire_timers(self);
    self->hand_offs = 0;
    cell *item = take_ready(self);
    if (!item) item = steal(self);
    if (item) {
      run_one(self, item);
      continue;
    }
    if (slot_arena_flush_gives()) continue; /* that took a while: look again */
    if (atomic_load(&self->live_cells) == 0 && (alone || atomic_load(&self->stopping))) break;
    sleep_until_work(self, next_deadline);
  }
  slot_arena_defer_gives(false);
  if (ticking) preempt_thread_stop(self);
  if (!alone) fault_signals_thread_exit();
  this_scheduler = NULL;
}

void scheduler_stop(scheduler *self) {
  atomic_store(&self->stopping, true);
  atomic_fetch_add(&self->inbox_sequence, 1);
  futex_wake_all(&self->inbox_sequence);
}

void scheduler_switch_out(cell *item) {
  context_switch(&item->context, &item->scheduler->home);
  running_cell = item;
}

void scheduler_yield(cell *item) {
  make_ready(item->scheduler, item);
  scheduler_switch_out(item);
}

void scheduler_preempt(cell *item) {
  scheduler *self = item->scheduler;
  item->state = CELL_READY;
  item->preempted_at = monotonic_ns();
  append(&self->preempted_head, &self->preempted_tail, item);
  scheduler_switch_out(item);
}

/* How many times in a row cells may hand the CPU to one another before
 * the loop looks at its inbox, timers and deferred work again. */
#define HAND_OFFS_MAX 64

/* Whether a blocking cell may switch straight to the next woken one: the
 * loop would pick that one anyway (nothing preempted, new, handed over or
 * timed waits), and the blocking cell may not move while parked. */
static bool may_hand_off(const scheduler *self, const cell *item) {
  return self->ready_head && !self->preempted_head && self->timer_count == 0 &&
         self->hand_offs < HAND_OFFS_MAX && !item->parked_at_start &&
         !atomic_load_explicit(&self->inbox_filled, memory_order_relaxed) &&
         !has_fresh(self);
}

/* A ping-pong on one worker costs two context switches per message, not
 * four: the blocking cell parks itself (what settle does for the loop) and
 * switches to the woken one. Until the switch is done nothing can run it:
 * a wake from another thread goes to this worker's inbox. */
static void hand_off(scheduler *self, cell *item) {
  unsigned awake = CELL_AWAKE;
  if (!atomic_compare_exchange_strong(&item->wake_state, &awake, CELL_PARKED)) {
    atomic_store(&item->wake_state, CELL_AWAKE); /* woken meanwhile: go on */
    item->state = CELL_RUNNING;
    return;
  }
  cell *next = pop(&self->ready_head, &self->ready_tail);
  self->hand_offs++;
  next->state = CELL_RUNNING;
  self->current = next;
  self->switches++;
  running_cell = next;
  context_switch(&item->context, &next->context);
  running_cell = item;
}

void scheduler_block_until(cell *item, uint64_t deadline) {
  unsigned notified = CELL_NOTIFIED;
  if (atomic_load_explicit(&item->wake_state, memory_order_relaxed) == CELL_NOTIFIED &&
      atomic_compare_exchange_strong(&item->wake_state, &notified, CELL_AWAKE))
    return;
  scheduler *self = item->scheduler;
  item->deadline = deadline;
  if (deadline != DEADLINE_NEVER && !timer_add(self, item)) {
    /* No room to remember the deadline: poll instead of sleeping past it. */
    scheduler_yield(item);
    return;
  }
  item->state = CELL_BLOCKED;
  if (may_hand_off(self, item)) hand_off(self, item);
  else scheduler_switch_out(item);
  /* Its worker now, which may not be the one it blocked on: a cell parked
   * before its start may move (scheduler_wake_here). */
  timer_remove(item->scheduler, item);
}

void scheduler_leave_for_good(cell *item) {
  item->state = CELL_ENDED;
  context_exit_to(&item->scheduler->home);
}
