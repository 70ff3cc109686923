/* SPDX-License-Identifier: Apache-2.0 */
/* Arguments and environment: the guest asks for the sizes, allocates, then
 * asks for an array of pointers into one buffer of NUL-terminated strings
 * (wasi-libc's __wasilibc_initialize_environ and __main_argc_argv). The
 * environment is only what the cell was given, never the host's. */
#include <string.h>

#include "wasm/wasi/wasi_private.h"

static uint64_t total_size(char *const *strings, size_t count) {
  uint64_t size = 0;
  for (size_t i = 0; i < count; i++) size += strlen(strings[i]) + 1;
  return size;
}

static uint32_t store_sizes(wasm_cell *self, char *const *strings, size_t count,
                            uint32_t count_out, uint32_t size_out) {
  uint64_t size = total_size(strings, count);
  if (count > UINT32_MAX || size > UINT32_MAX) return WASI_ERRNO_OVERFLOW;
  if (!guest_span(self, count_out, 4) || !guest_span(self, size_out, 4)) return WASI_ERRNO_FAULT;
  guest_store_u32(self, count_out, (uint32_t)count);
  guest_store_u32(self, size_out, (uint32_t)size);
  return WASI_ERRNO_SUCCESS;
}

static uint32_t store_strings(wasm_cell *self, char *const *strings, size_t count,
                              uint32_t pointers, uint32_t buffer) {
  uint64_t size = total_size(strings, count);
  char *bytes = guest_span(self, buffer, size);
  if (!bytes || !guest_span(self, pointers, (uint64_t)count * 4)) return WASI_ERRNO_FAULT;
  uint32_t offset = 0;
  for (size_t i = 0; i < count; i++) {
    size_t length = strlen(strings[i]) + 1;
    memcpy(bytes + offset, strings[i], length);
    guest_store_u32(self, pointers + (uint32_t)(i * 4), buffer + offset);
    offset += (uint32_t)length;
  }
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_args_sizes_get(wasm_cell *self, uint32_t argc_out, uint32_t argv_buf_size_out) {
  return store_sizes(self, self->wasi.args, self->wasi.arg_count, argc_out, argv_buf_size_out);
}

uint32_t wasi_args_get(wasm_cell *self, uint32_t argv, uint32_t argv_buf) {
  return store_strings(self, self->wasi.args, self->wasi.arg_count, argv, argv_buf);
}

uint32_t wasi_environ_sizes_get(wasm_cell *self, uint32_t count_out, uint32_t buf_size_out) {
  return store_sizes(self, self->wasi.env, self->wasi.env_count, count_out, buf_size_out);
}

uint32_t wasi_environ_get(wasm_cell *self, uint32_t environ_out, uint32_t environ_buf) {
  return store_strings(self, self->wasi.env, self->wasi.env_count, environ_out, environ_buf);
}
