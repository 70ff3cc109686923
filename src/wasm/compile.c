/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/compile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/embedded.h"
#include "core/escape.h"
#include "wasm/host_functions.h"
#include "wasm/toolchain.h"
#include "wasm/wasm_arch.h"

_Static_assert(COMPACT_FRAME_LIMIT * 2 <= HOST_STACK_RESERVE,
               "a compact frame below the stack floor must leave host code most of its reserve");

/* The module name given to wasm2c: every artefact exports the same C
 * names, and only minos_module_bind is visible outside the object. */
#define MODULE_PREFIX "Z_m"

typedef struct text {
  char *data;
  size_t length, capacity;
  unsigned count; /* items appended, where the text is a list */
  int failed;
} text;

static void text_append(text *out, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void text_append(text *out, const char *format, ...) {
  for (;;) {
    va_list args;
    va_start(args, format);
    size_t room = out->capacity - out->length;
    int wanted = vsnprintf(out->data ? out->data + out->length : NULL, room, format, args);
    va_end(args);
    if (wanted < 0) {
      out->failed = 1;
      return;
    }
    if ((size_t)wanted < room) {
      out->length += (size_t)wanted;
      return;
    }
    size_t capacity = (out->capacity + (size_t)wanted + 1) * 2;
    char *grown = realloc(out->data, capacity);
    if (!grown) {
      out->failed = 1;
      return;
    }
    out->data = grown;
    out->capacity = capacity;
  }
}

static minos_status read_whole(const char *path, text *out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MINOS_EIO;
  off_t size = lseek(fd, 0, SEEK_END);
  out->data = size >= 0 ? malloc((size_t)size + 1) : NULL;
  ssize_t got = out->data ? pread(fd, out->data, (size_t)size, 0) : -1;
  close(fd);
  if (got != size) {
    free(out->data);
    out->data = NULL;
    return MINOS_EIO;
  }
  out->data[size] = '\0';
  out->length = (size_t)size;
  out->capacity = (size_t)size + 1;
  return MINOS_OK;
}

static minos_status write_whole(const char *directory, const char *name, const char *data,
                                size_t length) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", directory, name);
  FILE *file = fopen(path, "wb");
  if (!file) return MINOS_EIO;
  size_t written = fwrite(data, 1, length, file);
  return (fclose(file) == 0 && written == length) ? MINOS_OK : MINOS_EIO;
}

/* "module.wasm:000001d: error: type mismatch ..." -> "at byte offset 0x1d: type mismatch ...",
 * escaped: the validator quotes the module's names. */
static void reword_validator_error(const char *output, char *error, size_t error_size) {
  const char *line = strstr(output, "error: ");
  if (!line) {
    escape_text(error, error_size, output, strcspn(output, "\n"));
    return;
  }
  const char *offset = line;
  while (offset > output && offset[-1] != '\n' && offset[-1] != ':') offset--;
  if (offset > output && offset[-1] == ':') offset--;
  const char *start = offset;
  while (start > output && start[-1] != ':' && start[-1] != '\n') start--;
  unsigned long position = strtoul(start, NULL, 16);
  const char *message = line + strlen("error: ");
  int used = snprintf(error, error_size, "at byte offset 0x%lx: ", position);
  if (used >= 0 && (size_t)used < error_size)
    escape_text(error + used, error_size - (size_t)used, message, strcspn(message, "\n"));
}

/* What minos compiles: wasm-validate 1.0.32's default features (the MVP,
 * mutable globals, saturating float-to-int, sign extension, multi-value,
 * bulk memory, reference types) less SIMD, which wasm2c 1.0.32 cannot
 * translate (it aborts). The proposals off by default stay off: minos's
 * glue has no runtime for exceptions, threads or several memories, and
 * wasm2c 1.0.32 translates none of the others. */
static const char *const compiled_features[] = {"--disable-simd"};
enum { COMPILED_FEATURE_COUNT = sizeof compiled_features / sizeof compiled_features[0] };

/* To name the proposal an invalid module needs: the flag that makes
 * wasm-validate accept it (SIMD: its defaults). */
