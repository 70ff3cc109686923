/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/loader.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/escape.h"
#include "core/log.h"
#include "wasm/cache.h"
#include "wasm/compile.h"
#include "wasm/compile_sandbox.h"
#include "wasm/host_functions.h"
#include "wasm/host_table.h"
#include "wasm/module_seal.h"

#define MODULE_SIZE_LIMIT ((size_t)256 << 20)
/* A memory's size in bytes must fit wasm-rt.h's 32-bit field. */
#define WASM_LARGEST_MEMORY_PAGES 65535u

/* Loaded modules stay mapped for the life of the process: cells of the
 * same module share one mapping, and code ranges never vanish under the
 * fault handler, which reads them without a lock. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static loaded_module **registry;
static size_t registry_count;

/* Code ranges of loaded modules, for the fault handler: a list of chunks
 * that only grows. A range is written before it is published by a release
 * store (of its chunk's count, or of the link to a new chunk), and never
 * changes or goes away after, so a signal handler can walk the list with
 * acquire loads alone: no lock, no allocation, whatever it interrupted.
 * Writers hold registry_lock. */
#define CODE_RANGES_PER_CHUNK 64

typedef struct code_range_chunk {
  struct code_range_chunk *_Atomic next;
  _Atomic size_t count;
  struct {
    uintptr_t low, high;
  } ranges[CODE_RANGES_PER_CHUNK];
} code_range_chunk;

static code_range_chunk first_code_ranges;
static code_range_chunk *last_code_ranges = &first_code_ranges;

bool module_code_contains(uintptr_t address) {
  for (const code_range_chunk *chunk = &first_code_ranges; chunk;
       chunk = atomic_load_explicit(&chunk->next, memory_order_acquire)) {
    size_t count = atomic_load_explicit(&chunk->count, memory_order_acquire);
    for (size_t i = 0; i < count; i++)
      if (address >= chunk->ranges[i].low && address < chunk->ranges[i].high) return true;
  }
  return false;
}

static int find_code_range(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  loaded_module *module = data;
  if (!info->dlpi_name || strcmp(info->dlpi_name, module->artefact_path) != 0) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
    if (segment->p_type != PT_LOAD || !(segment->p_flags & PF_X)) continue;
    module->code_low = info->dlpi_addr + segment->p_vaddr;
    module->code_high = module->code_low + segment->p_memsz;
  }
  return 1;
}

/* With registry_lock held. */
static minos_status publish_code_range(const loaded_module *module) {
  code_range_chunk *chunk = last_code_ranges;
  size_t index = atomic_load_explicit(&chunk->count, memory_order_relaxed);
  if (index == CODE_RANGES_PER_CHUNK) {
    code_range_chunk *added = calloc(1, sizeof *added);
    if (!added) return MINOS_ENOMEM;
    added->ranges[0].low = module->code_low;
    added->ranges[0].high = module->code_high;
    atomic_store_explicit(&added->count, 1, memory_order_relaxed);
    atomic_store_explicit(&chunk->next, added, memory_order_release);
    last_code_ranges = added;
    return MINOS_OK;
  }
  chunk->ranges[index].low = module->code_low;
  chunk->ranges[index].high = module->code_high;
  atomic_store_explicit(&chunk->count, index + 1, memory_order_release);
  return MINOS_OK;
}

