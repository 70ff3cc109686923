/* SPDX-License-Identifier: Apache-2.0 */
/* Addresses two parts of a system would both listen on: the listen grants
 * of different cells, and the TCP triggers the supervisor listens on for
 * its cells. Only one can bind an address; the other would fail at run
 * time, so a spec that allows both is wrong now.
 *
 * Every listener (a listen rule or a trigger) is compared only with those
 * whose ports it shares: sorted by lowest port, each looks ahead while the
 * ports can still meet. A system of thousands of listeners on ports of
 * their own is checked in n log n, not n squared. */
#include <stdio.h>
#include <stdlib.h>

#include "spec/spec_private.h"

typedef struct listener {
  net_rule rule;
  size_t cell;
  long rule_index; /* its place in the cell's listen rules; -1: the cell's trigger */
  /* Its first conflict: a listen rule of the earliest earlier cell, else
   * the trigger of the earliest cell (SIZE_MAX: none). */
  size_t listen_cell, listen_rule, trigger_cell;
} listener;

static bool tcp_trigger_rule(const spec_loader *loader, size_t index, net_rule *rule) {
  const spec_cell *cell = &loader->spec->cells[index];
  char error[160];
  return cell->trigger.kind == TRIGGER_TCP && loader->cells[index].trigger_valid &&
         spec_trigger_rule(&cell->trigger, rule, error, sizeof error);
}

static listener *collect(const spec_loader *loader, size_t *count) {
  const spec *system = loader->spec;
  size_t total = 0;
  for (size_t i = 0; i < system->cell_count; i++) total += system->cells[i].grants.listen_count + 1;
  listener *all = calloc(total + 1, sizeof *all);
  *count = 0;
  for (size_t i = 0; all && i < system->cell_count; i++) {
    const spec_grants *grants = &system->cells[i].grants;
    for (size_t rule = 0; rule < grants->listen_count; rule++)
      all[(*count)++] = (listener){grants->listen[rule], i, (long)rule, SIZE_MAX, 0, SIZE_MAX};
    net_rule trigger;
    if (tcp_trigger_rule(loader, i, &trigger))
      all[(*count)++] = (listener){trigger, i, -1, SIZE_MAX, 0, SIZE_MAX};
  }
  return all;
}

static int by_lowest_port(const void *a_item, const void *b_item) {
  const listener *a = a_item, *b = b_item;
  if (a->rule.port_low != b->rule.port_low) return a->rule.port_low < b->rule.port_low ? -1 : 1;
  return 0;
}

/* Notes that `other` conflicts with `item`, if it comes first among what
 * item's message would name. */
static void note_conflict(listener *item, const listener *other) {
  bool trigger = item->rule_index < 0, other_trigger = other->rule_index < 0;
  if (other_trigger) {
    /* A listen rule names any cell's trigger; a trigger only an earlier one. */
    if ((!trigger || other->cell < item->cell) && other->cell < item->trigger_cell)
      item->trigger_cell = other->cell;
  } else if (!trigger && other->cell < item->cell &&
             (other->cell < item->listen_cell || (other->cell == item->listen_cell &&
                                                  (size_t)other->rule_index < item->listen_rule))) {
    item->listen_cell = other->cell;
    item->listen_rule = (size_t)other->rule_index;
  }
}

/* "cells.kv.grants.listen[2]", counting the items as written, some of
 * which may have been dropped as invalid. */
static void listen_rule_path(char *out, const spec_cell *cell, const cell_notes *notes,
                             size_t rule) {
  char base[SPEC_PATH_SIZE];
  size_t item = 0;
  snprintf(base, sizeof base, "cells.%s.grants.listen", cell->name);
  while (item < notes->listen_list->array.count &&
         notes->listen_list->array.items[item] != notes->listen_at[rule])
    item++;
  spec_path_index(out, base, item);
}

static void report_listen_rule(spec_loader *loader, const listener *item) {
  const spec *system = loader->spec;
  const cell_notes *notes = &loader->cells[item->cell];
  const json_value *written = notes->listen_at[item->rule_index];
  char path[SPEC_PATH_SIZE];
  listen_rule_path(path, &system->cells[item->cell], notes, (size_t)item->rule_index);
  if (item->listen_cell != SIZE_MAX)
    spec_problem_add(loader->problems, path, spec_at(written),
                     "\"%s\" overlaps cell \"%s\"'s listen grant \"%s\"; two cells cannot "
                     "listen on one address",
                     written->string.text, system->cells[item->listen_cell].name,
                     loader->cells[item->listen_cell].listen_at[item->listen_rule]->string.text);
  else
    spec_problem_add(loader->problems, path, spec_at(written),
                     "\"%s\" overlaps the TCP trigger of cell \"%s\" (\"%s\"), which minos "
                     "listens on",
                     written->string.text, system->cells[item->trigger_cell].name,
                     system->cells[item->trigger_cell].trigger.listen);
}

static void report_trigger(spec_loader *loader, const listener *item) {
  const spec *system = loader->spec;
  const spec_cell *cell = &system->cells[item->cell], *other = &system->cells[item->trigger_cell];
  char path[SPEC_PATH_SIZE];
  snprintf(path, sizeof path, "cells.%s.trigger.tcp", cell->name);
  spec_problem_add(loader->problems, path, spec_at(loader->cells[item->cell].trigger_source),
                   "\"%s\" conflicts with the TCP trigger of cell \"%s\" (\"%s\"): both would "
                   "listen on port %u",
                   cell->trigger.listen, other->name, other->trigger.listen,
                   (unsigned)item->rule.port_low);
}

void spec_check_overlaps(spec_loader *loader) {
  size_t count;
  listener *all = collect(loader, &count);
  if (!all) {
    spec_problem_add(loader->problems, "cells", (spec_position){0, 0},
                     "out of memory checking listen addresses");
    return;
  }
  qsort(all, count, sizeof *all, by_lowest_port);
  for (size_t i = 0; i < count; i++) {
    for (size_t j = i + 1; j < count && all[j].rule.port_low <= all[i].rule.port_high; j++) {
      if (all[i].cell == all[j].cell && (all[i].rule_index >= 0) == (all[j].rule_index >= 0))
        continue; /* one cell's own rules: grants.c */
      if (!net_rules_overlap(&all[i].rule, &all[j].rule)) continue;
      note_conflict(&all[i], &all[j]);
      note_conflict(&all[j], &all[i]);
    }
  }
  for (size_t i = 0; i < count; i++) {
    const listener *item = &all[i];
    if (item->rule_index >= 0 && (item->listen_cell != SIZE_MAX || item->trigger_cell != SIZE_MAX))
      report_listen_rule(loader, item);
    else if (item->rule_index < 0 && item->trigger_cell != SIZE_MAX)
      report_trigger(loader, item);
  }
  free(all);
}
