/* SPDX-License-Identifier: Apache-2.0 */
/* Supervision groups: the "groups" object, read after the cells (members
 * name cells and groups alike), checked into a tree: every cell or group
 * in at most one group, no cycle, no deeper than SPEC_GROUP_DEPTH_MAX. And
 * each cell's readiness against what it can read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec_private.h"

static const char *const group_keys[] = {"strategy", "members", "intensity", "period"};
static const char *const strategies[] = {"one_for_one", "one_for_all", "rest_for_one"};

const char *spec_strategy_name(spec_strategy strategy) { return strategies[strategy]; }

/* Beyond this, "did you mean" would cost a scan of every name per typo. */
#define SUGGESTION_CANDIDATES_MAX 1024

typedef struct group_reader {
  spec_loader *loader;
  const json_value *groups;
  name_index names;
} group_reader;

static const char *group_name(const void *system, size_t index) {
  return ((const spec *)system)->groups[index].name;
}

static void read_head(group_reader *reader, const json_member *member, spec_group *group) {
  spec_loader *loader = reader->loader;
  char path[SPEC_PATH_SIZE], field_path[SPEC_PATH_SIZE];
  spec_path_key(path, "groups", member->key);
  group->name = strdup(member->key);
  group->at = spec_key_at(member);
  group->parent = -1;
  group->intensity = 5;
  group->period_ns = 10000000000ull;
  if (!group->name) return;
  if (!spec_cell_name_valid(member->key))
    spec_problem_add(loader->problems, path, group->at,
                     "\"%s\" is not a valid group name (lower-case letters, digits, '_' and "
                     "'-', starting with a letter or digit, at most 32 characters)",
                     member->key);
  else if (spec_find_cell(loader->spec, member->key) >= 0)
    spec_problem_add(loader->problems, path, group->at,
                     "\"%s\" is also a cell's name; members name cells and groups alike",
                     member->key);
  if (name_index_find(&reader->names, member->key) < 0)
    name_index_add(&reader->names, (size_t)(group - loader->spec->groups));
  if (!spec_check_keys(loader, member->value, path, group_keys, COUNT_OF(group_keys))) return;
  const json_value *value;
  int choice;
  if ((value = spec_field(member->value, path, "strategy", field_path)) &&
      spec_read_choice(loader, value, field_path, strategies, COUNT_OF(strategies), &choice))
    group->strategy = (spec_strategy)choice;
  uint64_t intensity;
  if ((value = spec_field(member->value, path, "intensity", field_path)) &&
      spec_read_integer(loader, value, field_path, 0, 1000000, &intensity))
    group->intensity = (uint32_t)intensity;
  if ((value = spec_field(member->value, path, "period", field_path)))
    spec_read_duration(loader, value, field_path, 1000000, &group->period_ns);
}

/* The names a typo could have meant: cells and groups. */
static void suggest(group_reader *reader, const char *name, char *out, size_t size) {
  const spec *system = reader->loader->spec;
  size_t count = system->cell_count + system->group_count;
  out[0] = '\0';
  if (count > SUGGESTION_CANDIDATES_MAX) return;
  const char **names = calloc(count + 1, sizeof *names);
  if (!names) return;
  size_t known = 0;
  for (size_t i = 0; i < system->cell_count; i++)
    if (system->cells[i].name) names[known++] = system->cells[i].name;
  for (size_t i = 0; i < system->group_count; i++)
    if (system->groups[i].name) names[known++] = system->groups[i].name;
  spec_did_you_mean(out, size, name, names, known);
  free(names);
}

/* The group that `member` already belongs to, or -1. */
static long *parent_slot(spec *system, const spec_member *member) {
  return member->is_group ? &system->groups[member->index].parent
                          : &system->cells[member->index].group;
}

static bool resolve_member(group_reader *reader, size_t group_index, const json_value *value,
                           const char *path, spec_member *out) {
  spec_loader *loader = reader->loader;
  spec *system = loader->spec;
  if (!spec_expect(loader, value, path, JSON_STRING)) return false;
  const char *name = value->string.text;
  long cell = spec_find_cell(system, name);
  long group = cell < 0 ? name_index_find(&reader->names, name) : -1;
  if (cell < 0 && group < 0) {
    char hint[96];
    suggest(reader, name, hint, sizeof hint);
    spec_problem_add(loader->problems, path, spec_at(value), "no cell or group named \"%s\"%s",
                     name, hint);
    return false;
  }
  *out = (spec_member){.is_group = group >= 0, .index = (size_t)(cell >= 0 ? cell : group)};
  if (cell >= 0 && system->cells[cell].trigger.kind != TRIGGER_NONE) {
    spec_problem_add(loader->problems, path, spec_at(value),
                     "\"%s\" is a trigger cell: its instances are never restarted, so it "
                     "cannot be a group's member", name);
    return false;
  }
  long *parent = parent_slot(system, out);
  if (*parent >= 0) {
    spec_problem_add(loader->problems, path, spec_at(value),
                     "\"%s\" is a member of group \"%s\" already; a cell or group has one group",
                     name, system->groups[*parent].name);
    return false;
  }
  *parent = (long)group_index;
  return true;
}