static const struct {
  const char *name, *flag;
} proposals[] = {
    {"SIMD", NULL},
    {"relaxed SIMD", "--enable-relaxed-simd"},
    {"exception handling", "--enable-exceptions"},
    {"threads", "--enable-threads"},
    {"tail calls", "--enable-tail-call"},
    {"memory64", "--enable-memory64"},
    {"multi-memory", "--enable-multi-memory"},
    {"extended constant expressions", "--enable-extended-const"},
    {"typed function references", "--enable-function-references"},
    {"garbage collection", "--enable-gc"},
};

/* Whether wasm-validate, run as argv says, accepts the module. */
static bool validator_accepts(const char *const argv[], const char *directory) {
  char output[256];
  int exit_status;
  return toolchain_run(argv, directory, &exit_status, output, sizeof output) == MINOS_OK &&
         exit_status == 0;
}

/* The proposal that makes the module valid, or NULL. */
static const char *proposal_needed(const char *validator, const char *wasm_path,
                                   const char *directory) {
  for (size_t i = 0; i < sizeof proposals / sizeof proposals[0]; i++) {
    const char *argv[] = {validator, proposals[i].flag ? proposals[i].flag : wasm_path,
                          proposals[i].flag ? wasm_path : NULL, NULL};
    if (validator_accepts(argv, directory)) return proposals[i].name;
  }
  return NULL;
}

minos_status compile_validate(const char *wasm_path, const char *directory, char *error,
                              size_t error_size) {
  const char *validator = toolchain_path(TOOL_VALIDATE, error, error_size);
  if (!validator) return MINOS_ETOOLCHAIN;
  const char *argv[COMPILED_FEATURE_COUNT + 3] = {validator};
  for (size_t i = 0; i < COMPILED_FEATURE_COUNT; i++) argv[1 + i] = compiled_features[i];
  argv[1 + COMPILED_FEATURE_COUNT] = wasm_path;
  char output[4096];
  int exit_status;
  minos_status status = toolchain_run(argv, directory, &exit_status, output, sizeof output);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "%s", output);
    return status;
  }
  if (exit_status == 0) return MINOS_OK;
  if (exit_status < 0) {
    snprintf(error, error_size, "wasm-validate crashed");
    return MINOS_ETOOLCHAIN;
  }
  reword_validator_error(output, error, error_size);
  const char *proposal = proposal_needed(validator, wasm_path, directory);
  size_t used = strlen(error);
  if (proposal && used < error_size)
    snprintf(error + used, error_size - used,
             " (the module uses the %s proposal, which minos cannot compile)", proposal);
  return MINOS_EMODULE;
}

/* Appends [at, end) with every occurrence of from replaced by to. */
static void append_replacing(text *patched, const char *at, const char *end, const char *from,
                             const char *to) {
  size_t from_length = strlen(from);
  while (at < end) {
    const char *found = strstr(at, from);
    if (!found || found + from_length > end) {
      text_append(patched, "%.*s", (int)(end - at), at);
      return;
    }
    text_append(patched, "%.*s%s", (int)(found - at), at, to);
    at = found + from_length;
  }
}

/* The table helpers trap as table (not memory) accesses. */
static void append_table_helpers(text *patched, const char *at, const char *end) {
  append_replacing(patched, at, end, "TRAP(OOB)", "TRAP(TABLE_OOB)");
}

/* Compact code's memory helpers (i32_load, memory_fill, ...) hold bounds
 * checks, which makes the C compiler keep some out of line; a trap there
 * would be reported in the helper, not in the wasm function that made the
 * access. Forced inline, every check stays inside its wasm function. */
static void append_inlined_helpers(text *patched, const char *at, const char *end,
                                   module_variant variant) {
  if (variant == MODULE_COMPACT)
    append_replacing(patched, at, end, "static inline ",
                     "static inline __attribute__((always_inline)) ");
  else
    text_append(patched, "%.*s", (int)(end - at), at);
}

/* Float loads take their barrier in an SSE register (module_glue.h). */
static const char *const float_loads[][2] = {
    {"DEFINE_LOAD(f32_load, f32, f32, f32)", "MINOS_DEFINE_FLOAT_LOAD(f32_load, f32, f32, f32)"},
    {"DEFINE_LOAD(f64_load, f64, f64, f64)", "MINOS_DEFINE_FLOAT_LOAD(f64_load, f64, f64, f64)"},
};

