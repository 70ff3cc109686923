/* SPDX-License-Identifier: Apache-2.0 */
/* Execution contexts: a saved stack pointer that a thread can switch to.
 *
 * A cell runs on its own stack; switching between cells (or back to the
 * worker's scheduler loop) is a user-space register swap, never a system
 * call, which is what makes blocking channel operations cheap. */
#ifndef MINOS_CORE_CONTEXT_H
#define MINOS_CORE_CONTEXT_H

#include <stddef.h>

typedef struct execution_context {
  void *stack_pointer;
  /* The stack this context runs on, for AddressSanitizer's fiber
   * annotations (it must know which stack is live to check accesses). */
  const void *stack_low;
  size_t stack_size;
  void *sanitizer_fake_stack;
} execution_context;

typedef void (*context_entry)(void *argument);

/* Describes the calling thread's own stack, the one its scheduler loop runs
 * on, so that other contexts can switch back to it. */
void context_init_thread(execution_context *ctx);

/* Prepares to run entry(argument) on the stack [stack_low, stack_low+size)
 * the first time something switches to it. entry must never return. */
void context_make(execution_context *ctx, void *stack_low, size_t stack_size, context_entry entry,
                  void *argument);

/* The first thing every entry function calls. */
void context_entered(void);

/* Saves the current registers into from and resumes to. */
void context_switch(execution_context *from, execution_context *to);

/* Leaves the current context for good (its stack may be freed by whoever
 * runs next). */
__attribute__((noreturn)) void context_exit_to(execution_context *to);

#endif
