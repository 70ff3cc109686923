/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the ELF reader (src/native/elf.c) on arbitrary bytes. It
 * checks that elf_read never crashes, leaks or reads out of bounds, that
 * it either reads the bytes or refuses them with a message, and that what
 * it reads is sound: an absolute interpreter, non-empty library names and
 * absolute search directories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what) {
  fprintf(stderr, "fuzz_elf: %s\n", what);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A copy of exactly the input, so reading past it is caught. */
  uint8_t *bytes = malloc(size ? size : 1);
  if (!bytes) return 0;
  memcpy(bytes, data, size);
  elf_program program;
  char error[512] = "";
  minos_status status = elf_read(bytes, size, "/origin", &program, error, sizeof error);
  if (status != MINOS_OK && status != MINOS_EMODULE && status != MINOS_ENOMEM)
    fail("an unexpected status");
  if (status != MINOS_OK && !error[0]) fail("a refusal without a message");
  if (status == MINOS_OK) {
    if (program.interpreter && program.interpreter[0] != '/') fail("a relative interpreter");
    for (size_t i = 0; i < program.needed_count; i++)
      if (!program.needed[i][0]) fail("an empty library name");
    for (size_t i = 0; i < program.search_count; i++)
      if (program.search[i][0] != '/') fail("a relative search directory");
  }
  elf_program_free(&program);
  char description[160];
  elf_describe_other(bytes, size, description, sizeof description);
  free(bytes);
  return 0;
}