static bool append_runtime_helpers(text *patched, const char *at, const char *end,
                                   module_variant variant) {
  const char *first = strstr(at, float_loads[0][0]);
  const char *second = first ? strstr(first, float_loads[1][0]) : NULL;
  if (!second || second >= end) return false;
  append_inlined_helpers(patched, at, first, variant);
  text_append(patched, "%s", float_loads[0][1]);
  const char *between = first + strlen(float_loads[0][0]);
  append_inlined_helpers(patched, between, second, variant);
  text_append(patched, "%s", float_loads[1][1]);
  append_inlined_helpers(patched, second + strlen(float_loads[1][0]), end, variant);
  return true;
}

/* The accesses of fast code that go through a base loaded once per
 * function (module_glue.h), by the name wasm2c calls them. */
static const char *const memory_accesses[] = {
    "i32_load",     "i64_load",     "f32_load",     "f64_load",     "i32_load8_s",
    "i64_load8_s",  "i32_load8_u",  "i64_load8_u",  "i32_load16_s", "i64_load16_s",
    "i32_load16_u", "i64_load16_u", "i64_load32_s", "i64_load32_u", "i32_store",
    "i64_store",    "f32_store",    "f64_store",    "i32_store8",   "i32_store16",
    "i64_store8",   "i64_store16",  "i64_store32"};

/* The instance member of the module's own memory, from the line that
 * allocates it ("wasm_rt_allocate_memory(&instance->w2c_memory, ..."):
 * false when the module defines none (or wasm2c wrote it otherwise). */
