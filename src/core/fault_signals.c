/* SPDX-License-Identifier: Apache-2.0 */
#include "core/fault_signals.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "core/cell.h"

#define ALTERNATE_STACK_BYTES ((size_t)64 * 1024)

static struct sigaction previous_segv, previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static minos_status install_status = MINOS_OK;
static _Thread_local void *alternate_stack;

uintptr_t interrupted_pc(const void *signal_context) {
#if defined(__x86_64__)
  return (uintptr_t)((const ucontext_t *)signal_context)->uc_mcontext.gregs[REG_RIP];
#else
  (void)signal_context;
  return 0;
#endif
}

static void pass_on(int signal_number, siginfo_t *info, void *signal_context) {
  const struct sigaction *previous = signal_number == SIGBUS ? &previous_bus : &previous_segv;
  if ((previous->sa_flags & SA_SIGINFO) && previous->sa_sigaction) {
    previous->sa_sigaction(signal_number, info, signal_context);
    return;
  }
  if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN && previous->sa_handler) {
    previous->sa_handler(signal_number);
    return;
  }
  /* Returning re-executes the faulting instruction under the default
   * action: the runtime dies with a core dump, as a bug should. */
  signal(signal_number, SIG_DFL);
}

static void on_fault(int signal_number, siginfo_t *info, void *signal_context) {
  cell *current = cell_current();
  if (current && current->state == CELL_RUNNING) {
    uintptr_t address = (uintptr_t)info->si_addr, pc = interrupted_pc(signal_context);
    if (stack_guard_contains(&current->stack, info->si_addr))
      cell_fault_now(current, FAULT_STACK_EXHAUSTION, pc);
    cell_fault fault = current->arch->classify_fault
                           ? current->arch->classify_fault(current, address, pc)
                           : FAULT_NONE;
    if (fault != FAULT_NONE) cell_fault_now(current, fault, pc);
  }
  pass_on(signal_number, info, signal_context);
}

static void install(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_fault;
  /* SA_NODEFER: the handler leaves by switching stacks, never returning,
   * so the signal must not stay blocked afterwards. */
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, &previous_segv) != 0 ||
      sigaction(SIGBUS, &action, &previous_bus) != 0)
    install_status = MINOS_EIO;
}

minos_status fault_signals_install(void) {
  pthread_once(&install_once, install);
  return install_status;
}

minos_status fault_signals_thread_init(void) {
  if (alternate_stack) return MINOS_OK;
  alternate_stack = malloc(ALTERNATE_STACK_BYTES);
  if (!alternate_stack) return MINOS_ENOMEM;
  stack_t stack = {.ss_sp = alternate_stack, .ss_size = ALTERNATE_STACK_BYTES, .ss_flags = 0};
  return sigaltstack(&stack, NULL) == 0 ? MINOS_OK : MINOS_EIO;
}

void fault_signals_thread_exit(void) {
  if (!alternate_stack) return;
  stack_t disabled = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
  sigaltstack(&disabled, NULL);
  free(alternate_stack);
  alternate_stack = NULL;
}
