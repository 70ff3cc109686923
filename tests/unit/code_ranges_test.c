/* SPDX-License-Identifier: Apache-2.0 */
/* The loader's table of code ranges grows past its first chunk: loads more
 * distinct modules than one chunk holds and checks that the fault
 * handler's lookup (module_code_contains) finds every one of them, and
 * nothing outside them. The modules are built here, in memory: each
 * exports nothing and has one function returning its own number, so each
 * has its own cache key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/loader.h"

#define MODULES 150 /* more than two chunks of CODE_RANGES_PER_CHUNK (64) */

static size_t put_signed_leb(uint8_t *out, int32_t value) {
  size_t length = 0;
  for (;;) {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    bool done = (value == 0 && !(byte & 0x40)) || (value == -1 && (byte & 0x40));
    out[length++] = done ? byte : (byte | 0x80);
    if (done) return length;
  }
}

/* (module (func (result i32) i32.const number)) */
static size_t build_module(int32_t number, uint8_t *out) {
  static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, /* type () -> i32 */
                                 0x03, 0x02, 0x01, 0x00};                  /* one function */
  uint8_t constant[8];
  size_t constant_length = put_signed_leb(constant, number);
  size_t body_length = 1 + 1 + constant_length + 1; /* no locals, i32.const, end */
  size_t length = sizeof head;
  memcpy(out, head, sizeof head);
  out[length++] = 0x0a;                              /* code section */
  out[length++] = (uint8_t)(1 + 1 + body_length);    /* its size */
  out[length++] = 0x01;                              /* one body */
  out[length++] = (uint8_t)body_length;
  out[length++] = 0x00;
  out[length++] = 0x41;
  memcpy(out + length, constant, constant_length);
  length += constant_length;
  out[length++] = 0x0b;
  return length;
}

int main(void) {
  static loaded_module *loaded[MODULES];
  int failures = 0;
  for (int i = 0; i < MODULES; i++) {
    uint8_t bytes[64];
    size_t length = build_module(i, bytes);
    char name[32];
    snprintf(name, sizeof name, "module-%d", i);
    load_report report;
    if (module_load_bytes_as(bytes, length, name, i % 2 ? MODULE_COMPACT : MODULE_FAST, &loaded[i],
                             &report) != MINOS_OK) {
      printf("FAIL: cannot load %s: %s\n", name, report.error);
      return 1;
    }
  }
  for (int i = 0; i < MODULES; i++) {
    const loaded_module *module = loaded[i];
    if (module->code_low >= module->code_high || !module_code_contains(module->code_low) ||
        !module_code_contains(module->code_high - 1)) {
      printf("FAIL: the code of module %d is not found\n", i);
      failures++;
    }
  }
  if (module_code_contains((uintptr_t)&main) || module_code_contains((uintptr_t)loaded)) {
    printf("FAIL: an address outside every module is taken for module code\n");
    failures++;
  }
  for (int i = 0; i < MODULES; i++) module_release(loaded[i]);
  if (!failures) printf("code ranges of %d modules found\n", MODULES);
  return failures ? 1 : 0;
}
