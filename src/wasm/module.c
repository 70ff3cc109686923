/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/module.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A cursor over a byte range; the first error sticks, so section readers
 * can read a run of fields and check once. */
typedef struct reader {
  const uint8_t *start, *at, *end;
  char *error;
  size_t error_size;
  bool failed;
} reader;

static void fail(reader *in, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void fail(reader *in, const char *format, ...) {
  if (in->failed) return;
  in->failed = true;
  int used = snprintf(in->error, in->error_size, "at byte offset 0x%zx: ",
                      (size_t)(in->at - in->start));
  if (used < 0 || (size_t)used >= in->error_size) return;
  va_list args;
  va_start(args, format);
  vsnprintf(in->error + used, in->error_size - (size_t)used, format, args);
  va_end(args);
}

static uint8_t read_byte(reader *in) {
  if (in->failed) return 0;
  if (in->at >= in->end) {
    fail(in, "unexpected end of module");
    return 0;
  }
  return *in->at++;
}

static uint64_t read_leb(reader *in, unsigned bits) {
  uint64_t value = 0;
  for (unsigned shift = 0; shift < bits; shift += 7) {
    uint8_t byte = read_byte(in);
    if (in->failed) return 0;
    value |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      if (bits < 64 && (value >> bits) != 0) fail(in, "integer too large");
      return value;
    }
  }
  fail(in, "integer representation too long");
  return 0;
}

static uint32_t read_u32(reader *in) { return (uint32_t)read_leb(in, 32); }

/* Reads a count and checks that at least minimum_bytes_each * count bytes
 * remain, so that hostile counts never drive a huge allocation. */
static uint32_t read_count(reader *in, size_t minimum_bytes_each) {
  uint32_t count = read_u32(in);
  if (!in->failed && (size_t)count * minimum_bytes_each > (size_t)(in->end - in->at))
    fail(in, "count %u exceeds the section's size", count);
  return in->failed ? 0 : count;
}

static char *read_name_length(reader *in, uint32_t *length_out) {
  uint32_t length = read_u32(in);
  if (length_out) *length_out = length;
  if (in->failed) return NULL;
  if (length > (size_t)(in->end - in->at)) {
    fail(in, "name extends past the end of its section");
    return NULL;
  }
  char *name = malloc((size_t)length + 1);
  if (!name) {
    fail(in, "out of memory");
    return NULL;
  }
  memcpy(name, in->at, length);
  name[length] = '\0';
  in->at += length;
  return name;
}

static char *read_name(reader *in) { return read_name_length(in, NULL); }

static void read_limits(reader *in, uint64_t *initial, uint64_t *maximum, bool *has_maximum) {
  uint8_t flags = read_byte(in);
  *initial = read_leb(in, 64);
  *has_maximum = flags & 1;
  *maximum = *has_maximum ? read_leb(in, 64) : 0;
}

static void read_types(reader *in, wasm_module *module) {
  module->type_count = read_count(in, 3);
  module->types = calloc(module->type_count ? module->type_count : 1, sizeof *module->types);
  for (uint32_t i = 0; i < module->type_count && !in->failed; i++) {
    if (read_byte(in) != 0x60) {
      fail(in, "type %u is not a function type", i);
      return;
    }
    wasm_function_type *type = &module->types[i];
    type->param_count = read_count(in, 1);
    type->params = in->at;
    in->at += type->param_count;
    type->result_count = read_count(in, 1);
    type->results = in->at;
    in->at += type->result_count;
  }
}

static void skip_table_type(reader *in) {
  uint64_t initial, maximum;
  bool has_maximum;
  read_byte(in);
  read_limits(in, &initial, &maximum, &has_maximum);
}

static void read_imports(reader *in, wasm_module *module) {
  module->import_count = read_count(in, 3);
  module->imports = calloc(module->import_count ? module->import_count : 1, sizeof *module->imports);
  for (uint32_t i = 0; i < module->import_count && !in->failed; i++) {
    wasm_import *import = &module->imports[i];
    import->module = read_name_length(in, &import->module_length);
    import->name = read_name_length(in, &import->name_length);
    import->kind = read_byte(in);
    uint64_t initial, maximum;
    bool has_maximum;
    switch (import->kind) {
      case WASM_EXTERNAL_FUNCTION:
        import->type_index = read_u32(in);
        module->imported_function_count++;
        break;
      case WASM_EXTERNAL_TABLE: skip_table_type(in); break;
      case WASM_EXTERNAL_MEMORY: read_limits(in, &initial, &maximum, &has_maximum); break;
      case WASM_EXTERNAL_GLOBAL: read_byte(in); read_byte(in); break;
      case WASM_EXTERNAL_TAG: read_byte(in); read_u32(in); break;
      default: fail(in, "import %u has unknown kind %u", i, import->kind);
    }
  }
}