static minos_status read_file(const char *path, uint8_t **bytes, size_t *length, char *error,
                              size_t error_size) {
  /* O_NONBLOCK: a FIFO must not hold minos waiting for a writer; it is
   * refused below, like anything but a regular file. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat info;
  if (fd < 0 || fstat(fd, &info) != 0) {
    snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return MINOS_EIO;
  }
  if (!S_ISREG(info.st_mode) || (size_t)info.st_size > MODULE_SIZE_LIMIT) {
    snprintf(error, error_size, "cannot read %s: %s", path,
             S_ISREG(info.st_mode) ? "larger than the 256 MiB module limit" : "not a regular file");
    close(fd);
    return MINOS_EIO;
  }
  *length = (size_t)info.st_size;
  *bytes = malloc(*length ? *length : 1);
  size_t done = 0;
  while (*bytes && done < *length) {
    ssize_t got = read(fd, *bytes + done, *length - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += (size_t)got;
  }
  close(fd);
  if (!*bytes || done != *length) {
    snprintf(error, error_size, "cannot read %s: %s", path, *bytes ? "short read" : "out of memory");
    free(*bytes);
    return MINOS_EIO;
  }
  return MINOS_OK;
}

/* A module's name, fit to print: escaped (core/escape.h), NUL bytes
 * included, and cut to the buffer. */
static const char *printable(char *buffer, size_t size, const char *name, uint32_t length) {
  escape_text(buffer, size, name ? name : "", name ? length : 0);
  return buffer;
}

/* Whether the name holds a NUL: no host function's does, and C would
 * read the name only up to it. */
static bool holds_nul(const char *name, uint32_t length) {
  return name && strlen(name) != length;
}

/* Sealing: the module may import only minos's host functions, with their
 * exact types, and nothing else (no memories, tables or globals). */
static minos_status check_imports(const wasm_module *module, char *error, size_t error_size) {
  for (uint32_t i = 0; i < module->import_count; i++) {
    const wasm_import *import = &module->imports[i];
    char where[256], what[256];
    printable(where, sizeof where, import->module, import->module_length);
    printable(what, sizeof what, import->name, import->name_length);
    if (import->kind != WASM_EXTERNAL_FUNCTION) {
      static const char *const kinds[] = {"function", "table", "memory", "global", "tag"};
      snprintf(error, error_size, "module imports %s %s.%s, but minos provides only functions",
               import->kind < 5 ? kinds[import->kind] : "item", where, what);
      return MINOS_EMODULE;
    }
    int index = holds_nul(import->module, import->module_length) ||
                        holds_nul(import->name, import->name_length)
                    ? -1
                    : host_function_find(import->module, import->name);
    if (index < 0) {
      snprintf(error, error_size, "module imports %s.%s, which minos does not provide", where,
               what);
      return MINOS_EMODULE;
    }
    if (import->type_index >= module->type_count ||
        !host_function_matches(&host_functions[index], &module->types[import->type_index])) {
      char found[300] = "?";
      if (import->type_index < module->type_count)
        wasm_function_type_format(&module->types[import->type_index], found, sizeof found);
      snprintf(error, error_size, "module imports %s.%s with type %s, which is not minos's (%s)",
               where, what, found, host_functions[index].signature);
      return MINOS_EMODULE;
    }
  }
  return MINOS_OK;
}

/* minos calls _start with no arguments and expects nothing back, as WASI
 * says; an imported _start would be a host function run as the cell. */
static minos_status check_start(const wasm_module *module, char *error, size_t error_size) {
  const wasm_export *start = wasm_module_find_export(module, "_start", WASM_EXTERNAL_FUNCTION);
  if (!start) return MINOS_OK;
  if (start->index < module->imported_function_count) {
    snprintf(error, error_size,
             "_start must be a function defined in the module, of type () -> (), "
             "not an imported one");
    return MINOS_EMODULE;
  }
  uint32_t defined = start->index - module->imported_function_count;
  uint32_t type = defined < module->defined_function_count && module->function_type_indices
                      ? module->function_type_indices[defined]
                      : UINT32_MAX;
  if (type >= module->type_count || module->types[type].param_count ||
      module->types[type].result_count) {
    char found[300] = "?";
    if (type < module->type_count)
      wasm_function_type_format(&module->types[type], found, sizeof found);
    snprintf(error, error_size, "_start must be of type () -> (), not %s", found);
    return MINOS_EMODULE;
  }
  return MINOS_OK;
}

/* The generated code keeps a memory's size in bytes in 32 bits (wasm-rt.h),
 * so the largest memory minos runs is one page short of 4 GiB; a module
 * may still declare 65,536 pages as its maximum (growth stops a page
 * short, linear_memory.c), but not start with them. */
static minos_status check_memory(const wasm_module *module, char *error, size_t error_size) {
  if (module->defined_memory_count &&
      !wasm_module_find_export(module, "memory", WASM_EXTERNAL_MEMORY)) {
    snprintf(error, error_size, "module defines a memory but does not export it as \"memory\"");
    return MINOS_EMODULE;
  }
  if (module->defined_memory_count && module->memory_initial_pages > WASM_LARGEST_MEMORY_PAGES) {
    snprintf(error, error_size,
             "the module's memory starts at %llu pages; minos runs memories of at most %u "
             "pages (4 GiB less 64 KiB)",
             (unsigned long long)module->memory_initial_pages, WASM_LARGEST_MEMORY_PAGES);
    return MINOS_EMODULE;
  }
  return MINOS_OK;
}

/* Everything minos requires of a module beyond validity. */
static minos_status check_module(const wasm_module *module, char *error, size_t error_size) {
  minos_status status = check_imports(module, error, error_size);
  if (status == MINOS_OK) status = check_start(module, error, error_size);
  if (status == MINOS_OK) status = check_memory(module, error, error_size);
  return status;
}

minos_status module_check_sealing(const wasm_module *module, char *error, size_t error_size) {
  return check_module(module, error, error_size);
}

/* A module in the cache was validated when it was compiled: the artefact
 * is the proof, so checking a spec (at every minos up) runs wasm-validate
 * only on code not compiled yet. */
static bool validated_before(const uint8_t *bytes, size_t length) {
  static const module_variant variants[] = {MODULE_FAST, MODULE_COMPACT};
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
    cache_entry entry;
    char ignored[256];
    if (cache_prepare(bytes, length, module_variant_name(variants[i]), &entry, ignored,
                      sizeof ignored) == MINOS_OK &&
        cache_exists(&entry))
      return true;
  }
  return false;
}

