/* SPDX-License-Identifier: Apache-2.0 */
// A real program rather than a kernel: a small stack-based bytecode
// interpreter (switch dispatch, an operand stack, call frames, a heap of
// words) running a mixed guest workload: recursive calls (fib), a
// pseudo-random fill and scan of its heap, trial-division primes (divides
// and branches) and an insertion sort. Interpreters are what plugins and
// per-request handlers often are (Lua, JavaScript, a rules engine), and
// their dispatch loop stresses indirect branches, loads and stores of the
// interpreter's own state, unlike the tight loops of the other kernels.
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel.h"

enum op {
  PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, AND, XOR, SHR, LT, JUMP, JUMP_IF_ZERO,
  CALL, RETURN, HEAP_LOAD, HEAP_STORE, DUP, DROP, HALT
};

#define CODE_MAX 1024
#define STACK_MAX 4096
#define FRAMES_MAX 256
#define LOCALS 8
#define HEAP_WORDS 4096

static int32_t code[CODE_MAX];
static int code_length;

static int emit(int32_t word) {
  if (code_length == CODE_MAX) {
    fprintf(stderr, "vm: program too long\n");
    exit(1);
  }
  code[code_length] = word;
  return code_length++;
}
static void emit2(enum op op, int32_t operand) {
  emit(op);
  emit(operand);
}
/* A forward jump: its target is patched in later. */
static int jump_from_here(enum op op) {
  emit(op);
  return emit(0);
}
static void patch(int at) { code[at] = code_length; }

typedef struct frame {
  int return_to;
  int64_t locals[LOCALS];
} frame;

static int64_t run(int entry, int64_t argument, int64_t *heap) {
  int64_t stack[STACK_MAX];
  static frame frames[FRAMES_MAX];
  int sp = 0, fp = 0, pc = entry;
  frames[0].return_to = -1;
  frames[0].locals[0] = argument;
  for (;;) {
    switch ((enum op)code[pc++]) {
      case PUSH: stack[sp++] = code[pc++]; break;
      case LOAD: stack[sp++] = frames[fp].locals[code[pc++]]; break;
      case STORE: frames[fp].locals[code[pc++]] = stack[--sp]; break;
      case ADD: sp--; stack[sp - 1] += stack[sp]; break;
      case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
      case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
      case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
      case AND: sp--; stack[sp - 1] &= stack[sp]; break;
      case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
      case SHR: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> stack[sp]); break;
      case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
      case JUMP: pc = code[pc]; break;
      case JUMP_IF_ZERO: pc = stack[--sp] ? pc + 1 : code[pc]; break;
      case CALL: /* one argument, in local 0 */
        if (++fp == FRAMES_MAX) return -1;
        frames[fp].return_to = pc + 1;
        frames[fp].locals[0] = stack[--sp];
        pc = code[pc];
        break;
      case RETURN:
        pc = frames[fp--].return_to;
        if (pc < 0) return stack[sp - 1];
        break;
      case HEAP_LOAD: stack[sp - 1] = heap[stack[sp - 1] & (HEAP_WORDS - 1)]; break;
      case HEAP_STORE: sp -= 2; heap[stack[sp] & (HEAP_WORDS - 1)] = stack[sp + 1]; break;
      case DUP: stack[sp] = stack[sp - 1]; sp++; break;
      case DROP: sp--; break;
      case HALT: return sp ? stack[sp - 1] : 0;
    }
  }
}

/* fib(n) = n < 2 ? n : fib(n-1) + fib(n-2) */
static int assemble_fib(void) {
  int fib = code_length;
  emit2(LOAD, 0), emit2(PUSH, 2), emit(LT);
  int recurse = jump_from_here(JUMP_IF_ZERO);
  emit2(LOAD, 0), emit(RETURN);
  patch(recurse);
  emit2(LOAD, 0), emit2(PUSH, 1), emit(SUB), emit2(CALL, fib);
  emit2(LOAD, 0), emit2(PUSH, 2), emit(SUB), emit2(CALL, fib);
  emit(ADD), emit(RETURN);
  return fib;
}

/* for (i = 1; i < HEAP_WORDS; i++) heap[i] = (heap[i-1] * 1103515245 + 12345) & 0x7fffffff,
 * acc ^= heap[i] >> 3; returns acc. local 0: seed, 1: i, 2: acc */
static int assemble_fill(void) {
  int fill = code_length;
  emit2(PUSH, 0), emit2(LOAD, 0), emit(HEAP_STORE);
  emit2(PUSH, 1), emit2(STORE, 1), emit2(PUSH, 0), emit2(STORE, 2);
  int loop = code_length;
  emit2(LOAD, 1), emit2(PUSH, HEAP_WORDS), emit(LT);
  int done = jump_from_here(JUMP_IF_ZERO);
  emit2(LOAD, 1);
  emit2(LOAD, 1), emit2(PUSH, 1), emit(SUB), emit(HEAP_LOAD);
  emit2(PUSH, 1103515245), emit(MUL), emit2(PUSH, 12345), emit(ADD);
  emit2(PUSH, 0x7fffffff), emit(AND);
  emit(DUP), emit2(STORE, 3), emit(HEAP_STORE);
  emit2(LOAD, 2), emit2(LOAD, 3), emit2(PUSH, 3), emit(SHR), emit(XOR), emit2(STORE, 2);
  emit2(LOAD, 1), emit2(PUSH, 1), emit(ADD), emit2(STORE, 1);
  emit2(JUMP, loop);
  patch(done);
  emit2(LOAD, 2), emit(RETURN);
  return fill;
}

