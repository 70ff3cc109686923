/* SPDX-License-Identifier: Apache-2.0 */
/* The second pass: channels against cells. Each endpoint must name a
 * cell's slot on the right side (a channel goes from a writing side to a
 * reading side), no slot may be wired twice, every named end must be
 * wired, and a stdio slot is either wired or given a target in "stdio",
 * not both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/name_index.h"
#include "spec/spec_private.h"

static const char *const stdio_names[] = {"stdin", "stdout", "stderr"};

/* "Did you mean" costs a scan of every name: only the first problems get
 * one, and only among so many names, so that a spec of many wrong names
 * is still checked in linear time. */
#define SUGGESTIONS_MAX 100
#define SUGGESTION_CANDIDATES_MAX 1000

/* Endpoints are indexed by their text: "kv.stdin" names one slot of one
 * cell, and no other text names it. Item 2i is channel i's "from", 2i+1
 * its "to"; only resolved endpoints, each once (its first channel). */
static const char *endpoint_text(const void *system, size_t item) {
  const spec_channel *channel = &((const spec *)system)->channels[item / 2];
  return item % 2 ? channel->to.text : channel->from.text;
}

static void suggest_cell(const spec *system, const char *name, char *hint, size_t size) {
  hint[0] = '\0';
  if (system->cell_count > SUGGESTION_CANDIDATES_MAX) return;
  const char **names = calloc(system->cell_count + 1, sizeof *names);
  size_t count = 0;
  for (size_t i = 0; names && i < system->cell_count; i++)
    if (system->cells[i].name) names[count++] = system->cells[i].name;
  spec_did_you_mean(hint, size, name, names, count);
  free(names);
}

static void suggest_slot(const spec_cell *cell, const char *name, char *hint, size_t size) {
  hint[0] = '\0';
  if (cell->end_count > SUGGESTION_CANDIDATES_MAX) return;
  const char **names = calloc(cell->end_count + 4, sizeof *names);
  size_t count = 0;
  for (size_t i = 0; names && i < 3; i++) names[count++] = stdio_names[i];
  if (names) names[count++] = "trigger";
  for (size_t i = 0; names && i < cell->end_count; i++) names[count++] = cell->ends[i].name;
  spec_did_you_mean(hint, size, name, names, count);
  free(names);
}

static const char *end_name(const void *cell, size_t end) {
  return ((const spec_cell *)cell)->ends[end].name;
}

/* The end of cell named name, or -1: through an index of its end names,
 * made at the first look, so that wiring every end of a cell with
 * thousands is not thousands of scans. */
static long find_end(const spec_cell *cell, cell_notes *notes, const char *name) {
  if (!notes->ends.capacity) {
    name_index_init(&notes->ends, end_name, cell);
    for (size_t i = 0; i < cell->end_count; i++)
      if (cell->ends[i].name && name_index_find(&notes->ends, cell->ends[i].name) < 0 &&
          !name_index_add(&notes->ends, i))
        break; /* out of memory: the scan below still answers */
  }
  if (notes->ends.count == cell->end_count) return name_index_find(&notes->ends, name);
  for (size_t i = 0; i < cell->end_count; i++)
    if (cell->ends[i].name && strcmp(name, cell->ends[i].name) == 0) return (long)i;
  return -1;
}

static bool find_slot(const spec_cell *cell, cell_notes *notes, const char *name,
                      spec_endpoint *endpoint) {
  for (int slot = 0; slot < 3; slot++) {
    if (strcmp(name, stdio_names[slot]) == 0) {
      endpoint->slot = (spec_slot_kind)(SLOT_STDIN + slot);
      return true;
    }
  }
  if (strcmp(name, "trigger") == 0) {
    endpoint->slot = SLOT_TRIGGER;
    return true;
  }
  long end = find_end(cell, notes, name);
  if (end < 0) return false;
  endpoint->slot = SLOT_END;
  endpoint->end = (size_t)end;
  return true;
}

