/* SPDX-License-Identifier: Apache-2.0 */
/* Ends in the trap named by argv[1]; each trap must end only this cell,
 * with minos naming the kind and the function. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*binary_function)(int, int);
typedef int (*unary_function)(int);

static volatile int zero = 0;
static volatile int minus_one = -1;
static volatile double not_a_number = __builtin_nan("");
static volatile int forever = 1; /* recursion with an exit nobody takes */

__attribute__((noinline)) int divide(int a, int b) { return a / b; }
__attribute__((noinline)) int load_far_away(void) { return *(volatile int *)(uintptr_t)0xfffffff0u; }
/* The loaded value is dropped: the load must trap all the same (the
 * barrier the translator keeps for float loads). */
__attribute__((noinline)) void load_float_far_away(void) {
  (void)*(volatile double *)(uintptr_t)0xfffffff0u;
}
__attribute__((noinline)) void store_past_memory(void) {
  volatile char *end = (volatile char *)(__builtin_wasm_memory_size(0) * 65536);
  end[16] = 1;
}
/* No address-taken locals, so every frame is on the native stack (the
 * cell's guarded stack), not on the shadow stack in linear memory. */
__attribute__((noinline)) int recurse_forever(int depth) {
  if (!forever) return depth;
  return recurse_forever(depth + 1) * 3 + recurse_forever(depth + 2);
}
/* Locals whose address is taken live on the shadow stack in linear
 * memory; running it out walks below address 0. */
__attribute__((noinline)) int exhaust_shadow_stack(int depth) {
  volatile char frame[256];
  frame[depth % 256] = (char)depth;
  if (!forever) return depth;
  return exhaust_shadow_stack(depth + 1) + frame[0];
}
__attribute__((noinline)) int add(int a, int b) { return a + b; }
__attribute__((noinline)) int call_through(void *pointer, int argument) {
  return ((unary_function)pointer)(argument);
}
__attribute__((noinline)) int to_integer(double value) {
  return __builtin_wasm_trunc_s_i32_f64(value);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: traps KIND\n");
    return 64;
  }
  const char *kind = argv[1];
  int result = 0;
  if (strcmp(kind, "divide-by-zero") == 0) result = divide(1, zero);
  else if (strcmp(kind, "integer-overflow") == 0) result = divide(INT_MIN, minus_one);
  else if (strcmp(kind, "unreachable") == 0) __builtin_trap();
  else if (strcmp(kind, "memory-load") == 0) result = load_far_away();
  else if (strcmp(kind, "memory-store") == 0) store_past_memory();
  else if (strcmp(kind, "float-load") == 0) load_float_far_away();
  else if (strcmp(kind, "stack") == 0) result = recurse_forever(0);
  else if (strcmp(kind, "shadow-stack") == 0) result = exhaust_shadow_stack(0);
  else if (strcmp(kind, "null-function") == 0) result = call_through(NULL, 1);
  else if (strcmp(kind, "type-mismatch") == 0) result = call_through((void *)add, 1);
  else if (strcmp(kind, "table-bounds") == 0) result = call_through((void *)(uintptr_t)0x7fffff, 1);
  else if (strcmp(kind, "conversion") == 0) result = to_integer(not_a_number);
  else {
    fprintf(stderr, "unknown trap kind %s\n", kind);
    return 64;
  }
  printf("survived %s with %d\n", kind, result);
  return 0;
}
