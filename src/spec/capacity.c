/* SPDX-License-Identifier: Apache-2.0 */
/* What minos up needs to start a system, checked before it runs, so that
 * whatever minos check accepts minos up can start: each cell's descriptors
 * at start within its limit, the host descriptors its granted directories
 * hold within the runtime's share of this machine's limit, and the
 * terminal streams within what up bridges. The numbers are up's own
 * (spec.h, core/runtime.h), not copies. */
#include <stdio.h>

#include "core/runtime.h"
#include "spec/spec_private.h"

static const char *const stdio_names[] = {"stdin", "stdout", "stderr"};

/* What minos up gives each instance from its start must fit the cell's
 * descriptor limit, or every instance would fail to start. */
static void check_descriptors(spec_loader *loader, size_t index) {
  const spec_cell *item = &loader->spec->cells[index];
  size_t needed = spec_cell_start_descriptors(item);
  if (!item->name || needed <= item->limits.descriptors) return;
  const json_value *limits = json_object_get(loader->cells[index].object, "limits");
  const json_value *given = json_object_get(limits, "descriptors");
  char path[SPEC_PATH_SIZE];
  snprintf(path, sizeof path, "cells.%s%s", item->name, given ? ".limits.descriptors" : "");
  char remedy[96];
  if (needed <= SPEC_DESCRIPTORS_MAX)
    snprintf(remedy, sizeof remedy, "raise \"limits\": {\"descriptors\": %zu}", needed);
  else
    snprintf(remedy, sizeof remedy, "a cell holds at most %d", SPEC_DESCRIPTORS_MAX);
  spec_problem_add(loader->problems, path, given ? spec_at(given) : item->at,
                   "its instances start holding %zu descriptors (3 for stdio, %zu granted "
                   "director%s, %zu named end%s), more than its limit of %u; %s",
                   needed, item->grants.dir_count, item->grants.dir_count == 1 ? "y" : "ies",
                   item->end_count, item->end_count == 1 ? "" : "s", item->limits.descriptors,
                   remedy);
}

/* Each granted directory is a host descriptor every instance of its cell
 * holds from its start; the runtime lets each cell, and all of them, hold
 * only a share of the process's limit (core/runtime.c), which this
 * machine's hard limit on open files sets. */
static void check_host_descriptors(spec_loader *loader) {
  const spec *system = loader->spec;
  uint64_t for_cells, per_cell, total = 0;
  runtime_descriptor_shares(&for_cells, &per_cell);
  for (size_t i = 0; i < system->cell_count; i++) {
    const spec_cell *item = &system->cells[i];
    total += item->grants.dir_count;
    if (!item->name || item->grants.dir_count <= per_cell) continue;
    const json_value *grants = json_object_get(loader->cells[i].object, "grants");
    char path[SPEC_PATH_SIZE];
    snprintf(path, sizeof path, "cells.%s.grants.dirs", item->name);
    spec_problem_add(loader->problems, path, spec_at(json_object_get(grants, "dirs")),
                     "%zu granted directories are as many host descriptors, more than a cell "
                     "may hold here (%llu, a share of the hard limit on open files: ulimit -Hn)",
                     item->grants.dir_count, (unsigned long long)per_cell);
    return;
  }
  if (total > for_cells)
    spec_problem_add(loader->problems, "cells", (spec_position){0, 0},
                     "the cells' %llu granted directories are as many host descriptors, more "
                     "than cells may hold here (%llu, from the hard limit on open files: "
                     "ulimit -Hn)",
                     (unsigned long long)total, (unsigned long long)for_cells);
}

/* Each stdio slot on the terminal is bridged by minos up, so many at most. */
static void check_terminal_streams(spec_loader *loader) {
  const spec *system = loader->spec;
  size_t streams = 0;
  for (size_t i = 0; i < system->cell_count; i++) {
    for (int slot = 0; slot < 3; slot++) {
      if (system->cells[i].stdio[slot] != STDIO_TERMINAL ||
          system->cells[i].trigger.kind != TRIGGER_NONE || ++streams <= SPEC_TERMINAL_STREAMS_MAX)
        continue;
      char path[SPEC_PATH_SIZE];
      snprintf(path, sizeof path, "cells.%s.stdio.%s", system->cells[i].name, stdio_names[slot]);
      spec_problem_add(loader->problems, path, spec_at(loader->cells[i].stdio[slot]),
                       "more than %d stdio streams of the system's cells are on the terminal",
                       SPEC_TERMINAL_STREAMS_MAX);
      return;
    }
  }
}

void spec_check_capacity(spec_loader *loader) {
  for (size_t i = 0; i < loader->spec->cell_count; i++) check_descriptors(loader, i);
  check_host_descriptors(loader);
  check_terminal_streams(loader);
}