minos_status module_check_file(const char *path, wasm_module *info_out, char *error,
                               size_t error_size) {
  uint8_t *bytes;
  size_t length;
  wasm_module info = {0};
  error[0] = '\0';
  minos_status status = read_file(path, &bytes, &length, error, error_size);
  if (status != MINOS_OK) return status;
  status = wasm_module_check_header(bytes, length, error, error_size);
  if (status == MINOS_OK) status = wasm_module_check_nesting(bytes, length, error, error_size);
  if (status == MINOS_OK && !validated_before(bytes, length))
    status = compile_validate(path, NULL, error, error_size);
  if (status == MINOS_OK) status = wasm_module_read(bytes, length, &info, error, error_size);
  if (status == MINOS_OK) status = check_module(&info, error, error_size);
  free(bytes);
  free(info.types);
  info.types = NULL;
  info.type_count = 0;
  if (status == MINOS_OK && info_out)
    *info_out = info;
  else
    wasm_module_release(&info);
  return status;
}

static minos_status write_module_bytes(const char *directory, const char *name,
                                       const uint8_t *bytes, size_t length, char *path,
                                       size_t path_size) {
  snprintf(path, path_size, "%s/%s", directory, name);
  FILE *file = fopen(path, "wb");
  if (!file) return MINOS_EIO;
  size_t written = fwrite(bytes, 1, length, file);
  return fclose(file) == 0 && written == length ? MINOS_OK : MINOS_EIO;
}

/* Called with the cache entry locked and the artefact missing. */
static minos_status build_artefact(const uint8_t *bytes, size_t length, module_variant variant,
                                   cache_entry *entry, wasm_module *info, char *error,
                                   size_t error_size) {
  char directory[PATH_MAX], wasm_path[PATH_MAX + 16], output[PATH_MAX + 16];
  minos_status status = cache_scratch_directory(entry, directory, sizeof directory);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "cannot create a build directory in %s: %s", entry->directory,
             strerror(errno));
    return status;
  }
  status = write_module_bytes(directory, "module.wasm", bytes, length, wasm_path,
                              sizeof wasm_path);
  if (status == MINOS_OK) status = wasm_module_check_nesting(bytes, length, error, error_size);
  if (status == MINOS_OK) status = compile_validate(wasm_path, directory, error, error_size);
  if (status == MINOS_OK) status = wasm_module_read(bytes, length, info, error, error_size);
  if (status == MINOS_OK) status = check_module(info, error, error_size);
  /* wasm2c sees only the sealed copy (module_seal.h). */
  uint8_t *sealed = NULL;
  size_t sealed_length = 0;
  if (status == MINOS_OK)
    status = module_seal(bytes, length, &sealed, &sealed_length, error, error_size);
  if (status == MINOS_OK)
    status = write_module_bytes(directory, "sealed.wasm", sealed, sealed_length, wasm_path,
                                sizeof wasm_path);
  free(sealed);
  snprintf(output, sizeof output, "%s/module.so", directory);
  if (status == MINOS_OK)
    status = compile_module(wasm_path, info, variant, directory, output, error, error_size);
  if (status == MINOS_OK) status = cache_publish(entry, output, error, error_size);
  /* A compile limit (compile_sandbox.h) is no verdict on the module. */
  if (status == MINOS_ELIMIT && !compile_limit_stopped(error)) cache_record_refusal(entry, error);
  if (status != MINOS_OK && status != MINOS_EMODULE && status != MINOS_ELIMIT && !error[0])
    snprintf(error, error_size, "cannot build in %s: %s", directory, strerror(errno));
  if (!getenv("MINOS_KEEP_BUILD")) cache_remove_tree(directory);
  return status;
}

