/* SPDX-License-Identifier: Apache-2.0 */
// Word counting in an open-addressing hash table keyed by strings:
// measures byte-wise hashing, string compares and copies, and scattered
// memory access. argv[1] is the number of words counted.
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

// Fixed-width integers throughout: size_t is 32 bits in wasm32 and 64 bits
// natively, and slot order must not depend on it or checksums would differ.
static uint32_t hash_string(const char *text, uint32_t length) {
  uint32_t hash = 2166136261u;
  for (uint32_t i = 0; i < length; i++) hash = (hash ^ (uint8_t)text[i]) * 16777619u;
  return hash;
}

struct slot {
  uint32_t hash;
  uint32_t key_offset;  // into the key arena; 0 marks an empty slot
  uint32_t key_length;
  uint32_t count;
};

struct table {
  struct slot *slots;
  uint32_t mask;
  char *arena;
  uint32_t arena_used;
  uint32_t distinct;
};

static void count_word(struct table *table, const char *word, uint32_t length) {
  uint32_t hash = hash_string(word, length);
  for (uint32_t index = hash & table->mask;; index = (index + 1) & table->mask) {
    struct slot *slot = &table->slots[index];
    if (slot->key_offset == 0) {
      memcpy(table->arena + table->arena_used, word, length);
      *slot = (struct slot){hash, table->arena_used, length, 1};
      table->arena_used += length;
      table->distinct++;
      return;
    }
    if (slot->hash == hash && slot->key_length == length &&
        memcmp(table->arena + slot->key_offset, word, length) == 0) {
      slot->count++;
      return;
    }
  }
}

// Spells a number as a lowercase word with a shared prefix, so compares
// have to look past the first bytes, as with real identifiers.
static uint32_t make_word(uint32_t number, char *word) {
  static const char prefix[] = "minos_";
  memcpy(word, prefix, sizeof prefix - 1);
  uint32_t length = sizeof prefix - 1;
  do {
    word[length++] = (char)('a' + number % 26);
    number /= 26;
  } while (number != 0);
  return length;
}

int main(int argc, char **argv) {
  uint32_t word_count = (uint32_t)size_argument(argc, argv, 6000000, "words");
  // About sixteen occurrences per distinct word; half the draws come from
  // the first sixteenth of the vocabulary, so some words are hot.
  uint32_t vocabulary = word_count / 16 + 1;
  uint32_t slot_count = 1;
  while (slot_count < 2 * vocabulary) slot_count *= 2;

  struct table table = {
      .slots = calloc(slot_count, sizeof(struct slot)),
      .mask = slot_count - 1,
      .arena = malloc((size_t)vocabulary * 16 + 1),
      .arena_used = 1,
  };
  if (table.slots == NULL || table.arena == NULL) {
    fprintf(stderr, "hashtable: out of memory\n");
    return 1;
  }

  int64_t start = monotonic_nanoseconds();
  uint64_t state = 0x3c6ef372fe94f82bull;
  char word[32];
  for (uint32_t i = 0; i < word_count; i++) {
    uint32_t random = (uint32_t)(next_random(&state) >> 32);
    uint32_t number = random % vocabulary;
    if (random & 1) number %= vocabulary / 16 + 1;
    count_word(&table, word, make_word(number, word));
  }
  int64_t elapsed = monotonic_nanoseconds() - start;

  uint64_t checksum = table.distinct;
  for (uint32_t index = 0; index < slot_count; index++) {
    const struct slot *slot = &table.slots[index];
    if (slot->key_offset == 0) continue;
    checksum = (checksum ^ ((uint64_t)slot->hash << 32 | slot->count)) * 0x100000001b3ull;
  }
  printf("kernel=hashtable ns=%lld checksum=%016llx\n", (long long)elapsed,
         (unsigned long long)checksum);
  free(table.arena);
  free(table.slots);
  return 0;
}
