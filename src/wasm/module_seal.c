/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/module_seal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SECTION_CUSTOM = 0, SECTION_EXPORT = 7, EXPORT_FUNCTION = 0, EXPORT_MEMORY = 2 };

typedef struct cursor {
  const uint8_t *at, *end;
  bool failed;
} cursor;

typedef struct output {
  uint8_t *data;
  size_t length, capacity;
  bool failed;
} output;

static const uint8_t *take(cursor *in, size_t count) {
  if (in->failed || count > (size_t)(in->end - in->at)) {
    in->failed = true;
    return NULL;
  }
  const uint8_t *taken = in->at;
  in->at += count;
  return taken;
}

static uint32_t take_u32(cursor *in) {
  uint32_t value = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    const uint8_t *byte = take(in, 1);
    if (!byte) return 0;
    value |= (uint32_t)(*byte & 0x7f) << shift;
    if (!(*byte & 0x80)) return value;
  }
  in->failed = true;
  return 0;
}

static void put(output *out, const void *bytes, size_t count) {
  if (out->failed || count == 0) return;
  if (count > out->capacity - out->length) {
    size_t capacity = (out->capacity + count) * 2;
    uint8_t *grown = realloc(out->data, capacity);
    if (!grown) {
      out->failed = true;
      return;
    }
    out->data = grown;
    out->capacity = capacity;
  }
  memcpy(out->data + out->length, bytes, count);
  out->length += count;
}

static void put_u32(output *out, uint32_t value) {
  uint8_t bytes[5];
  size_t count = 0;
  do {
    bytes[count] = value & 0x7f;
    value >>= 7;
    if (value) bytes[count] |= 0x80;
    count++;
  } while (value);
  put(out, bytes, count);
}

static void put_name(output *out, const void *name, size_t length) {
  put_u32(out, (uint32_t)length);
  put(out, name, length);
}

/* Compared byte for byte: "_start" followed by a NUL and more is
 * another name. */
static bool kept_export(const uint8_t *name, uint32_t length, uint8_t kind) {
  return (kind == EXPORT_FUNCTION && length == 6 && memcmp(name, "_start", 6) == 0) ||
         (kind == EXPORT_MEMORY && length == 6 && memcmp(name, "memory", 6) == 0);
}

/* Other exports are renamed, not dropped: an export declares its function
 * for ref.func (wabt checks it), so dropping one could make a valid module
 * invalid. "e<N>" can be neither kept name nor another export's. */
static void seal_exports(cursor *in, output *out) {
  uint32_t count = take_u32(in);
  put_u32(out, count);
  for (uint32_t i = 0; i < count && !in->failed; i++) {
    uint32_t name_length = take_u32(in);
    const uint8_t *name = take(in, name_length);
    const uint8_t *kind = take(in, 1);
    uint32_t index = take_u32(in);
    if (in->failed) return;
    if (kept_export(name, name_length, *kind)) {
      put_name(out, name, name_length);
    } else {
      char made[16];
      int made_length = snprintf(made, sizeof made, "e%u", i);
      put_name(out, made, (size_t)made_length);
    }
    put(out, kind, 1);
    put_u32(out, index);
  }
  if (in->at != in->end) in->failed = true;
}

minos_status module_seal(const uint8_t *bytes, size_t length, uint8_t **sealed,
                         size_t *sealed_length, char *error, size_t error_size) {
  cursor in = {bytes, bytes + length, false};
  output out = {0};
  const uint8_t *header = take(&in, 8);
  if (header) put(&out, header, 8);
  while (!in.failed && in.at < in.end) {
    const uint8_t *section = in.at;
    const uint8_t *id = take(&in, 1);
    uint32_t size = take_u32(&in);
    cursor body = {in.at, NULL, false};
    if (!take(&in, size)) break;
    body.end = in.at;
    if (*id == SECTION_CUSTOM) continue;
    if (*id != SECTION_EXPORT) {
      put(&out, section, (size_t)(in.at - section));
      continue;
    }
    output exports = {0};
    seal_exports(&body, &exports);
    in.failed = body.failed;
    put(&out, id, 1);
    put_u32(&out, (uint32_t)exports.length);
    put(&out, exports.data, exports.length);
    out.failed |= exports.failed;
    free(exports.data);
  }
  if (in.failed || out.failed) {
    free(out.data);
    snprintf(error, error_size, in.failed ? "cannot walk the module's sections to seal it"
                                          : "out of memory sealing the module");
    return in.failed ? MINOS_EMODULE : MINOS_ENOMEM;
  }
  *sealed = out.data;
  *sealed_length = out.length;
  return MINOS_OK;
}