static void read_functions(reader *in, wasm_module *module) {
  uint32_t count = read_count(in, 1);
  free(module->function_type_indices);
  module->defined_function_count = count;
  module->function_type_indices = calloc(count ? count : 1, sizeof *module->function_type_indices);
  if (!module->function_type_indices) fail(in, "out of memory");
  for (uint32_t i = 0; i < module->defined_function_count && !in->failed; i++)
    module->function_type_indices[i] = read_u32(in);
}

static void read_memories(reader *in, wasm_module *module) {
  module->defined_memory_count = read_count(in, 2);
  for (uint32_t i = 0; i < module->defined_memory_count && !in->failed; i++)
    read_limits(in, &module->memory_initial_pages, &module->memory_maximum_pages,
                &module->memory_has_maximum);
}

static void read_exports(reader *in, wasm_module *module) {
  module->export_count = read_count(in, 3);
  module->exports = calloc(module->export_count ? module->export_count : 1, sizeof *module->exports);
  for (uint32_t i = 0; i < module->export_count && !in->failed; i++) {
    module->exports[i].name = read_name_length(in, &module->exports[i].name_length);
    module->exports[i].kind = read_byte(in);
    module->exports[i].index = read_u32(in);
  }
}

static int compare_function_names(const void *a, const void *b) {
  uint32_t left = ((const wasm_function_name *)a)->index;
  uint32_t right = ((const wasm_function_name *)b)->index;
  return (left > right) - (left < right);
}

/* The name section is optional and advisory: a malformed one is ignored
 * rather than refusing a module the validator accepted. */
static void read_names(reader *section, wasm_module *module) {
  while (!section->failed && section->at < section->end) {
    uint8_t id = read_byte(section);
    uint32_t size = read_u32(section);
    if (section->failed || size > (size_t)(section->end - section->at)) return;
    reader sub = *section;
    sub.end = section->at + size;
    section->at += size;
    if (id == 0 && !module->module_name) {
      module->module_name = read_name(&sub);
    } else if (id == 1 && !module->function_names) {
      uint32_t count = read_count(&sub, 2);
      module->function_names = calloc(count ? count : 1, sizeof *module->function_names);
      for (uint32_t i = 0; i < count && !sub.failed; i++) {
        module->function_names[i].index = read_u32(&sub);
        module->function_names[i].name = read_name(&sub);
        if (!sub.failed) module->function_name_count = i + 1;
      }
      qsort(module->function_names, module->function_name_count,
            sizeof *module->function_names, compare_function_names);
    }
  }
}

static void read_custom(reader *in, wasm_module *module) {
  char *name = read_name(in);
  if (name && strcmp(name, "name") == 0) {
    reader names = *in;
    char scratch[8];
    names.error = scratch;
    names.error_size = sizeof scratch;
    read_names(&names, module);
  }
  free(name);
}

static void read_section(reader *in, uint8_t id, wasm_module *module) {
  switch (id) {
    case 0: read_custom(in, module); break;
    case 1: read_types(in, module); break;
    case 2: read_imports(in, module); break;
    case 3: read_functions(in, module); break;
    case 5: read_memories(in, module); break;
    case 7: read_exports(in, module); break;
    default: break; /* sections minos does not need */
  }
}

minos_status wasm_module_check_header(const uint8_t *bytes, size_t length, char *error,
                                      size_t error_size) {
  reader in = {bytes, bytes, bytes + length, error, error_size, false};
  static const uint8_t header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  if (length < 4 || memcmp(bytes, header, 4) != 0) {
    fail(&in, "not a WebAssembly module (bad magic number)");
    return MINOS_EMODULE;
  }
  if (length < 8 || memcmp(bytes + 4, header + 4, 4) != 0) {
    in.at = bytes + 4;
    fail(&in, "unsupported WebAssembly binary version (minos runs version 1)");
    return MINOS_EMODULE;
  }
  return MINOS_OK;
}

