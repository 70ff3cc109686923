/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/host_functions.h"

#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "wasm/minos_api.h"
#include "wasm/wasi/wasi.h"

#define WASI "wasi_snapshot_preview1"
#define MINOS "minos"
#define HOST(module, name, signature, function) \
  {module, name, signature, (void (*)(void))(function), GRANT_NONE}
/* A function only a cell granted `grant` may import. */
#define GRANTED(grant, module, name, signature, function) \
  {module, name, signature, (void (*)(void))(function), grant}

/* Order matters: it is the index the generated trampolines use, and part
 * of the cache key through the glue's digest. Append, never reorder. */
const host_function host_functions[] = {
    HOST(WASI, "args_get", "ii:i", wasi_args_get),
    HOST(WASI, "args_sizes_get", "ii:i", wasi_args_sizes_get),
    HOST(WASI, "environ_get", "ii:i", wasi_environ_get),
    HOST(WASI, "environ_sizes_get", "ii:i", wasi_environ_sizes_get),
    GRANTED(GRANT_CLOCK, WASI, "clock_res_get", "ii:i", wasi_clock_res_get),
    GRANTED(GRANT_CLOCK, WASI, "clock_time_get", "iIi:i", wasi_clock_time_get),
    HOST(WASI, "fd_advise", "iIIi:i", wasi_fd_advise),
    HOST(WASI, "fd_allocate", "iII:i", wasi_fd_allocate),
    HOST(WASI, "fd_close", "i:i", wasi_fd_close),
    HOST(WASI, "fd_datasync", "i:i", wasi_fd_datasync),
    HOST(WASI, "fd_fdstat_get", "ii:i", wasi_fd_fdstat_get),
    HOST(WASI, "fd_fdstat_set_flags", "ii:i", wasi_fd_fdstat_set_flags),
    HOST(WASI, "fd_fdstat_set_rights", "iII:i", wasi_fd_fdstat_set_rights),
    HOST(WASI, "fd_filestat_get", "ii:i", wasi_fd_filestat_get),
    HOST(WASI, "fd_filestat_set_size", "iI:i", wasi_fd_filestat_set_size),
    HOST(WASI, "fd_filestat_set_times", "iIIi:i", wasi_fd_filestat_set_times),
    HOST(WASI, "fd_pread", "iiiIi:i", wasi_fd_pread),
    HOST(WASI, "fd_prestat_get", "ii:i", wasi_fd_prestat_get),
    HOST(WASI, "fd_prestat_dir_name", "iii:i", wasi_fd_prestat_dir_name),
    HOST(WASI, "fd_pwrite", "iiiIi:i", wasi_fd_pwrite),
    HOST(WASI, "fd_read", "iiii:i", wasi_fd_read),
    HOST(WASI, "fd_readdir", "iiiIi:i", wasi_fd_readdir),
    HOST(WASI, "fd_renumber", "ii:i", wasi_fd_renumber),
    HOST(WASI, "fd_seek", "iIii:i", wasi_fd_seek),
    HOST(WASI, "fd_sync", "i:i", wasi_fd_sync),
    HOST(WASI, "fd_tell", "ii:i", wasi_fd_tell),
    HOST(WASI, "fd_write", "iiii:i", wasi_fd_write),
    GRANTED(GRANT_FILES, WASI, "path_create_directory", "iii:i", wasi_path_create_directory),
    GRANTED(GRANT_FILES, WASI, "path_filestat_get", "iiiii:i", wasi_path_filestat_get),
    GRANTED(GRANT_FILES, WASI, "path_filestat_set_times", "iiiiIIi:i", wasi_path_filestat_set_times),
    GRANTED(GRANT_FILES, WASI, "path_link", "iiiiiii:i", wasi_path_link),
    GRANTED(GRANT_FILES, WASI, "path_open", "iiiiiIIii:i", wasi_path_open),
    GRANTED(GRANT_FILES, WASI, "path_readlink", "iiiiii:i", wasi_path_readlink),
    GRANTED(GRANT_FILES, WASI, "path_remove_directory", "iii:i", wasi_path_remove_directory),
    GRANTED(GRANT_FILES, WASI, "path_rename", "iiiiii:i", wasi_path_rename),
    GRANTED(GRANT_FILES, WASI, "path_symlink", "iiiii:i", wasi_path_symlink),
    GRANTED(GRANT_FILES, WASI, "path_unlink_file", "iii:i", wasi_path_unlink_file),
    HOST(WASI, "poll_oneoff", "iiii:i", wasi_poll_oneoff),
    HOST(WASI, "proc_exit", "i:", wasi_proc_exit),
    HOST(WASI, "proc_raise", "i:i", wasi_proc_raise),
    HOST(WASI, "sched_yield", ":i", wasi_sched_yield),
    GRANTED(GRANT_RANDOM, WASI, "random_get", "ii:i", wasi_random_get),
    GRANTED(GRANT_LISTEN, WASI, "sock_accept", "iii:i", wasi_sock_accept),
    HOST(WASI, "sock_recv", "iiiiii:i", wasi_sock_recv),
    HOST(WASI, "sock_send", "iiiii:i", wasi_sock_send),
    HOST(WASI, "sock_shutdown", "ii:i", wasi_sock_shutdown),
    HOST(MINOS, "pipe", "ii:i", minos_api_pipe),
    HOST(MINOS, "write", "iii:i", minos_api_write),
    HOST(MINOS, "read", "iiiiiI:i", minos_api_read),
    HOST(MINOS, "wclose", "i:i", minos_api_wclose),
    HOST(MINOS, "rclose", "i:i", minos_api_rclose),
    HOST(MINOS, "wpass", "ii:i", minos_api_wpass),
    HOST(MINOS, "rpass", "ii:i", minos_api_rpass),
    HOST(MINOS, "cnew", "iii:i", minos_api_cnew),
    HOST(MINOS, "cstart", "i:i", minos_api_cstart),
    HOST(MINOS, "ckill", "i:i", minos_api_ckill),
    HOST(MINOS, "cwait", "ii:i", minos_api_cwait),
    GRANTED(GRANT_CONNECT, MINOS, "connect", "iii:i", minos_api_connect),
    GRANTED(GRANT_LISTEN, MINOS, "listen", "ii:i", minos_api_listen),
    GRANTED(GRANT_LISTEN, MINOS, "accept", "iiI:i", minos_api_accept),
};
const size_t host_function_count = sizeof host_functions / sizeof host_functions[0];

