/* A cell with a bug: it writes far outside its memory. Only it ends. */
#include <stdio.h>

__attribute__((noinline)) static void scribble(volatile char *where) { *where = 1; }

int main(void) {
  printf("  crasher: about to write to address 0xfffffff0...\n");
  fflush(stdout);
  scribble((volatile char *)0xfffffff0u);
  printf("  crasher: still here?\n");
  return 0;
}