static bool defined_memory_member(const char *source, char *member, size_t size) {
  static const char allocation[] = "wasm_rt_allocate_memory(&instance->";
  const char *at = strstr(source, allocation);
  if (!at || strstr(at + 1, allocation)) return false;
  at += strlen(allocation);
  size_t length = strspn(at, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
  if (length == 0 || length >= size || at[length] != ',') return false;
  memcpy(member, at, length);
  member[length] = '\0';
  return true;
}

/* Fast code whose module defines its memory: every function loads the
 * memory's base once (FUNC_PROLOGUE, which wasm2c puts first in every
 * function, and which is empty in fast code) and every access goes
 * through it. A function that accessed memory without the prologue would
 * not compile: loud, never wrong. */
static void append_memory_base(text *patched, const char *source, module_variant variant) {
  char member[128];
  if (variant != MODULE_FAST || !defined_memory_member(source, member, sizeof member)) return;
  text_append(patched,
              "MINOS_BASE_HELPERS\n#undef FUNC_PROLOGUE\n"
              "#define FUNC_PROLOGUE u8 *const minos_memory_base = instance->%s.data\n",
              member);
  for (size_t i = 0; i < sizeof memory_accesses / sizeof memory_accesses[0]; i++)
    text_append(patched, "#define %s(memory, ...) minos_%s(minos_memory_base, __VA_ARGS__)\n",
                memory_accesses[i], memory_accesses[i]);
}

/* Collects wasm2c's C names of defined functions from their forward
 * declarations, one a line, in index order, between init_func_types and
 * the first function body:
 * "static u32 w2c_name(Z_m_instance_t*, u32);" */
static const char *append_declarations(text *patched, text *identifiers, const char *at) {
  const char *types = strstr(at, "static void init_func_types(void) {");
  const char *block = types ? strstr(types, "\n}\n") : NULL;
  if (!block) return at;
  block += 3;
  text_append(patched, "%.*s", (int)(block - at), at);
  for (const char *line = block; *line;) {
    const char *line_end = strchr(line, '\n');
    if (!line_end || (line_end > line && line_end[-1] == '{')) return line;
    const char *name = strstr(line, " w2c_");
    const char *paren = name ? strchr(name, '(') : NULL;
    int declaration = strncmp(line, "static ", 7) == 0 && paren && paren < line_end &&
                      line_end - line >= 2 && line_end[-1] == ';' && line_end[-2] == ')';
    if (declaration) {
      text_append(identifiers, "  \"%.*s\",\n", (int)(paren - name - 1), name + 1);
      identifiers->count++;
    }
    text_append(patched, "%.*s", (int)(line_end + 1 - line), line);
    line = line_end + 1;
  }
  return at + strlen(at);
}

static minos_status unrecognised_output(char *error, size_t error_size) {
  snprintf(error, error_size, "unrecognised wasm2c output (minos expects wabt 1.0.32's layout)");
  return MINOS_ETOOLCHAIN;
}

/* Compact code checks its stack depth in every function's prologue
 * (MINOS_FUNC_PROLOGUE, module_glue.h), which wasm2c leaves empty when
 * memory accesses are checked by guard pages. */
static const char compact_prologue[] =
    "#undef FUNC_PROLOGUE\n#define FUNC_PROLOGUE MINOS_FUNC_PROLOGUE\n";

/* wasm2c's output is used as is except for these edits, each checked, so
 * a wasm2c whose output differs fails loudly instead of miscompiling:
 * minos's glue header goes first, call_indirect uses minos's precise
 * traps, float loads keep their barrier in an SSE register, and the
 * table helpers trap as table (not memory) accesses. In fast code every
 * function loads its memory's base once (append_memory_base). In
 * compact code the memory helpers are forced inline, every function's
 * prologue checks the stack, and the instance holds the stack floor
 * (patch_header). */
static minos_status patch_generated(const text *source, module_variant variant, text *patched,
                                    text *identifiers, char *error, size_t error_size) {
  static const char marker[] = "static bool s_module_initialized";
  static const char table_helpers[] = "static inline void funcref_table_init(";
  static const char prologue[] = "#define FUNC_PROLOGUE";
  const char *end = strstr(source->data, marker);
  const char *tables = strstr(source->data, table_helpers);
  const char *prologue_at = strstr(source->data, prologue);
  if (!end || strstr(end + 1, marker) || !tables || tables > end || !prologue_at ||
      prologue_at > tables)
    return unrecognised_output(error, error_size);
  text_append(patched, "%s#include \"module_glue.h\"\n",
              variant == MODULE_COMPACT ? "#define MINOS_COMPACT 1\n" : "");
  if (!append_runtime_helpers(patched, source->data, tables, variant))
    return unrecognised_output(error, error_size);
  append_memory_base(patched, source->data, variant);
  append_table_helpers(patched, tables, end);
  text_append(patched, "#undef CALL_INDIRECT\n#define CALL_INDIRECT MINOS_CALL_INDIRECT\n");
  if (variant == MODULE_COMPACT) text_append(patched, "%s", compact_prologue);
  const char *rest = append_declarations(patched, identifiers, end);
  text_append(patched, "%s", rest);
  return patched->failed || identifiers->failed ? MINOS_ENOMEM : MINOS_OK;
}

/* Compact: the instance's first member is the cell's stack floor, so the
 * prologue check costs one load from a pointer every function already
 * has. It is copied at instantiation from the host context (struct
 * wasm_cell, whose first member it is). */
static minos_status patch_header(const char *directory, module_variant variant, char *error,
                                 size_t error_size) {
  static const char opening[] = "typedef struct " MODULE_PREFIX "_instance_t {\n";
  if (variant != MODULE_COMPACT) return MINOS_OK;
  char path[4096];
  snprintf(path, sizeof path, "%s/generated.h", directory);
  text header = {0}, patched = {0};
  if (read_whole(path, &header) != MINOS_OK) {
    snprintf(error, error_size, "cannot read wasm2c's output %s", path);
    return MINOS_EIO;
  }
  const char *at = strstr(header.data, opening);
  minos_status status = MINOS_OK;
  if (!at || strstr(at + 1, opening)) {
    status = unrecognised_output(error, error_size);
  } else {
    at += strlen(opening);
    text_append(&patched, "%.*s  const char *minos_stack_floor;\n%s", (int)(at - header.data),
                header.data, at);
    status = patched.failed ? MINOS_ENOMEM
                            : write_whole(directory, "generated.h", patched.data, patched.length);
  }
  free(header.data);
  free(patched.data);
  return status;
}

static const char *c_type(char letter) { return letter == 'I' ? "u64" : "u32"; }

/* Only names minos itself holds reach the C text: the import was matched
 * against host_functions, and the C names come from that table, never
 * from the module's bytes. A host call is a safe point on both sides:
 * MINOS_HOST_ENTER checks the stack, MINOS_HOST_LEAVE lets the runtime
 * act on what came due while the call ran (module_glue.h). */
static void append_trampoline(text *glue, int host_index) {
  const host_function *function = &host_functions[host_index];
  const char *signature = function->signature;
  const char *colon = strchr(signature, ':');
  int params = (int)(colon - signature);
  const char *result = colon[1] ? c_type(colon[1]) : "void";
  text_append(glue, "%s Z_%sZ_%s(struct Z_%s_instance_t *context", result, function->module,
              function->name, function->module);
  for (int i = 0; i < params; i++) text_append(glue, ", %s a%d", c_type(signature[i]), i);
  text_append(glue, ") {\n  MINOS_HOST_ENTER(context);\n  ");
  if (colon[1]) text_append(glue, "%s result = ", result);
  text_append(glue, "((%s (*)(void *", result);
  for (int i = 0; i < params; i++) text_append(glue, ", %s", c_type(signature[i]));
  text_append(glue, "))minos_host->imports[%d])(context", host_index);
  for (int i = 0; i < params; i++) text_append(glue, ", a%d", i);
  text_append(glue, ");\n  MINOS_HOST_LEAVE(context);\n%s}\n\n",
              colon[1] ? "  return result;\n" : "");
}

/* One trampoline per host function, however often the module imports
 * it: wasm2c declares one C name for every import of the same function. */
static void append_trampolines(text *glue, const wasm_module *module) {
  bool *wanted = calloc(host_function_count, sizeof *wanted);
  if (!wanted) {
    glue->failed = 1;
    return;
  }
  for (uint32_t i = 0; i < module->import_count; i++) {
    const wasm_import *import = &module->imports[i];
    int index = host_function_find(import->module, import->name);
    if (index >= 0) wanted[index] = true;
  }
  for (size_t i = 0; i < host_function_count; i++)
    if (wanted[i]) append_trampoline(glue, (int)i);
  free(wanted);
}

static int count_import_modules(const wasm_module *module) {
  int count = 0;
  for (uint32_t i = 0; i < module->import_count; i++) {
    int seen = 0;
    for (uint32_t j = 0; j < i; j++)
      seen |= strcmp(module->imports[j].module, module->imports[i].module) == 0;
    count += !seen;
  }
  return count;
}

static void append_entry(text *glue, const wasm_module *module, module_variant variant) {
  int has_start = wasm_module_find_export(module, "_start", WASM_EXTERNAL_FUNCTION) != NULL;
  int has_memory = wasm_module_find_export(module, "memory", WASM_EXTERNAL_MEMORY) != NULL;
  text_append(glue, "static void minos_instantiate(void *instance, void *context) {\n"
                    "  (void)context;\n");
  /* Before instantiation, which may already run wasm code (a start function). */
  if (variant == MODULE_COMPACT)
    text_append(glue, "  ((" MODULE_PREFIX "_instance_t *)instance)->minos_stack_floor =\n"
                      "      *(const char *const *)context;\n");
  text_append(glue, "  " MODULE_PREFIX "_instantiate(instance");
  for (int i = count_import_modules(module); i > 0; i--) text_append(glue, ", context");
  text_append(glue, ");\n}\n\n");
  if (has_start)
    text_append(glue, "static void minos_start(void *instance) { " MODULE_PREFIX "Z__start(instance); }\n");
  if (has_memory)
    text_append(glue, "static void *minos_memory(void *instance) { return " MODULE_PREFIX
                      "Z_memory(instance); }\n");
  text_append(glue,
              "static const minos_module_entry minos_entry = {\n"
              "  MINOS_MODULE_ABI_VERSION, sizeof(" MODULE_PREFIX "_instance_t), minos_instantiate,\n"
              "  " MODULE_PREFIX "_free, %s, %s,\n"
              "  minos_function_identifiers, minos_function_identifier_count};\n\n"
              "__attribute__((visibility(\"default\")))\n"
              "const minos_module_entry *minos_module_bind(const minos_host_table *host) {\n"
              "  if (host->abi_version != MINOS_MODULE_ABI_VERSION) return 0;\n"
              "  minos_host = host;\n  " MODULE_PREFIX "_init_module();\n  return &minos_entry;\n}\n",
              has_start ? "minos_start" : "0", has_memory ? "minos_memory" : "0");
}

static minos_status write_glue(const char *directory, const wasm_module *module,
                               module_variant variant, const text *identifiers) {
  text glue = {0};
  text_append(&glue, "/* Generated by minos for one module. */\n"
                     "#define MINOS_GLUE_DEFINE_RUNTIME 1\n#include \"module_glue.h\"\n"
                     "#include \"generated.h\"\n\n");
  append_trampolines(&glue, module);
  text_append(&glue, "static const char *const minos_function_identifiers[] = {\n%s  0};\n"
                     "enum { minos_function_identifier_count = %u };\n\n",
              identifiers->data ? identifiers->data : "", identifiers->count);
  append_entry(&glue, module, variant);
  minos_status status = glue.failed ? MINOS_ENOMEM : write_whole(directory, "glue.c", glue.data, glue.length);
  free(glue.data);
  return status;
}

#define STEP_OUTPUT_BYTES ((size_t)16384)

/* The tool's output is kept per call (worker threads compile at once),
 * and on the heap: a compile may run on a cell's stack. */
static minos_status run_step(const char *const argv[], const char *directory, const char *what,
                             char *error, size_t error_size) {
  char *output = calloc(1, STEP_OUTPUT_BYTES);
  if (!output) {
    snprintf(error, error_size, "out of memory running %s", what);
    return MINOS_ENOMEM;
  }
  int exit_status;
  minos_status status = toolchain_run(argv, directory, &exit_status, output, STEP_OUTPUT_BYTES);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "%s", output);
  } else if (exit_status != 0) {
    snprintf(error, error_size, "%s failed (exit %d): %.600s", what, exit_status, output);
    status = MINOS_ETOOLCHAIN;
  }
  free(output);
  return status;
}

