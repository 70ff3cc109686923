/* SPDX-License-Identifier: Apache-2.0 */
#include "core/preempt.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "core/fault_signals.h"
#include "core/scheduler.h"

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int tick_signal;
static minos_status install_status = MINOS_OK;
static _Thread_local timer_t thread_timer;
static _Thread_local bool thread_timer_armed;
static _Thread_local uint64_t cpu_at_last_tick;
/* The worker's switch count when a tick asked the running cell to stop at
 * its next safe point (0: not asked). A switch since then means the cell
 * gave up the CPU by itself, and owes nothing. */
static _Thread_local uint64_t safe_point_asked_at;

/* The kernel fires CPU-time timers on its own tick (often 4 ms), not every
 * interval, so the tick charges the CPU time that really passed. */
static uint64_t cpu_since_last_tick(void) {
  struct timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  uint64_t total = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
  uint64_t passed = total - cpu_at_last_tick;
  cpu_at_last_tick = total;
  return passed;
}

static cell_fault due_end(cell *running) {
  unsigned request = atomic_load_explicit(&running->end_request, memory_order_relaxed);
  if (request != FAULT_NONE) return (cell_fault)request;
  if (cell_cpu_exhausted(running)) return FAULT_CPU_LIMIT; /* its own, or its tree's */
  return FAULT_NONE;
}

/* Runs on the cell's own stack (no SA_ONSTACK), so switching away from
 * here leaves the handler's frame on that stack, and switching back later
 * returns through it to the interrupted code, as if nothing happened.
 * Outside the cell's own code (a host call) it cannot switch or end the
 * cell, which may hold host state there; it asks the arch to stop at its
 * next safe point (preempt_safe_point) instead. */
static void on_tick(int signal_number, siginfo_t *info, void *signal_context) {
  (void)signal_number;
  (void)info;
  int saved_errno = errno;
  uint64_t passed = cpu_since_last_tick();
  scheduler *self = scheduler_of_thread();
  cell *running = self ? self->current : NULL;
  if (!running || running->state != CELL_RUNNING) {
    errno = saved_errno;
    return;
  }
  cell_charge_cpu(running, passed); /* at its account and above */
  bool whole_tick = self->switches == self->switches_at_tick;
  self->switches_at_tick = self->switches;
  if (whole_tick) scheduler_note_busy(self);
  bool switch_due = whole_tick && scheduler_has_other_work(self);
  uintptr_t pc = interrupted_pc(signal_context);
  if (running->arch->preemptible_at && running->arch->preemptible_at(running, pc)) {
    cell_fault fault = due_end(running);
    if (fault != FAULT_NONE) cell_fault_now(running, fault, pc);
    if (switch_due) {
      scheduler_preempt(running);
      /* Back on the CPU: an end may have been asked for meanwhile. */
      fault = due_end(running);
      if (fault != FAULT_NONE) cell_fault_now(running, fault, pc);
    }
  } else if (running->arch->ask_safe_point && (switch_due || due_end(running) != FAULT_NONE)) {
    safe_point_asked_at = self->switches;
    running->arch->ask_safe_point(running);
  }
  errno = saved_errno;
}

void preempt_safe_point(cell *running, uintptr_t pc) {
  scheduler *self = running->scheduler;
  bool asked_and_still_running = safe_point_asked_at == self->switches;
  safe_point_asked_at = 0;
  cell_fault fault = due_end(running);
  if (fault != FAULT_NONE) cell_fault_now(running, fault, pc);
  if (!asked_and_still_running || !scheduler_has_other_work(self)) return;
  scheduler_preempt(running);
  fault = due_end(running);
  if (fault != FAULT_NONE) cell_fault_now(running, fault, pc);
}

static void install(void) {
  tick_signal = SIGRTMIN + 2;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_tick;
  /* SA_NODEFER: a preempted cell may be ended from the handler, which then
   * never returns to unblock the signal. */
  action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  if (sigaction(tick_signal, &action, NULL) != 0) install_status = MINOS_EIO;
}

minos_status preempt_thread_start(scheduler *self) {
  (void)self;
  pthread_once(&install_once, install);
  if (install_status != MINOS_OK) return install_status;
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = tick_signal;
  event._sigev_un._tid = gettid();
  if (timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &thread_timer) != 0) return MINOS_EIO;
  struct itimerspec every = {
      .it_interval = {.tv_sec = 0, .tv_nsec = (long)PREEMPT_TICK_NS},
      .it_value = {.tv_sec = 0, .tv_nsec = (long)PREEMPT_TICK_NS},
  };
  if (timer_settime(thread_timer, 0, &every, NULL) != 0) {
    timer_delete(thread_timer);
    return MINOS_EIO;
  }
  thread_timer_armed = true;
  cpu_since_last_tick();
  return MINOS_OK;
}

void preempt_thread_stop(scheduler *self) {
  (void)self;
  if (!thread_timer_armed) return;
  timer_delete(thread_timer);
  thread_timer_armed = false;
}
