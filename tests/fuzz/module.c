/* Fuzz target: the module reader and what minos does with a module before
 * the C compiler sees it. On arbitrary bytes it checks that:
 *   - wasm_module_read never crashes, leaks or reads out of bounds, and
 *     a refusal always says why;
 *   - what it reads is consistent (names NUL-terminated, types inside the
 *     bytes, function names sorted), and the lookups and the type
 *     formatting used in error messages are safe on it;
 *   - the sealing checks (imports, exports) decide without crashing;
 *   - a module they accept, and wasm-validate too, gets its C sources
 *     written (wasm2c's output patched, the glue) in a scratch directory,
 *     without running the C compiler; with MINOS_FUZZ_STRICT=1 a valid,
 *     sealed module whose sources cannot be written is a failure (minos
 *     must refuse such a module clearly before translating it).
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
    if (wasm_module_find_export(module, module->exports[i].name, module->exports[i].kind) == NULL)
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
  if (status == MINOS_OK && size <= TRANSLATE_LIMIT) translate(data, size, &module);
  wasm_module_release(&module);
  return 0;
}
