/* SPDX-License-Identifier: Apache-2.0 */
/* Host access to a cell's linear memory. Every guest pointer goes through
 * these checks; the host never touches guest memory outside [0, size). */
#ifndef MINOS_WASM_GUEST_MEMORY_H
#define MINOS_WASM_GUEST_MEMORY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "wasm/wasm_cell.h"

/* The host address of guest bytes [address, address + length), or NULL if
 * any of them lies outside the cell's memory. */
static inline void *guest_span(const wasm_cell *self, uint32_t address, uint64_t length) {
  const wasm_rt_memory_t *memory = self->memory;
  if (!memory || (uint64_t)address + length > memory->size) return NULL;
  return memory->data + address;
}

/* Unaligned little-endian scalar access, as wasm guests lay data out. */
static inline bool guest_load_u32(const wasm_cell *self, uint32_t address, uint32_t *value) {
  const void *at = guest_span(self, address, sizeof *value);
  if (!at) return false;
  memcpy(value, at, sizeof *value);
  return true;
}

static inline bool guest_load_u8(const wasm_cell *self, uint32_t address, uint8_t *value) {
  const void *at = guest_span(self, address, sizeof *value);
  if (!at) return false;
  memcpy(value, at, sizeof *value);
  return true;
}

static inline bool guest_load_u16(const wasm_cell *self, uint32_t address, uint16_t *value) {
  const void *at = guest_span(self, address, sizeof *value);
  if (!at) return false;
  memcpy(value, at, sizeof *value);
  return true;
}

static inline bool guest_load_u64(const wasm_cell *self, uint32_t address, uint64_t *value) {
  const void *at = guest_span(self, address, sizeof *value);
  if (!at) return false;
  memcpy(value, at, sizeof *value);
  return true;
}

static inline bool guest_store_u8(const wasm_cell *self, uint32_t address, uint8_t value) {
  void *at = guest_span(self, address, sizeof value);
  if (!at) return false;
  memcpy(at, &value, sizeof value);
  return true;
}

static inline bool guest_store_u16(const wasm_cell *self, uint32_t address, uint16_t value) {
  void *at = guest_span(self, address, sizeof value);
  if (!at) return false;
  memcpy(at, &value, sizeof value);
  return true;
}

static inline bool guest_store_u32(const wasm_cell *self, uint32_t address, uint32_t value) {
  void *at = guest_span(self, address, sizeof value);
  if (!at) return false;
  memcpy(at, &value, sizeof value);
  return true;
}

static inline bool guest_store_u64(const wasm_cell *self, uint32_t address, uint64_t value) {
  void *at = guest_span(self, address, sizeof value);
  if (!at) return false;
  memcpy(at, &value, sizeof value);
  return true;
}

#endif