static loaded_module *registry_find(const char *artefact) {
  for (size_t i = 0; i < registry_count; i++)
    if (strcmp(registry[i]->artefact_path, artefact) == 0) return registry[i];
  return NULL;
}

static bool registry_contains(const char *artefact) {
  pthread_mutex_lock(&registry_lock);
  bool found = registry_find(artefact) != NULL;
  pthread_mutex_unlock(&registry_lock);
  return found;
}

static minos_status ensure_artefact(const uint8_t *bytes, size_t length, module_variant variant,
                                    bool cached_only, cache_entry *entry, wasm_module *info,
                                    load_report *report) {
  char *error = report->error;
  size_t error_size = sizeof report->error;
  /* Beyond the header, a module is checked by the validator (which says
   * more about what is wrong) before minos reads the rest. */
  minos_status status = wasm_module_check_header(bytes, length, error, error_size);
  if (status != MINOS_OK) return status;
  status = cache_prepare(bytes, length, module_variant_name(variant), entry, error, error_size);
  if (status != MINOS_OK) return status;
  /* Loaded already (a cell per request, say): it was read and checked when
   * it was loaded, and stays loaded, so register_module will find it. */
  if (registry_contains(entry->artefact)) {
    report->cache_hit = true;
    return MINOS_OK;
  }
  report->cache_hit = cache_exists(entry);
  if (report->cache_hit) {
    status = wasm_module_read(bytes, length, info, error, error_size);
    return status == MINOS_OK ? check_module(info, error, error_size) : status;
  }
  if (cache_refused(entry, error, error_size)) return MINOS_ELIMIT;
  if (cached_only) {
    report->needs_compile = true;
    return MINOS_OK;
  }
  status = cache_lock(entry, error, error_size);
  if (status != MINOS_OK) return status;
  if (cache_exists(entry)) { /* another run built it while we waited */
    status = wasm_module_read(bytes, length, info, error, error_size);
    if (status == MINOS_OK) status = check_module(info, error, error_size);
  } else if (cache_refused(entry, error, error_size)) { /* or refused it */
    status = MINOS_ELIMIT;
  } else {
    status = build_artefact(bytes, length, variant, entry, info, error, error_size);
  }
  cache_unlock(entry);
  return status;
}

static minos_status open_artefact(loaded_module *module, load_report *report) {
  module->handle = dlopen(module->artefact_path, RTLD_NOW | RTLD_LOCAL);
  minos_module_bind_fn bind = module->handle
                                  ? (minos_module_bind_fn)dlsym(module->handle, "minos_module_bind")
                                  : NULL;
  module->entry = bind ? bind(host_table()) : NULL;
  if (!module->entry) {
    snprintf(report->error, sizeof report->error, "cannot load compiled module %s: %s",
             module->artefact_path, module->handle ? "incompatible minos glue" : dlerror());
    return MINOS_ETOOLCHAIN;
  }
  dl_iterate_phdr(find_code_range, module);
  /* A module whose code range the fault handler cannot see would turn its
   * traps into runtime crashes: better not to run it. */
  if (publish_code_range(module) != MINOS_OK) {
    snprintf(report->error, sizeof report->error, "out of memory loading %s",
             module->artefact_path);
    dlclose(module->handle);
    return MINOS_ENOMEM;
  }
  return MINOS_OK;
}