long host_import_needing(const wasm_module *module, uint32_t denied, uint32_t start,
                         grant_kind *grant) {
  for (uint32_t i = start; denied && i < module->import_count; i++) {
    const wasm_import *import = &module->imports[i];
    int index = import->kind == WASM_EXTERNAL_FUNCTION
                    ? host_function_find(import->module, import->name)
                    : -1;
    if (index < 0 || !(denied & GRANT_BIT(host_functions[index].grant))) continue;
    *grant = host_functions[index].grant;
    return (long)i;
  }
  return -1;
}

bool host_imports_granted(const wasm_module *module, uint32_t denied, char *error,
                          size_t error_size) {
  grant_kind grant;
  long refused = host_import_needing(module, denied, 0, &grant);
  if (refused < 0) return true;
  char where[64], what[64]; /* a host function's names, but printed as any module's are */
  snprintf(error, error_size, "the module imports %s.%s, which needs %s",
           escape_string(where, sizeof where, module->imports[refused].module),
           escape_string(what, sizeof what, module->imports[refused].name),
           grant_kind_name(grant));
  return false;
}

int host_function_find(const char *module, const char *name) {
  for (size_t i = 0; i < host_function_count; i++)
    if (strcmp(host_functions[i].module, module) == 0 && strcmp(host_functions[i].name, name) == 0)
      return (int)i;
  return -1;
}

static int type_letter(uint8_t type) {
  if (type == WASM_I32) return 'i';
  if (type == WASM_I64) return 'I';
  return '?';
}

int host_function_matches(const host_function *function, const wasm_function_type *type) {
  const char *letter = function->signature;
  for (uint32_t i = 0; i < type->param_count; i++, letter++)
    if (*letter != type_letter(type->params[i])) return 0;
  if (*letter++ != ':') return 0;
  for (uint32_t i = 0; i < type->result_count; i++, letter++)
    if (*letter != type_letter(type->results[i])) return 0;
  return *letter == '\0';
}
