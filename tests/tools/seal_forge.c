/* SPDX-License-Identifier: Apache-2.0 */
/* Makes hostile modules for the seal tests (tests/seal.cmake).
 * names expects tests/modules/seal_trap.wat's shape: three functions,
 * the second with four locals, one global.
 *
 *   seal_forge names IN OUT       IN plus a custom section and a name section
 *                                 whose names are hostile (see hostile_name)
 *   seal_forge nest block|if DEPTH OUT
 *                                 a module whose _start nests DEPTH blocks
 *                                 (each with a branch) or ifs, then exits 3
 *   seal_forge mutate IN OUTDIR COUNT SEED
 *                                 COUNT variants of IN, each with a few bytes
 *                                 changed past the header, deterministically
 *                                 from SEED, as OUTDIR/mutant-N.wasm
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bytes {
  uint8_t *data;
  size_t length, capacity;
} bytes;

static void put(bytes *out, const void *data, size_t length) {
  if (out->length + length > out->capacity) {
    out->capacity = (out->length + length) * 2;
    out->data = realloc(out->data, out->capacity);
    if (!out->data) abort();
  }
  memcpy(out->data + out->length, data, length);
  out->length += length;
}

static void put_u32(bytes *out, uint32_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    if (value) byte |= 0x80;
    put(out, &byte, 1);
  } while (value);
}

static void put_name(bytes *out, const char *name, size_t length) {
  put_u32(out, (uint32_t)length);
  put(out, name, length);
}

static void put_section(bytes *out, uint8_t id, const bytes *body) {
  put(out, &id, 1);
  put_u32(out, (uint32_t)body->length);
  put(out, body->data, body->length);
}

static bytes read_file(const char *path) {
  bytes in = {0};
  FILE *file = fopen(path, "rb");
  if (!file) {
    perror(path);
    exit(1);
  }
  uint8_t chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) put(&in, chunk, got);
  fclose(file);
  return in;
}

static void write_file(const char *path, const bytes *out) {
  FILE *file = fopen(path, "wb");
  if (!file || fwrite(out->data, 1, out->length, file) != out->length || fclose(file) != 0) {
    perror(path);
    exit(1);
  }
}

/* Names that would break out of a C comment or string, start a
 * preprocessor line, act on a terminal or forge a log line. Function 1
 * (the one the tests make trap) gets the second. */
static const char *const hostile[] = {
    "*/ int minos_sealed_breach = 1; /*",
    "trap\x1b[2J\n2026-01-01 forged: line\r\"\\?\?/",
    "\n#include <stdlib.h>\n__attribute__((constructor)) static void minos_forged(void) { abort(); }\n",
};
#define HOSTILE_COUNT (sizeof hostile / sizeof hostile[0])
#define LONG_NAME_BYTES 65536

/* The i-th hostile name; the last slot is a 64 KiB name with NULs. */
static size_t hostile_name(size_t i, char *out) {
  if (i % (HOSTILE_COUNT + 1) < HOSTILE_COUNT) {
    strcpy(out, hostile[i % (HOSTILE_COUNT + 1)]);
    return strlen(out);
  }
  for (size_t j = 0; j < LONG_NAME_BYTES; j++) out[j] = j % 97 == 0 ? '\0' : "*/\n"[j % 3];
  return LONG_NAME_BYTES;
}

static int forge_names(const char *in_path, const char *out_path) {
  bytes module = read_file(in_path), custom = {0}, names = {0}, sub = {0};
  static char name[LONG_NAME_BYTES];
  size_t length = hostile_name(0, name);
  put_name(&custom, name, length);
  put(&custom, "*/ payload /*", 13);
  put_section(&module, 0, &custom);

  put_name(&names, "name", 4);
  length = hostile_name(2, name); /* module name */
  put_name(&sub, name, length);
  put_section(&names, 0, &sub);
  sub.length = 0;
  put_u32(&sub, 3); /* function names: the import, the trapping one, _start */
  for (uint32_t i = 0; i < 3; i++) {
    put_u32(&sub, i);
    length = hostile_name(i == 2 ? HOSTILE_COUNT : i, name);
    put_name(&sub, name, length);
  }
  put_section(&names, 1, &sub);
  sub.length = 0;
  put_u32(&sub, 1); /* local names of function 1 */
  put_u32(&sub, 1);
  put_u32(&sub, 4);
  for (uint32_t i = 0; i < 4; i++) {
    put_u32(&sub, i);
    length = hostile_name(i + 1, name);
    put_name(&sub, name, length);
  }
  put_section(&names, 2, &sub);
  sub.length = 0;
  put_u32(&sub, 1); /* global names */
  put_u32(&sub, 0);
  length = hostile_name(3, name);
  put_name(&sub, name, length);
  put_section(&names, 7, &sub);
  put_section(&module, 0, &names);
  write_file(out_path, &module);
  free(module.data), free(custom.data), free(names.data), free(sub.data);
  return 0;
}