static minos_status translate(const char *wasm_path, module_variant variant, const char *directory,
                              text *identifiers, char *error, size_t error_size) {
  const char *wasm2c = toolchain_path(TOOL_WASM2C, error, error_size);
  if (!wasm2c) return MINOS_ETOOLCHAIN;
  /* The sealed module has no name section; --no-debug-names says so twice. */
  const char *argv[] = {wasm2c, wasm_path, "--no-debug-names", "-n", "m",
                        "-o", "generated.c", NULL};
  minos_status status = run_step(argv, directory, "wasm2c", error, error_size);
  if (status != MINOS_OK) return status;
  char path[4096];
  snprintf(path, sizeof path, "%s/generated.c", directory);
  text generated = {0}, patched = {0};
  if (read_whole(path, &generated) != MINOS_OK) {
    snprintf(error, error_size, "cannot read wasm2c's output %s", path);
    return MINOS_EIO;
  }
  status = patch_generated(&generated, variant, &patched, identifiers, error, error_size);
  if (status == MINOS_OK) status = write_whole(directory, "module.c", patched.data, patched.length);
  free(generated.data);
  free(patched.data);
  return status == MINOS_OK ? patch_header(directory, variant, error, error_size) : status;
}

static minos_status write_embedded(const char *directory) {
  for (size_t i = 0; i < embedded_glue_file_count; i++) {
    const struct embedded_file *file = &embedded_glue_files[i];
    minos_status status = write_whole(directory, file->name, file->content, file->size);
    if (status != MINOS_OK) return status;
  }
  return MINOS_OK;
}

