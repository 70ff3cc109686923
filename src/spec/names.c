/* SPDX-License-Identifier: Apache-2.0 */
/* Names in a spec: which are valid, and which known one a misspelt name
 * was probably meant to be. */
#include <stdio.h>
#include <string.h>

#include "spec/spec_private.h"

#define LONGEST_COMPARED 64

static size_t smallest(size_t a, size_t b, size_t c) {
  size_t least = a < b ? a : b;
  return least < c ? least : c;
}

/* Levenshtein distance, one row at a time. */
static size_t edit_distance(const char *a, const char *b) {
  size_t a_length = strlen(a), b_length = strlen(b);
  if (a_length > LONGEST_COMPARED || b_length > LONGEST_COMPARED) return LONGEST_COMPARED;
  size_t row[LONGEST_COMPARED + 1];
  for (size_t j = 0; j <= b_length; j++) row[j] = j;
  for (size_t i = 1; i <= a_length; i++) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b_length; j++) {
      size_t above = row[j];
      row[j] = smallest(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1]));
      diagonal = above;
    }
  }
  return row[b_length];
}

static bool is_prefix(const char *prefix, const char *of) {
  size_t length = strlen(prefix);
  return length >= 2 && strncmp(prefix, of, length) == 0;
}

const char *spec_closest(const char *name, const char *const *candidates, size_t count) {
  const char *best = NULL;
  size_t best_distance = 3;
  for (size_t i = 0; i < count; i++) {
    size_t distance = edit_distance(name, candidates[i]);
    if (distance > 2 && (is_prefix(name, candidates[i]) || is_prefix(candidates[i], name)))
      distance = 2;
    if (distance < best_distance) {
      best = candidates[i];
      best_distance = distance;
    }
  }
  return best;
}

void spec_did_you_mean(char *out, size_t size, const char *name, const char *const *candidates,
                       size_t count) {
  const char *closest = spec_closest(name, candidates, count);
  if (closest)
    snprintf(out, size, " (did you mean \"%s\"?)", closest);
  else
    snprintf(out, size, "%s", "");
}

/* At most 32 characters, so "name#1234567" fits an instance's 48-byte name. */
bool spec_cell_name_valid(const char *name) {
  size_t length = strlen(name);
  if (length == 0 || length > 32) return false;
  if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789", name[0])) return false;
  return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == length;
}

/* An end's name becomes part of an environment variable, MINOS_END_<NAME>. */
bool spec_end_name_valid(const char *name) {
  size_t length = strlen(name);
  if (length == 0 || length > 32) return false;
  if (!strchr("abcdefghijklmnopqrstuvwxyz", name[0])) return false;
  return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == length;
}
