/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the module reader and what minos does with a module before
 * the C compiler sees it. On arbitrary bytes it checks that:
 *   - wasm_module_read never crashes, leaks or reads out of bounds, and
 *     a refusal always says why;
 *   - what it reads is consistent (names NUL-terminated, types inside the
 *     bytes, function names sorted), and the lookups and the type
 *     formatting used in error messages are safe on it;
 *   - the sealing checks (imports, exports) decide without crashing;
 *   - the sealing rewriter (module_seal.c, what wasm2c is given) accepts
 *     what the reader accepts or says why, and its output reads again,
 *     holds no custom section, the same imports, as many exports, and
 *     export names of letters, digits and '_' only ("_start", "memory" or
 *     names minos made up), so no name of the module reaches C;
 *   - a module they accept, and wasm-validate too, gets its C sources
 *     written (wasm2c's output patched, the glue) in a scratch directory,
 *     without running the C compiler; with MINOS_FUZZ_STRICT=1 a valid,
 *     sealed module whose sources cannot be written is a failure (minos
 *     must refuse such a module clearly before translating it);
 *   - with MINOS_FUZZ_COMPILE=1 (slow: for long runs, scripts/fuzz), the C
 *     compiler runs too, and a valid, sealed module it cannot compile is a
 *     failure: a compiler error is minos's bug, never the module's (a
 *     limit, MINOS_ELIMIT, is not).
 * Modules over TRANSLATE_LIMIT bytes are read and checked, not translated. */
#include <ftw.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/compile.h"
#include "wasm/loader.h"
#include "wasm/module.h"

#if __has_include("wasm/module_seal.h")
#include "wasm/module_seal.h"
#define HAVE_MODULE_SEAL 1
#endif

#define TRANSLATE_LIMIT ((size_t)64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[64] = "/tmp/minos-fuzz-module-XXXXXX";

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_module: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  abort();
}

static int remove_entry(const char *path, const struct stat *status, int flag, struct FTW *walk) {
  (void)status, (void)flag, (void)walk;
  return remove(path);
}

