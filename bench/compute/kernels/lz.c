/* SPDX-License-Identifier: Apache-2.0 */
// LZ77-style block compressor and decompressor (hash-table match finder,
// varint tokens, in the spirit of LZ4): measures unaligned loads,
// data-dependent branches and byte copies. argv[1] is the number of MiB
// compressed and decompressed again, in 256 KiB blocks.
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel.h"

static uint64_t next_random(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 0x2545f4914f6cdd1dull;
}

#define BLOCK_SIZE (256 * 1024)
#define INPUT_SIZE (8 * 1024 * 1024)
#define HASH_BITS 14
#define MINIMUM_MATCH 4
#define MAXIMUM_OFFSET 65535
// A 4-byte match costs at most 1 + 1 + 3 token bytes, so output never
// exceeds 5/4 of the input plus the end-of-block token.
#define MAXIMUM_COMPRESSED_SIZE (BLOCK_SIZE / 4 * 5 + 16)

// Assembled byte by byte so match decisions do not depend on host byte order.
static uint32_t load_little_endian(const uint8_t *bytes) {
  return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
         (uint32_t)bytes[3] << 24;
}

static uint8_t *write_varint(uint8_t *output, uint32_t value) {
  while (value >= 0x80) {
    *output++ = (uint8_t)(value | 0x80);
    value >>= 7;
  }
  *output++ = (uint8_t)value;
  return output;
}

static uint32_t read_varint(const uint8_t **input) {
  uint32_t value = 0;
  for (unsigned shift = 0;; shift += 7) {
    uint8_t byte = *(*input)++;
    value |= (uint32_t)(byte & 0x7f) << shift;
    if (byte < 0x80) return value;
  }
}

static uint8_t *write_literals(uint8_t *output, const uint8_t *literals, uint32_t count) {
  output = write_varint(output, count);
  memcpy(output, literals, count);
  return output + count;
}

// Tokens: literal count, literals, match length, match offset; a match
// length of zero ends the block. positions[] holds position + 1 so that
// zero can mean "no earlier occurrence".
static uint32_t compress_block(const uint8_t *input, uint32_t size, uint8_t *output,
                               uint32_t *positions) {
  memset(positions, 0, sizeof(uint32_t) << HASH_BITS);
  uint8_t *cursor = output;
  uint32_t position = 0, literal_start = 0;
  while (position + MINIMUM_MATCH <= size) {
    uint32_t sequence = load_little_endian(input + position);
    uint32_t hash = (sequence * 2654435761u) >> (32 - HASH_BITS);
    uint32_t candidate = positions[hash];
    positions[hash] = position + 1;
    if (candidate == 0 || position - (candidate - 1) > MAXIMUM_OFFSET ||
        load_little_endian(input + candidate - 1) != sequence) {
      position++;
      continue;
    }
    uint32_t match = candidate - 1;
    uint32_t length = MINIMUM_MATCH;
    while (position + length < size && input[match + length] == input[position + length])
      length++;
    cursor = write_literals(cursor, input + literal_start, position - literal_start);
    cursor = write_varint(cursor, length);
    cursor = write_varint(cursor, position - match);
    position += length;
    literal_start = position;
  }
  cursor = write_literals(cursor, input + literal_start, size - literal_start);
  cursor = write_varint(cursor, 0);
  return (uint32_t)(cursor - output);
}

static uint32_t decompress_block(const uint8_t *input, uint8_t *output) {
  uint8_t *cursor = output;
  for (;;) {
    uint32_t literal_count = read_varint(&input);
    memcpy(cursor, input, literal_count);
    cursor += literal_count;
    input += literal_count;
    uint32_t length = read_varint(&input);
    if (length == 0) break;
    const uint8_t *source = cursor - read_varint(&input);
    // Byte by byte because a match may overlap the bytes it produces.
    for (uint32_t i = 0; i < length; i++) cursor[i] = source[i];
    cursor += length;
  }
  return (uint32_t)(cursor - output);
}

// Text-like input: words drawn with a skew from a random vocabulary, so
// there are both long repeats and fresh literals to find.
static void generate_text(uint8_t *text, uint32_t size) {
  enum { WORD_COUNT = 512, LONGEST_WORD = 10 };
  static char words[WORD_COUNT][LONGEST_WORD + 1];
  uint64_t state = 0x13198a2e03707344ull;
  for (int i = 0; i < WORD_COUNT; i++) {
    int length = 2 + (int)(next_random(&state) % (LONGEST_WORD - 1));
    for (int j = 0; j < length; j++) words[i][j] = (char)('a' + next_random(&state) % 26);
    words[i][length] = '\0';
  }
  uint32_t position = 0;
  while (position < size) {
    uint64_t random = next_random(&state);
    uint32_t first = (uint32_t)(random % WORD_COUNT), second = (uint32_t)(random >> 32) % WORD_COUNT;
    const char *word = words[first < second ? first : second];
    for (; *word != '\0' && position < size; word++) text[position++] = (uint8_t)*word;
    if (position < size) text[position++] = (random >> 20) % 16 == 0 ? '\n' : ' ';
  }
}

int main(int argc, char **argv) {
  long mebibytes = size_argument(argc, argv, 80, "mebibytes");
  uint8_t *input = malloc(INPUT_SIZE);
  uint8_t *compressed = malloc(MAXIMUM_COMPRESSED_SIZE);
  uint8_t *decompressed = malloc(BLOCK_SIZE);
  uint32_t *positions = malloc(sizeof(uint32_t) << HASH_BITS);
  if (input == NULL || compressed == NULL || decompressed == NULL || positions == NULL) {
    fprintf(stderr, "lz: out of memory\n");
    return 1;
  }
  generate_text(input, INPUT_SIZE);

  int64_t start = monotonic_nanoseconds();
  uint64_t checksum = 0xcbf29ce484222325ull;
  uint64_t compressed_total = 0;
  long block_count = mebibytes * (1024 * 1024 / BLOCK_SIZE);
  for (long block = 0; block < block_count; block++) {
    const uint8_t *source = input + (uint32_t)block * BLOCK_SIZE % INPUT_SIZE;
    uint32_t compressed_size = compress_block(source, BLOCK_SIZE, compressed, positions);
    uint32_t decompressed_size = decompress_block(compressed, decompressed);
    if (decompressed_size != BLOCK_SIZE || memcmp(decompressed, source, BLOCK_SIZE) != 0) {
      fprintf(stderr, "lz: block %ld does not round-trip\n", block);
      return 1;
    }
    for (uint32_t i = 0; i < compressed_size; i++)
      checksum = (checksum ^ compressed[i]) * 0x100000001b3ull;
    compressed_total += compressed_size;
  }
  int64_t elapsed = monotonic_nanoseconds() - start;

  printf("kernel=lz ns=%lld checksum=%016llx\n", (long long)elapsed,
         (unsigned long long)(checksum ^ compressed_total));
  free(positions);
  free(decompressed);
  free(compressed);
  free(input);
  return 0;
}