/* "kv.stdin" into a cell and a slot; false (reported) if it names none. */
static bool resolve(spec_loader *loader, spec_endpoint *endpoint, const char *path) {
  const spec *system = loader->spec;
  const char *text = endpoint->text, *dot = text ? strchr(text, '.') : NULL;
  char name[64], hint[96] = "";
  bool suggest = loader->problems->count < SUGGESTIONS_MAX;
  if (!text) return false;
  if (!dot || dot == text || (size_t)(dot - text) >= sizeof name) {
    spec_problem_add(loader->problems, path, endpoint->at,
                     "\"%s\" is not an endpoint (write CELL.SLOT, such as kv.stdin)", text);
    return false;
  }
  snprintf(name, sizeof name, "%.*s", (int)(dot - text), text);
  long cell = spec_find_cell(system, name);
  if (cell < 0) {
    if (suggest) suggest_cell(system, name, hint, sizeof hint);
    spec_problem_add(loader->problems, path, endpoint->at, "no cell named \"%s\"%s", name, hint);
    return false;
  }
  if (!find_slot(&system->cells[cell], &loader->cells[cell], dot + 1, endpoint)) {
    if (suggest) suggest_slot(&system->cells[cell], dot + 1, hint, sizeof hint);
    spec_problem_add(loader->problems, path, endpoint->at,
                     "cell \"%s\" has no slot \"%s\"%s (it has stdin, stdout, stderr, trigger and "
                     "the ends in its \"ends\")",
                     name, dot + 1, hint);
    return false;
  }
  endpoint->cell = (size_t)cell;
  return true;
}

static bool writes(const spec *system, const spec_endpoint *endpoint) {
  if (endpoint->slot == SLOT_END) return system->cells[endpoint->cell].ends[endpoint->end].writes;
  return endpoint->slot == SLOT_STDOUT || endpoint->slot == SLOT_STDERR;
}

/* Whether the direction of the endpoint's slot is known: an end whose
 * "read"/"write" was wrong has been reported already. */
static bool direction_known(const spec_loader *loader, const spec_endpoint *endpoint) {
  const cell_notes *notes = &loader->cells[endpoint->cell];
  return endpoint->slot != SLOT_END || notes->end_known[endpoint->end];
}

static void check_direction(spec_loader *loader, const spec_endpoint *endpoint, const char *path,
                            bool is_from) {
  if (!direction_known(loader, endpoint) || writes(loader->spec, endpoint) == is_from) return;
  if (is_from)
    spec_problem_add(loader->problems, path, endpoint->at,
                     "%s is a reading side; \"from\" must be a writing side (stdout, stderr or "
                     "an end declared \"write\")",
                     endpoint->text);
  else
    spec_problem_add(loader->problems, path, endpoint->at,
                     "%s is a writing side; \"to\" must be a reading side (stdin, an end "
                     "declared \"read\", or trigger)",
                     endpoint->text);
}

/* Reports endpoint (of channel `index`) if an earlier channel uses it. */
static void check_used_once(spec_loader *loader, const name_index *endpoints,
                            const spec_endpoint *endpoint, const char *path) {
  long item = name_index_find(endpoints, endpoint->text);
  if (item < 0) return;
  size_t earlier = (size_t)item / 2;
  spec_problem_add(loader->problems, path, endpoint->at,
                   "%s is already wired by channel \"%s\" (channels[%zu]); a slot belongs to "
                   "one channel",
                   endpoint->text, loader->spec->channels[earlier].name, earlier);
}

/* Makes channel index's resolved endpoints findable by later channels. */
static bool index_endpoints(spec_loader *loader, name_index *endpoints, size_t index) {
  const spec_channel *channel = &loader->spec->channels[index];
  const channel_notes *notes = &loader->channels[index];
  if (notes->from_known && name_index_find(endpoints, channel->from.text) < 0 &&
      !name_index_add(endpoints, index * 2))
    return false;
  if (notes->to_known && name_index_find(endpoints, channel->to.text) < 0 &&
      !name_index_add(endpoints, index * 2 + 1))
    return false;
  return true;
}

static void check_name_unique(spec_loader *loader, size_t index) {
  const spec_channel *channel = &loader->spec->channels[index];
  const channel_notes *notes = &loader->channels[index];
  char base[SPEC_PATH_SIZE], path[SPEC_PATH_SIZE];
  spec_path_index(base, "channels", index);
  spec_path_key(path, base, notes->name ? "name" : "");
  long first = channel->name ? spec_find_channel(loader->spec, channel->name) : -1;
  if (first < 0 || (size_t)first >= index) return;
  /* Two default names alike mean two channels alike, reported as such. */
  if (!notes->name && !loader->channels[first].name) return;
  spec_problem_add(loader->problems, path, notes->name ? spec_at(notes->name) : channel->at,
                   "channel name \"%s\" is already used by channels[%ld]", channel->name, first);
}

