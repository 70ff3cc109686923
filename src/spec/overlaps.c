/* Addresses two parts of a system would both listen on: the listen grants
 * of different cells, and the TCP triggers the supervisor listens on for
 * its cells. Only one can bind an address; the other would fail at run
 * time, so a spec that allows both is wrong now. */
#include <stdio.h>

#include "spec/spec_private.h"

static bool tcp_trigger_rule(const spec_loader *loader, size_t index, net_rule *rule) {
  const spec_cell *cell = &loader->spec->cells[index];
  char error[160];
  return cell->trigger.kind == TRIGGER_TCP && loader->cells[index].trigger_valid &&
         spec_trigger_rule(&cell->trigger, rule, error, sizeof error);
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

/* The first conflict of one listen rule of cell `index` with an earlier
 * cell's listen rules or with any TCP trigger. */
static void check_listen_rule(spec_loader *loader, size_t index, size_t rule) {
  const spec *system = loader->spec;
  const spec_cell *cell = &system->cells[index];
  const json_value *written = loader->cells[index].listen_at[rule];
  char path[SPEC_PATH_SIZE];
  listen_rule_path(path, cell, &loader->cells[index], rule);
  for (size_t other = 0; other < index; other++) {
    const spec_cell *earlier = &system->cells[other];
    for (size_t i = 0; i < earlier->grants.listen_count; i++) {
      if (!net_rules_overlap(&cell->grants.listen[rule], &earlier->grants.listen[i])) continue;
      spec_problem_add(loader->problems, path, spec_at(written),
                       "\"%s\" overlaps cell \"%s\"'s listen grant \"%s\"; two cells cannot "
                       "listen on one address",
                       written->string.text, earlier->name,
                       loader->cells[other].listen_at[i]->string.text);
      return;
    }
  }
  for (size_t other = 0; other < system->cell_count; other++) {
    net_rule trigger;
    if (!tcp_trigger_rule(loader, other, &trigger) ||
        !net_rules_overlap(&cell->grants.listen[rule], &trigger))
      continue;
    spec_problem_add(loader->problems, path, spec_at(written),
                     "\"%s\" overlaps the TCP trigger of cell \"%s\" (\"%s\"), which minos "
                     "listens on",
                     written->string.text, system->cells[other].name,
                     system->cells[other].trigger.listen);
    return;
  }
}

static void check_trigger_address(spec_loader *loader, size_t index) {
  const spec *system = loader->spec;
  net_rule rule, earlier;
  if (!tcp_trigger_rule(loader, index, &rule)) return;
  for (size_t other = 0; other < index; other++) {
    if (!tcp_trigger_rule(loader, other, &earlier) || !net_rules_overlap(&rule, &earlier))
      continue;
    char path[SPEC_PATH_SIZE];
    snprintf(path, sizeof path, "cells.%s.trigger.tcp", system->cells[index].name);
    spec_problem_add(loader->problems, path, spec_at(loader->cells[index].trigger_source),
                     "\"%s\" conflicts with the TCP trigger of cell \"%s\" (\"%s\"): both would "
                     "listen on port %u",
                     system->cells[index].trigger.listen, system->cells[other].name,
                     system->cells[other].trigger.listen, (unsigned)rule.port_low);
    return;
  }
}

void spec_check_overlaps(spec_loader *loader) {
  const spec *system = loader->spec;
  for (size_t i = 0; i < system->cell_count; i++) {
    for (size_t rule = 0; rule < system->cells[i].grants.listen_count; rule++)
      check_listen_rule(loader, i, rule);
    check_trigger_address(loader, i);
  }
}