static minos_status register_module(wasm_module *info, const cache_entry *entry,
                                    module_variant variant, const char *display_name,
                                    loaded_module **out, load_report *report) {
  pthread_mutex_lock(&registry_lock);
  loaded_module *module = registry_find(entry->artefact);
  minos_status status = MINOS_OK;
  if (module) {
    wasm_module_release(info);
  } else {
    module = calloc(1, sizeof *module);
    loaded_module **grown = realloc(registry, sizeof *grown * (registry_count + 1));
    if (!module || !grown) {
      free(module);
      pthread_mutex_unlock(&registry_lock);
      wasm_module_release(info);
      return MINOS_ENOMEM;
    }
    registry = grown;
    module->artefact_path = strdup(entry->artefact);
    module->variant = variant;
    module->debug_fd = -1;
    module->display_name = strdup(display_name);
    module->info = *info;
    status = open_artefact(module, report);
    if (status == MINOS_OK) {
      registry[registry_count++] = module;
    } else {
      wasm_module_release(&module->info);
      free(module->artefact_path);
      free(module->display_name);
      free(module);
    }
  }
  if (status == MINOS_OK) {
    module->references++;
    *out = module;
  }
  pthread_mutex_unlock(&registry_lock);
  return status;
}

static minos_status load_bytes(const uint8_t *bytes, size_t length, const char *display_name,
                               module_variant variant, bool cached_only, loaded_module **out,
                               load_report *report) {
  report->error[0] = '\0';
  report->cache_hit = report->needs_compile = false;
  cache_entry entry;
  wasm_module info = {0};
  minos_status status =
      ensure_artefact(bytes, length, variant, cached_only, &entry, &info, report);
  if (status != MINOS_OK) {
    wasm_module_release(&info);
    return status;
  }
  if (!out || report->needs_compile) {
    wasm_module_release(&info);
    return MINOS_OK;
  }
  return register_module(&info, &entry, variant, display_name, out, report);
}

minos_status module_load_bytes_as(const uint8_t *bytes, size_t length, const char *display_name,
                                  module_variant variant, loaded_module **out,
                                  load_report *report) {
  return load_bytes(bytes, length, display_name, variant, false, out, report);
}

static minos_status load_path(const char *path, module_variant variant, loaded_module **out,
                              load_report *report) {
  uint8_t *bytes;
  size_t length;
  report->error[0] = '\0';
  minos_status status = read_file(path, &bytes, &length, report->error, sizeof report->error);
  if (status != MINOS_OK) return status;
  status = module_load_bytes_as(bytes, length, path, variant, out, report);
  free(bytes);
  return status;
}

minos_status module_load_file_as(const char *path, module_variant variant, loaded_module **out,
                                 load_report *report) {
  return load_path(path, variant, out, report);
}


minos_status module_load_file_for_limit(const char *path, uint64_t memory_limit_bytes,
                                       loaded_module **out, load_report *report) {
  module_variant variant = module_variant_for_memory_limit(memory_limit_bytes);
  minos_status status = load_path(path, variant, out, report);
  if (status == MINOS_ELIMIT && variant == MODULE_COMPACT &&
      !compile_limit_stopped(report->error)) {
    log_info("%s: %s; loading it in the fast variant", path, report->error);
    status = load_path(path, MODULE_FAST, out, report);
  }
  return status;
}

static minos_status load_bytes_for_limit(const uint8_t *bytes, size_t length,
                                         const char *display_name, uint64_t memory_limit_bytes,
                                         bool cached_only, loaded_module **out,
                                         load_report *report) {
  module_variant variant = module_variant_for_memory_limit(memory_limit_bytes);
  minos_status status =
      load_bytes(bytes, length, display_name, variant, cached_only, out, report);
  if (status == MINOS_ELIMIT && variant == MODULE_COMPACT &&
      !compile_limit_stopped(report->error)) {
    log_info("%s: %s; loading it in the fast variant", display_name, report->error);
    status = load_bytes(bytes, length, display_name, MODULE_FAST, cached_only, out, report);
  }
  return status;
}

minos_status module_load_bytes_for_limit(const uint8_t *bytes, size_t length,
                                         const char *display_name, uint64_t memory_limit_bytes,
                                         loaded_module **out, load_report *report) {
  return load_bytes_for_limit(bytes, length, display_name, memory_limit_bytes, false, out,
                              report);
}

