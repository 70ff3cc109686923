/* SPDX-License-Identifier: Apache-2.0 */
/* Hardware faults (SIGSEGV, SIGBUS) raised by a cell's code end that cell
 * only: stack overflow into a cell's guard, or an access into the guard
 * region of its linear memory. Any other fault is the runtime's own bug and
 * is passed on (to a sanitizer, or the default action). */
#ifndef MINOS_CORE_FAULT_SIGNALS_H
#define MINOS_CORE_FAULT_SIGNALS_H

#include <stdint.h>

#include "core/error.h"

/* The code address a signal handler's context was interrupted at (0 where
 * the architecture is not known). */
uintptr_t interrupted_pc(const void *signal_context);

/* Once per process. */
minos_status fault_signals_install(void);
/* Once per thread that runs cells: an alternate signal stack, so a fault
 * on an exhausted cell stack can still be handled. */
minos_status fault_signals_thread_init(void);
/* Before such a thread exits: takes the alternate stack down again (the
 * thread's exit must not find a stack it did not allocate). */
void fault_signals_thread_exit(void);

#endif