static void check_channel(spec_loader *loader, const name_index *endpoints, size_t index) {
  spec_channel *channel = &loader->spec->channels[index];
  channel_notes *notes = &loader->channels[index];
  char base[SPEC_PATH_SIZE], from_path[SPEC_PATH_SIZE], to_path[SPEC_PATH_SIZE];
  spec_path_index(base, "channels", index);
  spec_path_key(from_path, base, "from");
  spec_path_key(to_path, base, "to");
  notes->from_known = resolve(loader, &channel->from, from_path);
  notes->to_known = resolve(loader, &channel->to, to_path);
  if (notes->from_known) {
    check_direction(loader, &channel->from, from_path, true);
    check_used_once(loader, endpoints, &channel->from, from_path);
  }
  if (notes->to_known) {
    check_direction(loader, &channel->to, to_path, false);
    check_used_once(loader, endpoints, &channel->to, to_path);
  }
  check_name_unique(loader, index);
}

/* The first channel wiring this slot of this cell, or -1. */
static long channel_on(const spec *system, const name_index *endpoints, size_t cell,
                       spec_slot_kind slot, size_t end) {
  const spec_cell *owner = &system->cells[cell];
  const char *slot_name = slot == SLOT_END ? owner->ends[end].name : stdio_names[slot - SLOT_STDIN];
  char text[160];
  snprintf(text, sizeof text, "%s.%s", owner->name, slot_name);
  long item = name_index_find(endpoints, text);
  return item < 0 ? -1 : item / 2;
}

static void check_ends_wired(spec_loader *loader, const name_index *endpoints, size_t index) {
  const spec_cell *cell = &loader->spec->cells[index];
  if (cell->trigger.kind != TRIGGER_NONE) return; /* reported in triggers.c */
  for (size_t i = 0; i < cell->end_count; i++) {
    if (channel_on(loader->spec, endpoints, index, SLOT_END, i) >= 0) continue;
    char path[SPEC_PATH_SIZE];
    snprintf(path, sizeof path, "cells.%s.ends.%s", cell->name, cell->ends[i].name);
    spec_problem_add(loader->problems, path, cell->ends[i].at,
                     "end \"%s\" is not wired to any channel (dangling end)", cell->ends[i].name);
  }
}

/* A wired stdio slot's target is its channel; "stdio" may not say
 * otherwise. */
static void settle_stdio(spec_loader *loader, const name_index *endpoints, size_t index) {
  spec_cell *cell = &loader->spec->cells[index];
  const cell_notes *notes = &loader->cells[index];
  for (int slot = 0; slot < 3; slot++) {
    long channel =
        channel_on(loader->spec, endpoints, index, (spec_slot_kind)(SLOT_STDIN + slot), 0);
    if (channel < 0) continue;
    cell->stdio[slot] = STDIO_CHANNEL;
    /* A trigger cell's stdio is its event's: triggers.c says so. */
    if (!notes->stdio[slot] || cell->trigger.kind != TRIGGER_NONE) continue;
    char path[SPEC_PATH_SIZE];
    snprintf(path, sizeof path, "cells.%s.stdio.%s", cell->name, stdio_names[slot]);
    spec_problem_add(loader->problems, path, spec_at(notes->stdio[slot]),
                     "%s.%s is wired to channel \"%s\" (channels[%ld]); it cannot also be set "
                     "here",
                     cell->name, stdio_names[slot], loader->spec->channels[channel].name, channel);
  }
}

/* The terminal has one stdin to give. */
static void check_terminal_reader(spec_loader *loader) {
  const spec *system = loader->spec;
  long reader = -1;
  for (size_t i = 0; i < system->cell_count; i++) {
    if (system->cells[i].stdio[0] != STDIO_TERMINAL) continue;
    if (reader < 0) {
      reader = (long)i;
      continue;
    }
    char path[SPEC_PATH_SIZE];
    snprintf(path, sizeof path, "cells.%s.stdio.stdin", system->cells[i].name);
    spec_problem_add(loader->problems, path, spec_at(loader->cells[i].stdio[0]),
                     "only one cell can read the terminal, and cell \"%s\" does",
                     system->cells[reader].name);
  }
}

void spec_check_wiring(spec_loader *loader) {
  const spec *system = loader->spec;
  name_index endpoints;
  name_index_init(&endpoints, endpoint_text, system);
  bool indexed = true;
  for (size_t i = 0; i < system->channel_count; i++) {
    check_channel(loader, &endpoints, i);
    if (indexed) indexed = index_endpoints(loader, &endpoints, i);
  }
  if (!indexed) spec_problem_add(loader->problems, "channels", (spec_position){0, 0},
                                 "out of memory checking the wiring");
  for (size_t i = 0; indexed && i < system->cell_count; i++) {
    check_ends_wired(loader, &endpoints, i);
    settle_stdio(loader, &endpoints, i);
  }
  name_index_free(&endpoints);
  check_terminal_reader(loader);
}
