/* SPDX-License-Identifier: Apache-2.0 */
/* A growable run of bytes: JSON replies being written, a control client's
 * unsent replies, a sandbox's orders. Out of memory is remembered
 * (`failed`) so a writer can check once at the end. */
#ifndef MINOS_CORE_BYTE_BUFFER_H
#define MINOS_CORE_BYTE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct byte_buffer {
  char *bytes;
  size_t length, capacity;
  bool failed;
} byte_buffer;

/* Appends, keeping room for `spare` more bytes after them (a terminator);
 * false (and failed set) if memory ran out. */
bool byte_buffer_append(byte_buffer *buffer, const void *bytes, size_t length, size_t spare);
/* Drops the first `count` bytes (they were sent). */
void byte_buffer_consume(byte_buffer *buffer, size_t count);
void byte_buffer_free(byte_buffer *buffer);

#endif