minos_status wasm_module_read(const uint8_t *bytes, size_t length, wasm_module *module,
                              char *error, size_t error_size) {
  memset(module, 0, sizeof *module);
  minos_status status = wasm_module_check_header(bytes, length, error, error_size);
  if (status != MINOS_OK) return status;
  reader in = {bytes, bytes + 8, bytes + length, error, error_size, false};
  /* Only custom sections may repeat; the validator says so too, but the
   * reader also runs on bytes it never saw (cached modules, fuzzing), and
   * a second section must not replace the first's arrays. */
  bool seen[256] = {false};
  while (!in.failed && in.at < in.end) {
    uint8_t id = read_byte(&in);
    uint32_t size = read_u32(&in);
    if (in.failed) break;
    if (id != 0 && seen[id]) {
      fail(&in, "section %u appears twice", id);
      break;
    }
    seen[id] = true;
    if (size > (size_t)(in.end - in.at)) {
      fail(&in, "section %u extends past the end of the module", id);
      break;
    }
    reader section = in;
    section.end = in.at + size;
    read_section(&section, id, module);
    in.failed = section.failed;
    in.at += size;
  }
  if (in.failed) {
    wasm_module_release(module);
    return MINOS_EMODULE;
  }
  return MINOS_OK;
}

/* Skips one LEB128 number of any width. */
static void skip_leb(reader *in) {
  for (int i = 0; i < 10; i++)
    if (!(read_byte(in) & 0x80) || in->failed) return;
  fail(in, "integer representation too long");
}

static void skip_bytes(reader *in, size_t count) {
  if (count > (size_t)(in->end - in->at))
    fail(in, "unexpected end of function");
  else
    in->at += count;
}

/* Skips the immediates of opcode 0xfc sub; false if it is unknown. */
static bool skip_prefixed(reader *in) {
  uint32_t sub = read_u32(in);
  if (sub <= 7) return true;                  /* saturating conversions */
  if (sub == 8) return skip_leb(in), read_byte(in), true;        /* memory.init */
  if (sub == 10) return read_byte(in), read_byte(in), true;      /* memory.copy */
  if (sub == 11) return read_byte(in), true;                     /* memory.fill */
  if (sub == 12 || sub == 14) return skip_leb(in), skip_leb(in), true;
  if (sub == 9 || sub == 13 || (sub >= 15 && sub <= 17)) return skip_leb(in), true;
  return false;
}

/* Skips the immediates of opcode; false if it is unknown to minos (the
 * validator will say more). */
static bool skip_immediates(reader *in, uint8_t opcode) {
  if (opcode <= 0x01 || opcode == 0x05 || opcode == 0x0b || opcode == 0x0f ||
      opcode == 0x1a || opcode == 0x1b || (opcode >= 0x45 && opcode <= 0xc4) || opcode == 0xd1)
    return true;
  if ((opcode >= 0x02 && opcode <= 0x04) || opcode == 0x0c || opcode == 0x0d ||
      opcode == 0x10 || (opcode >= 0x20 && opcode <= 0x26) || opcode == 0x3f ||
      opcode == 0x40 || opcode == 0x41 || opcode == 0x42 || opcode == 0xd0 || opcode == 0xd2)
    return skip_leb(in), true;
  if (opcode == 0x11 || (opcode >= 0x28 && opcode <= 0x3e)) return skip_leb(in), skip_leb(in), true;
  if (opcode == 0x43 || opcode == 0x44) return skip_bytes(in, opcode == 0x43 ? 4 : 8), true;
  if (opcode == 0x0e || opcode == 0x1c) {
    uint32_t count = read_u32(in);
    for (uint64_t i = 0; i < (uint64_t)count + (opcode == 0x0e) && !in->failed; i++)
      skip_leb(in);
    return true;
  }
  return opcode == 0xfc && skip_prefixed(in);
}

enum nesting { NESTING_FINE, NESTING_TOO_DEEP, IFS_TOO_DEEP };

/* One function body: its locals, then its code. Stops early, fine, at
 * anything it cannot decode; in->at is where it stopped. */
