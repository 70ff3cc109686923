/* SPDX-License-Identifier: Apache-2.0 */
// SHA-256 written out in full: measures 32-bit rotates, adds and byte
// loads, the shape of most integer-heavy hashing and crypto code.
// argv[1] is the number of MiB hashed; the 1 MiB buffer is rehashed with
// the previous digest written into its head, so every round depends on the
// one before and the final digest covers the whole computation.
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

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotate_right(uint32_t value, unsigned count) {
  return (value >> count) | (value << (32 - count));
}

static uint32_t load_big_endian(const uint8_t *bytes) {
  return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 |
         (uint32_t)bytes[2] << 8 | (uint32_t)bytes[3];
}

static void compress_block(uint32_t state[8], const uint8_t block[64]) {
  uint32_t schedule[64];
  for (int i = 0; i < 16; i++) schedule[i] = load_big_endian(block + 4 * i);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotate_right(schedule[i - 15], 7) ^
                  rotate_right(schedule[i - 15], 18) ^ (schedule[i - 15] >> 3);
    uint32_t s1 = rotate_right(schedule[i - 2], 17) ^
                  rotate_right(schedule[i - 2], 19) ^ (schedule[i - 2] >> 10);
    schedule[i] = schedule[i - 16] + s0 + schedule[i - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int i = 0; i < 64; i++) {
    uint32_t s1 = rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25);
    uint32_t choose = (e & f) ^ (~e & g);
    uint32_t temporary1 = h + s1 + choose + round_constants[i] + schedule[i];
    uint32_t s0 = rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t temporary2 = s0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + temporary1;
    d = c;
    c = b;
    b = a;
    a = temporary1 + temporary2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

static void sha256(const uint8_t *data, size_t length, uint8_t digest[32]) {
  uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t whole_blocks = length / 64;
  for (size_t i = 0; i < whole_blocks; i++) compress_block(state, data + 64 * i);

  // Padding: a 1 bit, zeros, then the message length in bits, big-endian.
  uint8_t tail[128] = {0};
  size_t remainder = length % 64;
  memcpy(tail, data + 64 * whole_blocks, remainder);
  tail[remainder] = 0x80;
  size_t tail_length = remainder < 56 ? 64 : 128;
  uint64_t bit_length = (uint64_t)length * 8;
  for (int i = 0; i < 8; i++)
    tail[tail_length - 1 - i] = (uint8_t)(bit_length >> (8 * i));
  for (size_t offset = 0; offset < tail_length; offset += 64)
    compress_block(state, tail + offset);

  for (int i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(state[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(state[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(state[i] >> 8);
    digest[4 * i + 3] = (uint8_t)state[i];
  }
}

static void format_digest(const uint8_t digest[32], char text[65]) {
  for (int i = 0; i < 32; i++) snprintf(text + 2 * i, 3, "%02x", digest[i]);
}

int main(int argc, char **argv) {
  long mebibytes = size_argument(argc, argv, 160, "mebibytes");

  // A known answer first: a fast wrong hash would be a worthless benchmark.
  uint8_t digest[32];
  char text[65];
  sha256((const uint8_t *)"abc", 3, digest);
  format_digest(digest, text);
  if (strcmp(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") != 0) {
    fprintf(stderr, "sha256: self-test failed, got %s\n", text);
    return 1;
  }

  size_t buffer_size = 1 << 20;
  uint8_t *buffer = malloc(buffer_size);
  if (buffer == NULL) {
    fprintf(stderr, "sha256: out of memory\n");
    return 1;
  }
  uint64_t state = 0x243f6a8885a308d3ull;
  for (size_t i = 0; i < buffer_size; i++) buffer[i] = (uint8_t)(next_random(&state) >> 56);

  int64_t start = monotonic_nanoseconds();
  for (long round = 0; round < mebibytes; round++) {
    sha256(buffer, buffer_size, digest);
    memcpy(buffer, digest, sizeof digest);
  }
  int64_t elapsed = monotonic_nanoseconds() - start;

  format_digest(digest, text);
  printf("kernel=sha256 ns=%lld checksum=%s\n", (long long)elapsed, text);
  free(buffer);
  return 0;
}
