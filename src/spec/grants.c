/* SPDX-License-Identifier: Apache-2.0 */
/* A cell's grants: directories, network rules, clock, randomness and
 * creating cells.
 * Conflicts inside one cell's grants are found here; those between cells
 * in overlaps.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec/spec_private.h"

static const char *const grant_keys[] = {"dirs", "connect", "listen", "clock", "random",
                                         "spawn"};
static const char *const spawn_keys[] = {"max_cells"};

/* The most live descendants a spawn grant may allow one cell. */
#define SPAWN_MAX_CELLS 1000000
static const char *const dir_keys[] = {"host", "guest", "mode"};
static const char *const modes[] = {"ro", "rw"};

/* Length of a guest path without trailing slashes ("/" stays "/"). */
static size_t trimmed_length(const char *path) {
  size_t length = strlen(path);
  while (length > 1 && path[length - 1] == '/') length--;
  return length;
}

/* Whether inner is outer or lies under it: "/data" holds "/data/x". */
static bool guest_path_holds(const char *outer, const char *inner) {
  size_t outer_length = trimmed_length(outer), inner_length = trimmed_length(inner);
  if (inner_length < outer_length || strncmp(outer, inner, outer_length) != 0) return false;
  return inner_length == outer_length || outer[outer_length - 1] == '/' ||
         inner[outer_length] == '/';
}

static bool has_parent_component(const char *path) {
  for (const char *at = path; (at = strstr(at, "..")); at += 2)
    if ((at == path || at[-1] == '/') && (at[2] == '\0' || at[2] == '/')) return true;
  return false;
}

static void check_host_directory(spec_loader *loader, const spec_dir_grant *grant,
                                 const json_value *host, const char *path) {
  struct stat status;
  if (stat(grant->host_path, &status) != 0)
    spec_problem_add(loader->problems, path, spec_at(host), "cannot open %s: %s",
                     host->string.text, strerror(errno));
  else if (!S_ISDIR(status.st_mode))
    spec_problem_add(loader->problems, path, spec_at(host), "%s is not a directory",
                     host->string.text);
}

/* A directory grant; false if it has no usable host path. `guest_value`
 * and `guest_path` say where its guest path was written (the host path by
 * default). */
static bool read_dir(spec_loader *loader, const json_value *item, const char *path,
                     spec_dir_grant *grant, const json_value **guest_value,
                     char guest_path[SPEC_PATH_SIZE]) {
  char field_path[SPEC_PATH_SIZE], *host_written;
  grant->at = spec_at(item);
  grant->read_only = true;
  if (!spec_check_keys(loader, item, path, dir_keys, COUNT_OF(dir_keys))) return false;
  const json_value *host = spec_field(item, path, "host", field_path);
  if (!host) {
    spec_problem_add(loader->problems, path, spec_at(item),
                     "missing \"host\": the directory on this machine to grant");
    return false;
  }
  if (!spec_read_string(loader, host, field_path, &host_written)) return false;
  grant->host_path = spec_resolve_path(loader->spec, host_written);
  check_host_directory(loader, grant, host, field_path);
  const json_value *guest = spec_field(item, path, "guest", field_path);
  *guest_value = guest ? guest : host;
  spec_path_key(guest_path, path, guest ? "guest" : "host");
  if (!guest || !spec_read_string(loader, guest, field_path, &grant->guest_path))
    grant->guest_path = host_written;
  else
    free(host_written);
  if (guest && has_parent_component(grant->guest_path))
    spec_problem_add(loader->problems, field_path, spec_at(guest),
                     "a guest path must not contain \"..\"");
  int mode;
  const json_value *mode_value = spec_field(item, path, "mode", field_path);
  if (mode_value && spec_read_choice(loader, mode_value, field_path, modes, COUNT_OF(modes), &mode))
    grant->read_only = mode == 0;
  return grant->host_path != NULL;
}

static void check_guest_path(spec_loader *loader, const spec_grants *grants, size_t added,
                             const json_value *guest_value, const char *guest_path,
                             const size_t *item_of) {
  const char *guest = grants->dirs[added].guest_path;
  for (size_t i = 0; i < added; i++) {
    const char *other = grants->dirs[i].guest_path;
    if (!guest_path_holds(other, guest) && !guest_path_holds(guest, other)) continue;
    const char *relation = trimmed_length(other) == trimmed_length(guest) ? "is the same as"
                           : guest_path_holds(other, guest)               ? "is inside"
                                                                          : "holds";
    spec_problem_add(loader->problems, guest_path, spec_at(guest_value),
                     "guest path \"%s\" %s \"%s\" (dirs[%zu]); grant each directory tree once",
                     guest, relation, other, item_of[i]);
    return;
  }
}

/* Longer lists are refused before their items are compared in pairs:
 * no cell can hold more directories than descriptors, and CIDR blocks and
 * port ranges say in one rule what would otherwise take many. */
#define DIRS_MAX (SPEC_DESCRIPTORS_MAX - 3)
#define RULES_MAX 1024

