/* SPDX-License-Identifier: Apache-2.0 */
#include "core/byte_buffer.h"

#include <stdlib.h>
#include <string.h>

bool byte_buffer_append(byte_buffer *buffer, const void *bytes, size_t length, size_t spare) {
  if (buffer->failed) return false;
  size_t wanted = buffer->length + length + spare;
  if (wanted > buffer->capacity) {
    size_t capacity = buffer->capacity ? buffer->capacity : 256;
    while (capacity < wanted) capacity *= 2;
    char *grown = realloc(buffer->bytes, capacity);
    if (!grown) {
      buffer->failed = true;
      return false;
    }
    buffer->bytes = grown;
    buffer->capacity = capacity;
  }
  if (length) memcpy(buffer->bytes + buffer->length, bytes, length);
  buffer->length += length;
  return true;
}

void byte_buffer_consume(byte_buffer *buffer, size_t count) {
  memmove(buffer->bytes, buffer->bytes + count, buffer->length - count);
  buffer->length -= count;
}

void byte_buffer_free(byte_buffer *buffer) {
  free(buffer->bytes);
  *buffer = (byte_buffer){0};
}