static void remove_scratch(void) { nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void check_consistent(const wasm_module *module, const uint8_t *data, size_t size) {
  char text[512];
  for (uint32_t i = 0; i < module->type_count; i++) {
    const wasm_function_type *type = &module->types[i];
    if ((type->param_count && (type->params < data || type->params + type->param_count > data + size)) ||
        (type->result_count &&
         (type->results < data || type->results + type->result_count > data + size)))
      fail("a function type points outside the module's bytes", NULL);
    wasm_function_type_format(type, text, sizeof text);
    if (!memchr(text, '\0', sizeof text)) fail("a formatted type is not terminated", NULL);
  }
  if (module->imported_function_count > module->import_count)
    fail("more imported functions than imports", NULL);
  for (uint32_t i = 0; i < module->import_count; i++)
    if (!module->imports[i].module || !module->imports[i].name) fail("an import without a name", NULL);
  for (uint32_t i = 0; i < module->export_count; i++) {
    if (!module->exports[i].name) fail("an export without a name", NULL);
    /* A name holding a NUL is no C string's: lookups rightly miss it. */
    bool whole = strlen(module->exports[i].name) == module->exports[i].name_length;
    if (whole && !wasm_module_find_export(module, module->exports[i].name, module->exports[i].kind))
      fail("an export cannot be found by its name", module->exports[i].name);
  }
  for (uint32_t i = 0; i < module->function_name_count; i++) {
    if (!module->function_names[i].name) fail("a function name is missing", NULL);
    if (i && module->function_names[i - 1].index > module->function_names[i].index) {
      fprintf(stderr, "function %u named before function %u\n", module->function_names[i - 1].index,
              module->function_names[i].index);
      fail("function names are not sorted by index", NULL);
    }
    if (!wasm_module_function_name(module, module->function_names[i].index))
      fail("a named function cannot be found", NULL);
  }
}

#ifdef HAVE_MODULE_SEAL
static uint32_t read_leb_u32(const uint8_t **at, const uint8_t *end) {
  uint32_t value = 0;
  for (unsigned shift = 0; shift < 35 && *at < end; shift += 7) {
    uint8_t byte = *(*at)++;
    value |= (uint32_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return value;
  }
  fail("the sealed module holds a malformed section header", NULL);
  return 0;
}

static bool plain_name(const char *name) {
  if (!name[0]) return false;
  for (const char *c = name; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
      return false;
  return true;
}

/* The sealed copy; NULL if the rewriter refused the module. */
static uint8_t *check_sealed(const uint8_t *data, size_t size, const wasm_module *original,
                             size_t *sealed_size) {
  uint8_t *sealed = NULL;
  char error[1024] = "";
  if (module_seal(data, size, &sealed, sealed_size, error, sizeof error) != MINOS_OK) {
    if (!error[0]) fail("the sealing rewriter refused without a reason", NULL);
    free(sealed);
    return NULL;
  }
  const uint8_t *at = sealed + 8, *end = sealed + *sealed_size;
  if (*sealed_size < 8) fail("the sealed module has no header", NULL);
  while (at < end) {
    uint8_t id = *at++;
    uint32_t length = read_leb_u32(&at, end);
    if (id == 0) fail("the sealed module holds a custom section", NULL);
    if (length > (size_t)(end - at)) fail("a sealed section runs past the end", NULL);
    at += length;
  }
  wasm_module module = {0};
  if (wasm_module_read(sealed, *sealed_size, &module, error, sizeof error) != MINOS_OK)
    fail("the sealed module does not read", error);
  if (module.import_count != original->import_count || module.export_count != original->export_count)
    fail("sealing changed the number of imports or exports", NULL);
  for (uint32_t i = 0; i < module.import_count; i++)
    if (strcmp(module.imports[i].module, original->imports[i].module) != 0 ||
        strcmp(module.imports[i].name, original->imports[i].name) != 0)
      fail("sealing changed an import", module.imports[i].name);
  for (uint32_t i = 0; i < module.export_count; i++)
    if (!plain_name(module.exports[i].name)) fail("a sealed export keeps an unsafe name", NULL);
  if (module.function_name_count || module.module_name) fail("the sealed module keeps names", NULL);
  wasm_module_release(&module);
  return sealed;
}
#endif

static int write_module(const uint8_t *data, size_t size, char *path, size_t path_size) {
  snprintf(path, path_size, "%s/module.wasm", scratch);
  FILE *file = fopen(path, "wb");
  if (!file) return 0;
  size_t written = fwrite(data, 1, size, file);
  return fclose(file) == 0 && written == size;
}

/* What the loader does next, short of the C compiler. */
static void translate(const uint8_t *data, size_t size, const wasm_module *module) {
  char path[PATH_MAX], error[1024] = "";
  if (!write_module(data, size, path, sizeof path)) fail("cannot write to the scratch directory", scratch);
  if (compile_validate(path, scratch, error, sizeof error) != MINOS_OK) {
    if (!error[0]) fail("wasm-validate refused without a reason", NULL);
    return;
  }
  module_variant variant = size % 2 ? MODULE_COMPACT : MODULE_FAST;
  error[0] = '\0';
  minos_status status = compile_write_sources(path, module, variant, scratch, error, sizeof error);
  if (status != MINOS_OK && !error[0]) fail("writing the sources failed without a reason", NULL);
  if (status != MINOS_OK && getenv("MINOS_FUZZ_STRICT"))
    fail("a valid, sealed module cannot be translated", error);
  if (status != MINOS_OK || !getenv("MINOS_FUZZ_COMPILE")) return;
  char output[PATH_MAX + 16];
  snprintf(output, sizeof output, "%s/module.so", scratch);
  error[0] = '\0';
  status = compile_module(path, module, variant, scratch, output, error, sizeof error);
  if (status != MINOS_OK && status != MINOS_ELIMIT)
    fail("a valid, sealed module does not compile", error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool ready;
  if (!ready) {
    if (!mkdtemp(scratch)) fail("cannot make a scratch directory", NULL);
    atexit(remove_scratch);
    ready = true;
  }
  char error[1024] = "";
  wasm_module module = {0};
  minos_status status = wasm_module_read(data, size, &module, error, sizeof error);
  if (status != MINOS_OK) {
    if (!error[0]) fail("the reader refused a module without a reason", NULL);
    wasm_module_release(&module);
    return 0;
  }
  check_consistent(&module, data, size);
  error[0] = '\0';
  status = module_check_sealing(&module, error, sizeof error);
  if (status != MINOS_OK && !error[0]) fail("the sealing checks refused without a reason", NULL);
#ifdef HAVE_MODULE_SEAL
  /* What the loader translates is the sealed copy. */
  size_t sealed_size = 0;
  uint8_t *sealed = check_sealed(data, size, &module, &sealed_size);
  if (sealed && status == MINOS_OK && sealed_size <= TRANSLATE_LIMIT)
    translate(sealed, sealed_size, &module);
  free(sealed);
#else
  if (status == MINOS_OK && size <= TRANSLATE_LIMIT) translate(data, size, &module);
#endif
  wasm_module_release(&module);
  return 0;
}
