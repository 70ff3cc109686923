/* SPDX-License-Identifier: Apache-2.0 */
/* Preemption and CPU accounting. Each worker thread has a timer that
 * ticks every PREEMPT_TICK_NS of the thread's own CPU time (an idle worker
 * gets no ticks). The tick charges the running cell, ends it at its CPU
 * limit, and switches away from a cell that has run a whole tick while
 * others wait. It acts at once only when the cell is in its own generated
 * code, which holds no lock and no host state. In a host call it asks the
 * cell's arch to stop at its next safe point (the call's return, where the
 * cell again holds nothing), which calls preempt_safe_point: a cell that
 * spins on host calls is switched away from and ended like one spinning in
 * its own code, at most a tick late. Its CPU time is charged either way:
 * the tick counts the thread's CPU time, host calls included. */
#ifndef MINOS_CORE_PREEMPT_H
#define MINOS_CORE_PREEMPT_H

#include <stdint.h>

#include "core/error.h"

#define PREEMPT_TICK_NS ((uint64_t)1000000)

struct scheduler;
struct cell;

minos_status preempt_thread_start(struct scheduler *scheduler);
void preempt_thread_stop(struct scheduler *scheduler);
/* On the running cell's own stack, at a safe point it reached after a tick
 * asked for one (cell_arch.ask_safe_point): ends the cell if its CPU limit
 * is spent or an end was requested (pc: where, for the report; 0 if not
 * known), else lets the others run if the cell has held the CPU since
 * that tick and others wait. */
void preempt_safe_point(struct cell *cell, uintptr_t pc);

#endif
