/* SPDX-License-Identifier: Apache-2.0 */
#include "core/context.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/sanitizer.h"

void minos_context_swap(void **save_stack_pointer, void *load_stack_pointer);
void minos_context_start(void);

/* Matches the pops in minos_context_swap, lowest address first. */
struct initial_frame {
  uint32_t mxcsr;
  uint16_t x87_control;
  uint16_t padding;
  uint64_t r15, r14, r13, r12, rbx, rbp;
  uint64_t return_address;
};

void context_init_thread(execution_context *ctx) {
  memset(ctx, 0, sizeof *ctx);
  pthread_attr_t attributes;
  if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
    void *low;
    size_t size;
    if (pthread_attr_getstack(&attributes, &low, &size) == 0) {
      ctx->stack_low = low;
      ctx->stack_size = size;
    }
    pthread_attr_destroy(&attributes);
  }
}

void context_make(execution_context *ctx, void *stack_low, size_t stack_size, context_entry entry,
                  void *argument) {
  uintptr_t top = ((uintptr_t)stack_low + stack_size) & ~(uintptr_t)15;
  /* After the ret into minos_context_start the stack must be 16-byte
   * aligned, so that its call gives entry the ABI's alignment. */
  struct initial_frame *frame = (struct initial_frame *)(top - 16 - sizeof *frame);
  memset(frame, 0, sizeof *frame);
  __asm__ volatile("stmxcsr %0" : "=m"(frame->mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(frame->x87_control));
  frame->r12 = (uint64_t)(uintptr_t)entry;
  frame->r13 = (uint64_t)(uintptr_t)argument;
  frame->return_address = (uint64_t)(uintptr_t)minos_context_start;
  ctx->stack_pointer = frame;
  ctx->stack_low = stack_low;
  ctx->stack_size = stack_size;
  ctx->sanitizer_fake_stack = NULL;
}

void context_entered(void) {
#ifdef MINOS_ASAN
  __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
}

void context_switch(execution_context *from, execution_context *to) {
#ifdef MINOS_ASAN
  __sanitizer_start_switch_fiber(&from->sanitizer_fake_stack, to->stack_low, to->stack_size);
  minos_context_swap(&from->stack_pointer, to->stack_pointer);
  __sanitizer_finish_switch_fiber(from->sanitizer_fake_stack, NULL, NULL);
#else
  minos_context_swap(&from->stack_pointer, to->stack_pointer);
#endif
}

void context_exit_to(execution_context *to) {
  void *discarded;
#ifdef MINOS_ASAN
  /* NULL: this stack is finished, ASan may forget its fake frames. */
  __sanitizer_start_switch_fiber(NULL, to->stack_low, to->stack_size);
#endif
  minos_context_swap(&discarded, to->stack_pointer);
  __builtin_unreachable();
}