/* Finds the largest frame in the compiler's stack-usage report (gcc and
 * clang write "file:line[:column]:function<TAB>bytes<TAB>qualifiers", one
 * function a line) and refuses one over COMPACT_FRAME_LIMIT, or one of
 * unbounded size (alloca, which wasm2c's output does not use). */
static minos_status check_frames(const char *directory, char *error, size_t error_size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/module.su", directory);
  text report = {0};
  if (read_whole(path, &report) != MINOS_OK) {
    snprintf(error, error_size, "the C compiler wrote no stack usage report %s", path);
    return MINOS_ETOOLCHAIN;
  }
  minos_status status = MINOS_OK;
  for (char *line = report.data; *line && status == MINOS_OK;) {
    char *line_end = line + strcspn(line, "\n");
    char *size = memchr(line, '\t', (size_t)(line_end - line));
    char *qualifiers = size ? memchr(size + 1, '\t', (size_t)(line_end - size - 1)) : NULL;
    if (!qualifiers) {
      snprintf(error, error_size, "unrecognised stack usage report %s", path);
      status = MINOS_ETOOLCHAIN;
      break;
    }
    unsigned long long bytes = strtoull(size + 1, NULL, 10);
    bool unbounded = strncmp(qualifiers + 1, "dynamic", 7) == 0 &&
                     strncmp(qualifiers + 1, "dynamic,bounded", 15) != 0;
    if (unbounded || bytes > COMPACT_FRAME_LIMIT) {
      const char *name = memrchr(line, ':', (size_t)(size - line));
      name = name ? name + 1 : line;
      snprintf(error, error_size,
               "function %.*s needs a native frame of %s%llu bytes; compact code allows %zu "
               "(run the module in the fast variant)",
               (int)(size - name), name, unbounded ? "at least " : "", bytes, COMPACT_FRAME_LIMIT);
      status = MINOS_ELIMIT;
    }
    line = *line_end ? line_end + 1 : line_end;
  }
  free(report.data);
  return status;
}