static void read_members(group_reader *reader, size_t index) {
  spec_loader *loader = reader->loader;
  spec_group *group = &loader->spec->groups[index];
  const json_member *member = &reader->groups->object.members[index];
  char path[SPEC_PATH_SIZE], members_path[SPEC_PATH_SIZE];
  spec_path_key(path, "groups", member->key);
  if (member->value->type != JSON_OBJECT) return; /* reported by read_head */
  const json_value *members = spec_field(member->value, path, "members", members_path);
  if (!members) {
    spec_problem_add(loader->problems, path, group->at,
                     "missing \"members\": the cells and groups it supervises, in start order");
    return;
  }
  if (!spec_expect(loader, members, members_path, JSON_ARRAY)) return;
  if (members->array.count == 0) {
    spec_problem_add(loader->problems, members_path, spec_at(members),
                     "must list at least one cell or group");
    return;
  }
  group->members = calloc(members->array.count, sizeof *group->members);
  if (!group->members) return;
  for (size_t i = 0; i < members->array.count; i++) {
    char item_path[SPEC_PATH_SIZE];
    spec_path_index(item_path, members_path, i);
    if (resolve_member(reader, index, members->array.items[i], item_path,
                       &group->members[group->member_count]))
      group->member_count++;
  }
}

/* Every group has one parent at most, so walking up from each either
 * reaches the top or goes round a cycle; each group is walked once. */
static void check_tree(spec_loader *loader) {
  spec *system = loader->spec;
  enum { UNSEEN, ON_PATH, CHECKED };
  unsigned char *state = calloc(system->group_count + 1, 1);
  size_t *depth = calloc(system->group_count + 1, sizeof *depth);
  for (size_t start = 0; state && depth && start < system->group_count; start++) {
    long at = (long)start;
    size_t walked = 0;
    while (at >= 0 && state[at] == UNSEEN) {
      state[at] = ON_PATH;
      at = system->groups[at].parent;
      walked++;
    }
    bool cycle = at >= 0 && state[at] == ON_PATH;
    /* Back down the path: each its depth from the top (0 in a cycle). */
    size_t level = cycle ? 0 : (at >= 0 ? depth[at] : 0) + walked;
    for (long node = (long)start; node >= 0 && state[node] == ON_PATH;
         node = system->groups[node].parent) {
      state[node] = CHECKED;
      depth[node] = cycle ? 0 : level--;
    }
    char path[SPEC_PATH_SIZE];
    spec_path_key(path, "groups", system->groups[start].name ? system->groups[start].name : "?");
    long parent = system->groups[start].parent;
    if (cycle && parent == (long)start)
      spec_problem_add(loader->problems, path, system->groups[start].at,
                       "group \"%s\" is a member of itself", system->groups[start].name);
    else if (cycle)
      spec_problem_add(loader->problems, path, system->groups[start].at,
                       "group \"%s\" is a member of \"%s\", which is (through its members) "
                       "a member of \"%s\": a cycle",
                       system->groups[start].name, system->groups[parent].name,
                       system->groups[start].name);
    else if (depth[start] > SPEC_GROUP_DEPTH_MAX)
      spec_problem_add(loader->problems, path, system->groups[start].at,
                       "nested %zu groups deep; at most %d", depth[start], SPEC_GROUP_DEPTH_MAX);
  }
  free(state);
  free(depth);
}

void spec_read_groups(spec_loader *loader, const json_value *groups) {
  spec *system = loader->spec;
  if (!groups || !spec_expect(loader, groups, "groups", JSON_OBJECT) || groups->object.count == 0)
    return;
  system->groups = calloc(groups->object.count, sizeof *system->groups);
  if (!system->groups) return;
  system->group_count = groups->object.count;
  group_reader reader = {.loader = loader, .groups = groups};
  name_index_init(&reader.names, group_name, system);
  for (size_t i = 0; i < groups->object.count; i++)
    read_head(&reader, &groups->object.members[i], &system->groups[i]);
  for (size_t i = 0; i < groups->object.count; i++) read_members(&reader, i);
  name_index_free(&reader.names);
  check_tree(loader);
}

static bool has_input(const spec_cell *cell) {
  if (cell->stdio[0] == STDIO_CHANNEL || cell->stdio[0] == STDIO_TERMINAL) return true;
  for (size_t i = 0; i < cell->end_count; i++)
    if (!cell->ends[i].writes) return true;
  return false;
}

void spec_check_readiness(spec_loader *loader) {
  const spec *system = loader->spec;
  for (size_t i = 0; i < system->cell_count; i++) {
    const spec_cell *cell = &system->cells[i];
    const json_value *ready = loader->cells[i].ready;
    if (!ready || cell->ready == READY_STARTED) continue;
    char path[SPEC_PATH_SIZE];
    snprintf(path, sizeof path, "cells.%s.ready", cell->name);
    if (cell->trigger.kind != TRIGGER_NONE)
      spec_problem_add(loader->problems, path, spec_at(ready),
                       "a trigger cell's instances are not waited for; only a service has a "
                       "readiness");
    else if (cell->ready == READY_FIRST_READ && !has_input(cell))
      spec_problem_add(loader->problems, path, spec_at(ready),
                       "\"first_read\" needs something to read: a channel or the terminal "
                       "on its stdin, or a read end");
  }
}
