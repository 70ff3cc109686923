/* SPDX-License-Identifier: Apache-2.0 */
/* The program in the OCI tests' images, built both as wasm and as a
 * static native program (tests/oci.cmake). What it does is its first
 * argument:
 *   hello          prints "hello from oci_probe" and exits 0
 *   argv0          prints its argv[0]
 *   exit N         exits with status N
 *   write PATH     writes a file at PATH: "wrote PATH", or exits 1 with
 *                  "cannot write PATH: REASON"
 *   cat PATH       prints the file at PATH
 *   env KEY        prints KEY's value ("KEY unset" if none)
 *   grow MIB       allocates and touches MIB MiB, 1 MiB at a time: says
 *                  how far it got ("allocated N MiB of M") and exits 0 if
 *                  all of it, 1 if not
 *   spin           spins for ever, ignoring its input
 *   until-eof      reads stdin to its end, says "stdin ended", exits 0
 *   trap           traps (wasm: unreachable; native: SIGILL) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_file(const char *path) {
  FILE *file = fopen(path, "w");
  if (!file || fputs("written\n", file) < 0 || fclose(file) != 0) {
    printf("cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  printf("wrote %s\n", path);
  return 0;
}

static int cat_file(const char *path) {
  FILE *file = fopen(path, "r");
  char line[256];
  if (!file) {
    printf("cannot read %s: %s\n", path, strerror(errno));
    return 1;
  }
  while (fgets(line, sizeof line, file)) fputs(line, stdout);
  fclose(file);
  return 0;
}

/* The blocks stay reachable from here, so the compiler cannot drop the
 * allocations as unused. */
static void *volatile kept_blocks;

static int grow(long mebibytes) {
  long got = 0;
  for (; got < mebibytes; got++) {
    char *block = malloc(1 << 20);
    if (!block) break;
    memset(block, 1, 1 << 20);
    *(void **)block = kept_blocks;
    kept_blocks = block;
  }
  printf("allocated %ld MiB of %ld\n", got, mebibytes);
  return got == mebibytes ? 0 : 1;
}

static int until_eof(void) {
  char buffer[256];
  while (fread(buffer, 1, sizeof buffer, stdin) > 0) {
  }
  puts("stdin ended");
  return 0;
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "hello";
  const char *operand = argc > 2 ? argv[2] : "";
  if (strcmp(what, "hello") == 0) return puts("hello from oci_probe") < 0;
  if (strcmp(what, "exit") == 0) return atoi(operand);
  if (strcmp(what, "argv0") == 0) return puts(argv[0]) < 0;
  if (strcmp(what, "write") == 0) return write_file(operand);
  if (strcmp(what, "cat") == 0) return cat_file(operand);
  if (strcmp(what, "env") == 0) {
    const char *value = getenv(operand);
    printf(value ? "%s=%s\n" : "%s unset\n", operand, value ? value : "");
    return 0;
  }
  if (strcmp(what, "grow") == 0) return grow(atol(operand));
  if (strcmp(what, "until-eof") == 0) return until_eof();
  if (strcmp(what, "trap") == 0) __builtin_trap();
  if (strcmp(what, "spin") == 0)
    for (volatile unsigned long spins = 0;; spins++) {
    }
  fprintf(stderr, "oci_probe: unknown command '%s'\n", what);
  return 64;
}