minos_status module_load_cached_bytes_for_limit(const uint8_t *bytes, size_t length,
                                                const char *display_name,
                                                uint64_t memory_limit_bytes, loaded_module **out,
                                                load_report *report) {
  return load_bytes_for_limit(bytes, length, display_name, memory_limit_bytes, true, out,
                              report);
}


minos_status module_load_file(const char *path, loaded_module **out, load_report *report) {
  return load_path(path, MODULE_FAST, out, report);
}


void module_retain(loaded_module *module) {
  pthread_mutex_lock(&registry_lock);
  module->references++;
  pthread_mutex_unlock(&registry_lock);
}

void module_release(loaded_module *module) {
  if (!module) return;
  pthread_mutex_lock(&registry_lock);
  module->references--;
  pthread_mutex_unlock(&registry_lock);
}

/* The defined wasm function wasm2c named identifier, or -1. */
static long function_index(const loaded_module *module, const char *identifier) {
  const minos_module_entry *entry = module->entry;
  for (uint32_t i = 0; i < entry->function_identifier_count; i++)
    if (strcmp(entry->function_identifiers[i], identifier) == 0)
      return (long)(module->info.imported_function_count + i);
  return -1;
}

/* Walks down the scopes (functions, their inlined copies, blocks) whose
 * code contains address, keeping the deepest that is a wasm function:
 * the runtime's own helpers (i32_load, ...) inlined below it are passed
 * over. */
static long deepest_wasm_function(const loaded_module *module, Dwarf_Die *scope,
                                  Dwarf_Addr address, long best) {
  for (;;) {
    int tag = dwarf_tag(scope);
    if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
      Dwarf_Attribute attribute;
      const char *name = dwarf_formstring(dwarf_attr_integrate(scope, DW_AT_name, &attribute));
      long index = name ? function_index(module, name) : -1;
      if (index >= 0) best = index;
    }
    Dwarf_Die child;
    if (dwarf_child(scope, &child) != 0) return best;
    bool descended = false;
    do {
      if (dwarf_haspc(&child, address) == 1) {
        *scope = child;
        descended = true;
        break;
      }
    } while (dwarf_siblingof(&child, &child) == 0);
    if (!descended) return best;
  }
}

/* The innermost wasm function whose code contains address, from the
 * object's DWARF (compiled with -g1, which keeps inlining tables). */
static long innermost_wasm_function(const loaded_module *module, Dwarf *debug, Dwarf_Addr address) {
  Dwarf_Die unit;
  if (!dwarf_addrdie(debug, address, &unit)) return -1;
  return deepest_wasm_function(module, &unit, address, -1);
}

/* Under the registry lock: one Dwarf handle is not to be shared by
 * threads, and faults are rare enough to take turns. */
static long describe_function(loaded_module *module, uintptr_t offset) {
  pthread_mutex_lock(&registry_lock);
  long index = module->described_function;
  if (!module->described_address || module->described_address != offset) {
    if (!module->debug && module->debug_fd < 0) {
      module->debug_fd = open(module->artefact_path, O_RDONLY | O_CLOEXEC);
      module->debug = module->debug_fd >= 0 ? dwarf_begin(module->debug_fd, DWARF_C_READ) : NULL;
    }
    index = module->debug ? innermost_wasm_function(module, module->debug, offset) : -1;
    module->described_address = offset;
    module->described_function = index;
  }
  pthread_mutex_unlock(&registry_lock);
  return index;
}

bool module_describe_address(loaded_module *module, uintptr_t address, char *out,
                             size_t out_size) {
  struct link_map *map = NULL;
  if (!module || dlinfo(module->handle, RTLD_DI_LINKMAP, &map) != 0 || !map) return false;
  long index = describe_function(module, address - map->l_addr);
  if (index < 0) return false;
  const char *name = wasm_module_function_name(&module->info, (uint32_t)index);
  /* An empty name (or one that starts with a NUL) names nothing. */
  if (name && name[0])
    escape_string(out, out_size, name);
  else
    snprintf(out, out_size, "function[%ld]", index);
  return true;
}