static uint64_t next_random(uint64_t *state) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

/* Small edits keep most of a module intact, so the validator accepts a
 * useful share of the variants: a changed byte, an interesting value, a
 * byte more or less. */
static void mutate(bytes *module, uint64_t *state) {
  static const uint8_t interesting[] = {0x00, 0x01, 0x0b, 0x40, 0x7f, 0x80, 0xff, 0x41, 0x20};
  size_t edits = 1 + next_random(state) % 3;
  for (size_t e = 0; e < edits && module->length > 9; e++) {
    size_t at = 8 + next_random(state) % (module->length - 8);
    switch (next_random(state) % 5) {
      case 0: module->data[at] ^= (uint8_t)(1u << next_random(state) % 8); break;
      case 1: module->data[at] = interesting[next_random(state) % sizeof interesting]; break;
      case 2: module->data[at] = (uint8_t)next_random(state); break;
      case 3:
        memmove(module->data + at, module->data + at + 1, module->length - at - 1);
        module->length--;
        break;
      default: {
        uint8_t byte = (uint8_t)next_random(state);
        put(module, &byte, 1);
        memmove(module->data + at + 1, module->data + at, module->length - at - 1);
        module->data[at] = byte;
      }
    }
  }
}

static int forge_mutants(const char *in_path, const char *directory, long count, uint64_t seed) {
  bytes original = read_file(in_path);
  uint64_t state = seed * 2654435761u + 88172645463325252u;
  for (long i = 0; i < count; i++) {
    bytes variant = {0};
    put(&variant, original.data, original.length);
    mutate(&variant, &state);
    char path[4096];
    snprintf(path, sizeof path, "%s/mutant-%ld.wasm", directory, i);
    write_file(path, &variant);
    free(variant.data);
  }
  free(original.data);
  return 0;
}

static int forge_nest(const char *kind, long depth, const char *out_path) {
  static const uint8_t header[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  static const uint8_t types[] = {2, 0x60, 1, 0x7f, 0, 0x60, 0, 0};
  static const uint8_t block[] = {0x02, 0x40, 0x41, 0x00, 0x0d, 0x00}; /* block, br_if 0 */
  static const uint8_t if_[] = {0x41, 0x01, 0x04, 0x40};               /* i32.const 1, if */
  static const uint8_t tail[] = {0x41, 0x03, 0x10, 0x00};              /* call proc_exit(3) */
  bool is_if = strcmp(kind, "if") == 0;
  bytes module = {0}, section = {0}, body = {0};
  put(&module, header, sizeof header);
  put(&section, types, sizeof types);
  put_section(&module, 1, &section);
  section.length = 0;
  put_u32(&section, 1);
  put_name(&section, "wasi_snapshot_preview1", 22);
  put_name(&section, "proc_exit", 9);
  put(&section, "\0\0", 2);
  put_section(&module, 2, &section);
  section.length = 0;
  put(&section, "\1\1", 2);
  put_section(&module, 3, &section);
  section.length = 0;
  put(&section, "\1\0\1", 3);
  put_section(&module, 5, &section);
  section.length = 0;
  put_u32(&section, 2);
  put_name(&section, "memory", 6);
  put(&section, "\2\0", 2);
  put_name(&section, "_start", 6);
  put(&section, "\0\1", 2);
  put_section(&module, 7, &section);
  put(&body, "\0", 1); /* no locals */
  for (long i = 0; i < depth; i++) put(&body, is_if ? if_ : block, is_if ? sizeof if_ : sizeof block);
  put(&body, tail, sizeof tail);
  for (long i = 0; i <= depth; i++) put(&body, "\x0b", 1);
  section.length = 0;
  put_u32(&section, 1);
  put_u32(&section, (uint32_t)body.length);
  put(&section, body.data, body.length);
  put_section(&module, 10, &section);
  write_file(out_path, &module);
  free(module.data), free(section.data), free(body.data);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "names") == 0) return forge_names(argv[2], argv[3]);
  if (argc == 5 && strcmp(argv[1], "nest") == 0) return forge_nest(argv[2], atol(argv[3]), argv[4]);
  if (argc == 6 && strcmp(argv[1], "mutate") == 0)
    return forge_mutants(argv[2], argv[3], atol(argv[4]), strtoull(argv[5], NULL, 10));
  fprintf(stderr, "usage: seal_forge names IN OUT | nest block|if DEPTH OUT | "
                  "mutate IN OUTDIR COUNT SEED\n");
  return 2;
}