static enum nesting function_nesting(reader *in) {
  uint32_t groups = read_u32(in);
  for (uint32_t i = 0; i < groups && !in->failed; i++) skip_leb(in), read_byte(in);
  uint32_t depth = 1, if_depth = 0;
  uint8_t open_ifs[WASM_NESTING_LIMIT / 8 + 1] = {0}; /* which open blocks are ifs */
  while (!in->failed && in->at < in->end) {
    uint8_t opcode = read_byte(in);
    if (opcode == 0x0b && --depth == 0) return NESTING_FINE;
    if (opcode == 0x0b && open_ifs[depth / 8] & (1u << depth % 8)) {
      open_ifs[depth / 8] &= (uint8_t)~(1u << depth % 8);
      if_depth--;
    }
    if (!skip_immediates(in, opcode)) return NESTING_FINE;
    if (opcode < 0x02 || opcode > 0x04) continue;
    if (depth > WASM_NESTING_LIMIT) return NESTING_TOO_DEEP;
    if (opcode == 0x04 && ++if_depth > WASM_IF_NESTING_LIMIT) return IFS_TOO_DEEP;
    if (opcode == 0x04) open_ifs[depth / 8] |= (uint8_t)(1u << depth % 8);
    depth++;
  }
  return NESTING_FINE;
}

minos_status wasm_module_check_nesting(const uint8_t *bytes, size_t length, char *error,
                                       size_t error_size) {
  char scratch[8]; /* decoding errors are the validator's to report */
  reader in = {bytes, bytes + 8, bytes + length, scratch, sizeof scratch, false};
  while (!in.failed && in.at < in.end) {
    uint8_t id = read_byte(&in);
    uint32_t size = read_u32(&in);
    if (in.failed || size > (size_t)(in.end - in.at)) return MINOS_OK;
    reader code = in;
    code.end = in.at + size;
    in.at += size;
    uint32_t count = id == 10 ? read_u32(&code) : 0;
    for (uint32_t i = 0; i < count && !code.failed; i++) {
      uint32_t body_size = read_u32(&code);
      if (code.failed || body_size > (size_t)(code.end - code.at)) return MINOS_OK;
      reader body = code;
      body.end = code.at + body_size;
      code.at += body_size;
      enum nesting found = function_nesting(&body);
      if (found == NESTING_FINE) continue;
      snprintf(error, error_size,
               "at byte offset 0x%zx: %s nest more than %u deep; minos compiles at most that%s",
               (size_t)(body.at - bytes), found == NESTING_TOO_DEEP ? "blocks" : "ifs",
               found == NESTING_TOO_DEEP ? WASM_NESTING_LIMIT : WASM_IF_NESTING_LIMIT,
               found == IFS_TOO_DEEP ? " (the C compiler's limit)" : "");
      return MINOS_EMODULE;
    }
  }
  return MINOS_OK;
}

void wasm_module_release(wasm_module *module) {
  for (uint32_t i = 0; i < module->import_count; i++) {
    free(module->imports[i].module);
    free(module->imports[i].name);
  }
  for (uint32_t i = 0; i < module->export_count; i++) free(module->exports[i].name);
  for (uint32_t i = 0; i < module->function_name_count; i++) free(module->function_names[i].name);
  free(module->types);
  free(module->function_type_indices);
  free(module->imports);
  free(module->exports);
  free(module->function_names);
  free(module->module_name);
  memset(module, 0, sizeof *module);
}

const wasm_export *wasm_module_find_export(const wasm_module *module, const char *name,
                                           uint8_t kind) {
  for (uint32_t i = 0; i < module->export_count; i++)
    if (module->exports[i].kind == kind && module->exports[i].name &&
        module->exports[i].name_length == strlen(name) &&
        strcmp(module->exports[i].name, name) == 0)
      return &module->exports[i];
  return NULL;
}

const char *wasm_module_function_name(const wasm_module *module, uint32_t function_index) {
  size_t low = 0, high = module->function_name_count;
  while (low < high) {
    size_t middle = (low + high) / 2;
    uint32_t index = module->function_names[middle].index;
    if (index == function_index) return module->function_names[middle].name;
    if (index < function_index)
      low = middle + 1;
    else
      high = middle;
  }
  return NULL;
}

static const char *value_type_name(uint8_t type) {
  switch (type) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "?";
  }
}

static void format_list(const uint8_t *types, uint32_t count, char *out, size_t out_size) {
  size_t used = (size_t)snprintf(out, out_size, "(");
  for (uint32_t i = 0; i < count && used < out_size; i++)
    used += (size_t)snprintf(out + used, out_size - used, "%s%s", i ? ", " : "",
                             value_type_name(types[i]));
  if (used < out_size) snprintf(out + used, out_size - used, ")");
}

void wasm_function_type_format(const wasm_function_type *type, char *out, size_t out_size) {
  char params[128], results[128];
  format_list(type->params, type->param_count, params, sizeof params);
  format_list(type->results, type->result_count, results, sizeof results);
  snprintf(out, out_size, "%s -> %s", params, results);
}
