/* SPDX-License-Identifier: Apache-2.0 */
/* Trigger cells are templates: each event gets a fresh instance holding
 * only that event (a TCP connection as its stdin and stdout, or a line of
 * a channel as its stdin) and the log. So a trigger cell has nothing else
 * to wire, is never restarted, and a channel trigger and the channel
 * feeding it must name each other. */
#include <stdio.h>
#include <string.h>

#include "spec/spec_private.h"

static const char *const stdio_names[] = {"stdin", "stdout", "stderr"};

static void cell_path(char *out, const spec_cell *cell, const char *key) {
  char base[SPEC_PATH_SIZE];
  spec_path_key(base, "cells", cell->name);
  spec_path_key(out, base, key);
}

/* Whether a stdio slot of a trigger's instances is its event. */
static bool slot_is_event(const spec_trigger *trigger, int slot) {
  return slot == 0 || (slot == 1 && trigger->kind == TRIGGER_TCP);
}

static const char *event_name(const spec_trigger *trigger) {
  return trigger->kind == TRIGGER_TCP ? "the connection of its TCP trigger"
                                      : "the message of its channel trigger";
}

static void check_stdio_targets(spec_loader *loader, const spec_cell *cell,
                                const cell_notes *notes) {
  for (int slot = 0; slot < 3; slot++) {
    const json_value *value = notes->stdio[slot];
    if (!value) continue;
    char path[SPEC_PATH_SIZE], stdio_path[SPEC_PATH_SIZE];
    cell_path(stdio_path, cell, "stdio");
    spec_path_key(path, stdio_path, stdio_names[slot]);
    if (slot_is_event(&cell->trigger, slot))
      spec_problem_add(loader->problems, path, spec_at(value),
                       "a trigger cell's %s is %s; it cannot be set", stdio_names[slot],
                       event_name(&cell->trigger));
    else if (cell->stdio[slot] == STDIO_TERMINAL)
      spec_problem_add(loader->problems, path, spec_at(value),
                       "a trigger cell's instances cannot share the terminal; use \"log\"");
  }
}

/* A trigger cell's own shape: no restart, no named ends, stdio left to
 * its events. */
static void check_trigger_cell(spec_loader *loader, const spec_cell *cell,
                               const cell_notes *notes) {
  char path[SPEC_PATH_SIZE];
  if (notes->restart) {
    cell_path(path, cell, "restart");
    spec_problem_add(loader->problems, path, spec_at(notes->restart),
                     "a trigger cell is never restarted (each event gets a fresh instance); "
                     "remove \"restart\"");
  }
  if (cell->end_count) {
    cell_path(path, cell, "ends");
    spec_problem_add(loader->problems, path, cell->ends[0].at,
                     "a trigger cell's instances get only their event and the log; it cannot "
                     "have named ends");
  }
  check_stdio_targets(loader, cell, notes);
}

/* A channel trigger names a channel that goes to CELL.trigger. */
static void check_trigger_channel(spec_loader *loader, const spec_cell *cell,
                                  const cell_notes *notes) {
  const spec *system = loader->spec;
  char path[SPEC_PATH_SIZE], trigger_path[SPEC_PATH_SIZE];
  cell_path(trigger_path, cell, "trigger");
  spec_path_key(path, trigger_path, "channel");
  long index = spec_find_channel(system, cell->trigger.channel);
  if (index < 0) {
    const char *names[64];
    size_t count = 0;
    for (size_t i = 0; i < system->channel_count && count < 64; i++)
      if (system->channels[i].name) names[count++] = system->channels[i].name;
    char hint[96];
    spec_did_you_mean(hint, sizeof hint, cell->trigger.channel, names, count);
    spec_problem_add(loader->problems, path, spec_at(notes->trigger_source),
                     "no channel named \"%s\"%s", cell->trigger.channel, hint);
    return;
  }
  const spec_channel *channel = &system->channels[index];
  const spec_endpoint *to = &channel->to;
  if (!loader->channels[index].to_known) return;
  if (to->slot == SLOT_TRIGGER && &system->cells[to->cell] == cell) return;
  spec_problem_add(loader->problems, path, spec_at(notes->trigger_source),
                   "channel \"%s\" goes to %s, not to %s.trigger", channel->name, to->text,
                   cell->name);
}

/* An endpoint of a channel on a trigger cell: only CELL.trigger, fed by
 * the channel its trigger names. */
static void check_endpoint(spec_loader *loader, size_t index, const spec_endpoint *endpoint,
                           const char *key) {
  const spec *system = loader->spec;
  const spec_cell *cell = &system->cells[endpoint->cell];
  const spec_trigger *trigger = &cell->trigger;
  const spec_channel *channel = &system->channels[index];
  char path[SPEC_PATH_SIZE], base[SPEC_PATH_SIZE];
  spec_path_index(base, "channels", index);
  spec_path_key(path, base, key);
  if (endpoint->slot == SLOT_TRIGGER) {
    if (strcmp(key, "from") == 0) return; /* a reading side: reported in wiring.c */
    if (trigger->kind != TRIGGER_CHANNEL)
      spec_problem_add(loader->problems, path, endpoint->at,
                       "cell \"%s\" has no channel trigger to feed; give it "
                       "\"trigger\": {\"channel\": \"%s\"}",
                       cell->name, channel->name);
    else if (loader->cells[endpoint->cell].trigger_valid &&
             strcmp(trigger->channel, channel->name) != 0)
      spec_problem_add(loader->problems, path, endpoint->at,
                       "%s reads channel \"%s\", not \"%s\"", endpoint->text, trigger->channel,
                       channel->name);
    return;
  }
  if (trigger->kind == TRIGGER_NONE) return;
  int slot = endpoint->slot - SLOT_STDIN;
  if (endpoint->slot != SLOT_END && slot_is_event(trigger, slot))
    spec_problem_add(loader->problems, path, endpoint->at, "%s is %s; it cannot be wired",
                     endpoint->text, event_name(trigger));
  else
    spec_problem_add(loader->problems, path, endpoint->at,
                     "%s belongs to a trigger cell, whose instances get only their event and "
                     "the log; it cannot be wired",
                     endpoint->text);
}

void spec_check_triggers(spec_loader *loader) {
  const spec *system = loader->spec;
  for (size_t i = 0; i < system->cell_count; i++) {
    const spec_cell *cell = &system->cells[i];
    const cell_notes *notes = &loader->cells[i];
    if (cell->trigger.kind == TRIGGER_NONE) continue;
    check_trigger_cell(loader, cell, notes);
    if (cell->trigger.kind == TRIGGER_CHANNEL && notes->trigger_valid)
      check_trigger_channel(loader, cell, notes);
  }
  for (size_t i = 0; i < system->channel_count; i++) {
    const spec_channel *channel = &system->channels[i];
    if (loader->channels[i].from_known) check_endpoint(loader, i, &channel->from, "from");
    if (loader->channels[i].to_known) check_endpoint(loader, i, &channel->to, "to");
  }
}