static void read_dirs(spec_loader *loader, const json_value *dirs, const char *path,
                      spec_grants *grants) {
  if (!spec_expect(loader, dirs, path, JSON_ARRAY) || dirs->array.count == 0) return;
  if (dirs->array.count > DIRS_MAX) {
    spec_problem_add(loader->problems, path, spec_at(dirs),
                     "%zu directories are more than a cell can hold (at most %d: a cell holds "
                     "at most %d descriptors, 3 of them stdio)",
                     dirs->array.count, DIRS_MAX, SPEC_DESCRIPTORS_MAX);
    return;
  }
  grants->dirs = calloc(dirs->array.count, sizeof *grants->dirs);
  size_t *item_of = calloc(dirs->array.count, sizeof *item_of);
  for (size_t i = 0; grants->dirs && item_of && i < dirs->array.count; i++) {
    char item_path[SPEC_PATH_SIZE], guest_path[SPEC_PATH_SIZE];
    const json_value *guest_value;
    spec_path_index(item_path, path, i);
    spec_dir_grant *grant = &grants->dirs[grants->dir_count];
    if (!read_dir(loader, dirs->array.items[i], item_path, grant, &guest_value, guest_path)) {
      free(grant->host_path);
      free(grant->guest_path);
      *grant = (spec_dir_grant){0};
      continue;
    }
    item_of[grants->dir_count] = i;
    check_guest_path(loader, grants, grants->dir_count, guest_value, guest_path, item_of);
    grants->dir_count++;
  }
  free(item_of);
}

/* Two rules of one list admitting a common address: one of them is
 * redundant, or they were meant to be different and one is wrong. */
static void check_redundant(spec_loader *loader, const net_rule *rules, size_t added,
                            const json_value **rule_at, const char *list_name,
                            const char *path, const json_value *list) {
  for (size_t i = 0; i < added; i++) {
    if (!net_rules_overlap(&rules[i], &rules[added])) continue;
    size_t item = 0;
    while (item < list->array.count && list->array.items[item] != rule_at[i]) item++;
    spec_problem_add(loader->problems, path, spec_at(rule_at[added]),
                     "\"%s\" overlaps %s[%zu] \"%s\"; the rules are redundant",
                     rule_at[added]->string.text, list_name, item, rule_at[i]->string.text);
    return;
  }
}

static void read_rules(spec_loader *loader, const json_value *list, const char *grants_path,
                       const char *list_name, net_rule **rules_out, size_t *count_out,
                       const json_value ***at_out) {
  char path[SPEC_PATH_SIZE];
  spec_path_key(path, grants_path, list_name);
  if (!spec_expect(loader, list, path, JSON_ARRAY) || list->array.count == 0) return;
  if (list->array.count > RULES_MAX) {
    spec_problem_add(loader->problems, path, spec_at(list),
                     "%zu rules are more than %d; cover more with CIDR blocks (10.0.0.0/8) and "
                     "port ranges (8000-8099)",
                     list->array.count, RULES_MAX);
    return;
  }
  net_rule *rules = calloc(list->array.count, sizeof *rules);
  const json_value **rule_at = calloc(list->array.count, sizeof *rule_at);
  *rules_out = rules;
  *at_out = rule_at;
  for (size_t i = 0; rules && rule_at && i < list->array.count; i++) {
    char item_path[SPEC_PATH_SIZE], error[160];
    const json_value *item = list->array.items[i];
    spec_path_index(item_path, path, i);
    if (!spec_expect(loader, item, item_path, JSON_STRING)) continue;
    if (!net_rule_parse(item->string.text, &rules[*count_out], error, sizeof error)) {
      spec_problem_add(loader->problems, item_path, spec_at(item),
                       "\"%s\" is not a network rule: %s", item->string.text, error);
      continue;
    }
    rule_at[*count_out] = item;
    check_redundant(loader, rules, *count_out, rule_at, list_name, item_path, list);
    (*count_out)++;
  }
}

/* "spawn": {"max_cells": N}: an object, so that compiling and other
 * limits of its children can join it later. */
static void read_spawn(spec_loader *loader, const json_value *spawn, const char *path,
                       spec_grants *grants) {
  char field_path[SPEC_PATH_SIZE];
  if (!spec_check_keys(loader, spawn, path, spawn_keys, COUNT_OF(spawn_keys))) return;
  const json_value *value = spec_field(spawn, path, "max_cells", field_path);
  uint64_t max_cells;
  if (!value)
    spec_problem_add(loader->problems, path, spec_at(spawn),
                     "missing \"max_cells\": how many cells it may have alive below it");
  else if (spec_read_integer(loader, value, field_path, 1, SPAWN_MAX_CELLS, &max_cells))
    grants->spawn_max_cells = (uint32_t)max_cells;
}

void spec_read_grants(spec_loader *loader, const json_value *value, const char *path,
                      spec_cell *cell, cell_notes *notes) {
  char field_path[SPEC_PATH_SIZE];
  spec_grants *grants = &cell->grants;
  if (!spec_check_keys(loader, value, path, grant_keys, COUNT_OF(grant_keys))) return;
  const json_value *field = spec_field(value, path, "dirs", field_path);
  if (field) read_dirs(loader, field, field_path, grants);
  field = json_object_get(value, "connect");
  if (field)
    read_rules(loader, field, path, "connect", &grants->connect, &grants->connect_count,
               &notes->connect_at);
  field = json_object_get(value, "listen");
  notes->listen_list = field;
  if (field)
    read_rules(loader, field, path, "listen", &grants->listen, &grants->listen_count,
               &notes->listen_at);
  if ((field = spec_field(value, path, "clock", field_path)))
    spec_read_boolean(loader, field, field_path, &grants->clock);
  if ((field = spec_field(value, path, "random", field_path)))
    spec_read_boolean(loader, field, field_path, &grants->random);
  if ((field = spec_field(value, path, "spawn", field_path)))
    read_spawn(loader, field, field_path, grants);
}
