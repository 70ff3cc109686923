/* SPDX-License-Identifier: Apache-2.0 */
/* Stack switching for x86-64 System V: the callee-saved registers and the
 * x87/SSE control words go on the old stack, the stack pointer is swapped. */
    .text
    .globl  minos_context_swap
    .type   minos_context_swap, @function
/* void minos_context_swap(void **save_sp, void *load_sp) */
minos_context_swap:
    .cfi_startproc
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .cfi_endproc
    .size   minos_context_swap, .-minos_context_swap

/* First frame of a new context: context_make leaves the entry function in
 * r12 and its argument in r13. */
    .globl  minos_context_start
    .type   minos_context_start, @function
minos_context_start:
    .cfi_startproc
    .cfi_undefined rip
    xorl    %ebp, %ebp
    movq    %r13, %rdi
    callq   *%r12
    ud2
    .cfi_endproc
    .size   minos_context_start, .-minos_context_start

    .section .note.GNU-stack,"",@progbits