/* primes below n by trial division. local 0: n, 1: candidate, 2: divisor, 3: count */
static int assemble_primes(void) {
  int primes = code_length;
  emit2(PUSH, 2), emit2(STORE, 1), emit2(PUSH, 0), emit2(STORE, 3);
  int outer = code_length;
  emit2(LOAD, 1), emit2(LOAD, 0), emit(LT);
  int done = jump_from_here(JUMP_IF_ZERO);
  emit2(PUSH, 2), emit2(STORE, 2);
  int inner = code_length;
  /* divisor * divisor < candidate + 1 */
  emit2(LOAD, 2), emit(DUP), emit(MUL), emit2(LOAD, 1), emit2(PUSH, 1), emit(ADD), emit(LT);
  int is_prime = jump_from_here(JUMP_IF_ZERO);
  emit2(LOAD, 1), emit2(LOAD, 2), emit(MOD);
  int composite = jump_from_here(JUMP_IF_ZERO);
  emit2(LOAD, 2), emit2(PUSH, 1), emit(ADD), emit2(STORE, 2);
  emit2(JUMP, inner);
  patch(is_prime);
  emit2(LOAD, 3), emit2(PUSH, 1), emit(ADD), emit2(STORE, 3);
  patch(composite);
  emit2(LOAD, 1), emit2(PUSH, 1), emit(ADD), emit2(STORE, 1);
  emit2(JUMP, outer);
  patch(done);
  emit2(LOAD, 3), emit(RETURN);
  return primes;
}

/* Insertion sort of heap[0..n); returns heap[n/4]. local 0: n, 1: i, 2: j, 3: key */
static int assemble_sort(void) {
  int sort = code_length;
  emit2(PUSH, 1), emit2(STORE, 1);
  int outer = code_length;
  emit2(LOAD, 1), emit2(LOAD, 0), emit(LT);
  int done = jump_from_here(JUMP_IF_ZERO);
  emit2(LOAD, 1), emit(HEAP_LOAD), emit2(STORE, 3);
  emit2(LOAD, 1), emit2(STORE, 2);
  int inner = code_length;
  /* while (0 < j && key < heap[j-1]) heap[j] = heap[j-1], j-- */
  emit2(PUSH, 0), emit2(LOAD, 2), emit(LT);
  int place = jump_from_here(JUMP_IF_ZERO);
  emit2(LOAD, 3), emit2(LOAD, 2), emit2(PUSH, 1), emit(SUB), emit(HEAP_LOAD), emit(LT);
  int place2 = jump_from_here(JUMP_IF_ZERO);
  emit2(LOAD, 2), emit2(LOAD, 2), emit2(PUSH, 1), emit(SUB), emit(HEAP_LOAD), emit(HEAP_STORE);
  emit2(LOAD, 2), emit2(PUSH, 1), emit(SUB), emit2(STORE, 2);
  emit2(JUMP, inner);
  patch(place);
  patch(place2);
  emit2(LOAD, 2), emit2(LOAD, 3), emit(HEAP_STORE);
  emit2(LOAD, 1), emit2(PUSH, 1), emit(ADD), emit2(STORE, 1);
  emit2(JUMP, outer);
  patch(done);
  emit2(LOAD, 0), emit2(PUSH, 2), emit(SHR), emit(HEAP_LOAD), emit(RETURN);
  return sort;
}

int main(int argc, char **argv) {
  long rounds = size_argument(argc, argv, 20, "rounds");
  int fib = assemble_fib(), fill = assemble_fill(), primes = assemble_primes(),
      sort = assemble_sort();
  int64_t *heap = calloc(HEAP_WORDS, sizeof *heap);
  if (!heap) {
    fprintf(stderr, "vm: out of memory\n");
    return 1;
  }
  int64_t start = monotonic_nanoseconds();
  uint64_t checksum = 0;
  for (long round = 0; round < rounds; round++) {
    checksum = checksum * 31 + (uint64_t)run(fib, 24, heap);
    checksum = checksum * 31 + (uint64_t)run(fill, round + 1, heap);
    checksum = checksum * 31 + (uint64_t)run(primes, 20000, heap);
    checksum = checksum * 31 + (uint64_t)run(sort, 1024, heap);
  }
  int64_t elapsed = monotonic_nanoseconds() - start;
  printf("kernel=vm ns=%lld checksum=%016llx\n", (long long)elapsed, (unsigned long long)checksum);
  free(heap);
  return 0;
}
