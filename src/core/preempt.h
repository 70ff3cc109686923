/* Preemption and CPU accounting. Each worker thread has a timer that
 * ticks every PREEMPT_TICK_NS of the thread's own CPU time (an idle worker
 * gets no ticks). The tick charges the running cell, ends it at its CPU
 * limit, and switches away from a cell that has run a whole tick while
 * others wait. It acts only when the cell is in its own generated code,
 * which holds no lock and no host state; in a host call it lets the tick
 * pass, and a later one catches the cell. */
#ifndef MINOS_CORE_PREEMPT_H
#define MINOS_CORE_PREEMPT_H

#include "core/error.h"

#define PREEMPT_TICK_NS ((uint64_t)1000000)

struct scheduler;

minos_status preempt_thread_start(struct scheduler *scheduler);
void preempt_thread_stop(struct scheduler *scheduler);

#endif