/* Fast code has no bounds checks: linear memory has guard regions
 * (linear_memory.h). Stack-clash protection makes big frames probe page by
 * page, so no frame can jump over a cell's stack guard. -g1 keeps line and
 * inlining tables (not variables), so a trap address leads back to the
 * innermost wasm function even after the C compiler inlined it. */
static minos_status compile_fast(const char *cc, const char *directory, const char *output_path,
                                 char *error, size_t error_size) {
  const char *argv[] = {cc, "-O2", "-g1", "-fPIC", "-shared", "-fvisibility=hidden",
                        "-fno-strict-aliasing", "-fstack-clash-protection", "-w", "-I.",
                        "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1", "module.c", "glue.c",
                        "-o", output_path, "-Wl,--no-undefined", "-Wl,-z,now", "-lm", NULL};
  return run_step(argv, directory, "the C compiler", error, error_size);
}

/* Compact code checks every access against the memory's size (wasm2c's
 * own checks, without a signal handler) and the stack in every prologue;
 * no guard pages, so no stack-clash probing either: instead every frame
 * is bounded, from the compiler's stack usage report. module.c is
 * compiled on its own so that report has one name with gcc and clang. */
static minos_status compile_compact(const char *cc, const char *directory,
                                    const char *output_path, char *error, size_t error_size) {
  const char *object_argv[] = {cc, "-O2", "-g1", "-fPIC", "-fvisibility=hidden",
                               "-fno-strict-aliasing", "-fstack-usage", "-w", "-I.",
                               "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0",
                               "-DWASM_RT_USE_STACK_DEPTH_COUNT=0", "-c", "module.c",
                               "-o", "module.o", NULL};
  minos_status status = run_step(object_argv, directory, "the C compiler", error, error_size);
  if (status == MINOS_OK) status = check_frames(directory, error, error_size);
  if (status != MINOS_OK) return status;
  const char *link_argv[] = {cc, "-O2", "-g1", "-fPIC", "-shared", "-fvisibility=hidden",
                             "-fno-strict-aliasing", "-w", "-I.",
                             "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0",
                             "-DWASM_RT_USE_STACK_DEPTH_COUNT=0", "module.o", "glue.c",
                             "-o", output_path, "-Wl,--no-undefined", "-Wl,-z,now", "-lm", NULL};
  return run_step(link_argv, directory, "the C compiler", error, error_size);
}

minos_status compile_write_sources(const char *wasm_path, const wasm_module *module,
                                   module_variant variant, const char *directory, char *error,
                                   size_t error_size) {
  text identifiers = {0};
  minos_status status = translate(wasm_path, variant, directory, &identifiers, error, error_size);
  if (status == MINOS_OK) status = write_embedded(directory);
  if (status == MINOS_OK) status = write_glue(directory, module, variant, &identifiers);
  free(identifiers.data);
  if (status != MINOS_OK && !error[0])
    snprintf(error, error_size, "cannot write generated sources in %s", directory);
  return status;
}

minos_status compile_module(const char *wasm_path, const wasm_module *module,
                            module_variant variant, const char *directory,
                            const char *output_path, char *error, size_t error_size) {
  minos_status status = compile_write_sources(wasm_path, module, variant, directory, error, error_size);
  if (status != MINOS_OK) return status;
  const char *cc = toolchain_path(TOOL_CC, error, error_size);
  if (!cc) return MINOS_ETOOLCHAIN;
  return variant == MODULE_COMPACT ? compile_compact(cc, directory, output_path, error, error_size)
                                   : compile_fast(cc, directory, output_path, error, error_size);
}
