/* A well-behaved cell: it sees only the arguments and environment it was
 * given, and no files at all. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  printf("  greeter: hello! I was started as '%s' with %d argument(s):", argv[0], argc - 1);
  for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
  const char *visitor = getenv("VISITOR");
  printf("\n  greeter: VISITOR=%s, HOME=%s\n", visitor ? visitor : "(unset)",
         getenv("HOME") ? getenv("HOME") : "(not given to me)");
  FILE *passwords = fopen("/etc/passwd", "r");
  printf("  greeter: can I read /etc/passwd? %s\n", passwords ? "yes (!)" : "no: nothing was granted");
  return 0;
}
