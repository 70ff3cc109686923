/* SPDX-License-Identifier: Apache-2.0 */
/* The ELF reader (src/native/elf.c): the files loading a program opens,
 * for a dynamic Debian program, a static one, and one whose library is
 * found through $ORIGIN; what other files are said to be; and hostile
 * bytes (every truncation and single-byte corruption of a real program)
 * are refused or read, never a crash (ASan and UBSan in the sanitizer
 * build).
 *   elf_test STATIC_PROGRAM USER_PROGRAM */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "native/elf.h"

static bool ends_with(const char *text, const char *end) {
  size_t length = strlen(text), end_length = strlen(end);
  return length >= end_length && strcmp(text + length - end_length, end) == 0;
}

static bool holds(const elf_closure *closure, const char *end) {
  for (size_t i = 0; i < closure->count; i++)
    if (ends_with(closure->files[i], end)) return true;
  return false;
}

static void debian_program(void) {
  elf_closure closure;
  char error[512] = "";
  CHECK(elf_load_closure("/bin/cat", &closure, error, sizeof error) == MINOS_OK);
  if (error[0]) printf("/bin/cat: %s\n", error);
  CHECK(closure.count >= 2);
  CHECK(closure.count > 0 && strcmp(closure.files[0], "/lib64/ld-linux-x86-64.so.2") == 0);
  CHECK(holds(&closure, "/libc.so.6"));
  for (size_t i = 0; i < closure.count; i++) CHECK(closure.files[i][0] == '/');
  elf_closure_free(&closure);
}

static void static_program(const char *path) {
  elf_closure closure;
  char error[512] = "";
  CHECK(elf_load_closure(path, &closure, error, sizeof error) == MINOS_OK);
  CHECK(closure.count == 0);
  elf_closure_free(&closure);
}

static void origin_program(const char *path) {
  elf_closure closure;
  char error[512] = "";
  CHECK(elf_load_closure(path, &closure, error, sizeof error) == MINOS_OK);
  if (error[0]) printf("%s: %s\n", path, error);
  CHECK(holds(&closure, "/deps/libelf_dep.so"));
  CHECK(holds(&closure, "/libc.so.6"));
  elf_closure_free(&closure);
  /* Copied where $ORIGIN/deps does not exist: the library is missing. */
  char copy[] = "/tmp/minos-elf-XXXXXX";
  CHECK(mkdtemp(copy) != NULL);
  char target[128], command[512];
  snprintf(target, sizeof target, "%s/user", copy);
  snprintf(command, sizeof command, "cp '%s' '%s'", path, target);
  CHECK(system(command) == 0);
  CHECK(elf_load_closure(target, &closure, error, sizeof error) == MINOS_EMODULE);
  CHECK(strstr(error, "libelf_dep.so, which is not installed") != NULL);
  unlink(target);
  rmdir(copy);
}

static void descriptions(void) {
  char buffer[160];
  const uint8_t script[] = "#!/bin/sh\necho hi\n";
  CHECK(strcmp(elf_describe_other(script, sizeof script - 1, buffer, sizeof buffer),
               "a script (#!/bin/sh)") == 0);
  uint8_t header[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  header[16] = 2;    /* ET_EXEC */
  header[18] = 183; /* EM_AARCH64 */
  CHECK(strstr(elf_describe_other(header, sizeof header, buffer, sizeof buffer), "AArch64"));
  header[4] = 1; /* 32-bit */
  CHECK(strstr(elf_describe_other(header, sizeof header, buffer, sizeof buffer), "32-bit"));
  const uint8_t wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  CHECK(elf_describe_other(wasm, sizeof wasm, buffer, sizeof buffer) != NULL);
  elf_program program;
  char error[256];
  CHECK(elf_read(script, sizeof script - 1, "/", &program, error, sizeof error) == MINOS_EMODULE);
  CHECK(strstr(error, "script") != NULL);
}

/* Prefixes and single-bit changes of the headers: refused or read,
 * nothing else. */
static void hostile_bytes(void) {
  FILE *file = fopen("/bin/cat", "rb");
  CHECK(file != NULL);
  if (!file) return;
  static uint8_t original[1 << 16];
  size_t length = fread(original, 1, sizeof original, file);
  fclose(file);
  int refused = 0, read = 0;
  /* Every prefix of the headers, then a sample, and the whole file. */
  for (size_t prefix = 0; prefix <= length; prefix += prefix < 8192 ? 1 : 97) {
    uint8_t *copy = malloc(prefix ? prefix : 1);
    memcpy(copy, original, prefix);
    elf_program program;
    char error[256];
    minos_status status = elf_read(copy, prefix, "/bin", &program, error, sizeof error);
    status == MINOS_OK ? read++ : refused++;
    CHECK(status == MINOS_OK || status == MINOS_EMODULE);
    elf_program_free(&program);
    free(copy);
    if (prefix < length && prefix + 97 > length && prefix >= 8192) prefix = length - 97;
  }
  for (size_t at = 0; at < 1024 && at < length; at++) {
    for (int flip = 1; flip < 256; flip <<= 1) {
      uint8_t *copy = malloc(length);
      memcpy(copy, original, length);
      copy[at] ^= (uint8_t)flip;
      elf_program program;
      char error[256];
      minos_status status = elf_read(copy, length, "/bin", &program, error, sizeof error);
      CHECK(status == MINOS_OK || status == MINOS_EMODULE);
      elf_program_free(&program);
      free(copy);
    }
  }
  printf("elf_test: of the prefixes, %d read and %d refused\n", read, refused);
  CHECK(refused > 0 && read > 0);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: elf_test STATIC_PROGRAM USER_PROGRAM\n");
    return 2;
  }
  debian_program();
  static_program(argv[1]);
  origin_program(argv[2]);
  descriptions();
  hostile_bytes();
  printf("elf_test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
