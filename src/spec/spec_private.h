/* SPDX-License-Identifier: Apache-2.0 */
/* What the files of the spec loader share. Loading (load.c) is three
 * passes over one loader: reading the JSON tree (json.c) into the spec
 * (parse.c, cell.c, grants.c, with values.c and units.c for single
 * values), checking how the cells fit together (wiring.c, triggers.c,
 * overlaps.c), and checking each cell's code (code.c). Every pass goes on
 * after a problem, so one run reports them all (problems.c). */
#ifndef MINOS_SPEC_SPEC_PRIVATE_H
#define MINOS_SPEC_SPEC_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/json.h"
#include "spec/name_index.h"
#include "spec/spec.h"

#define SPEC_PATH_SIZE sizeof(((spec_problem *)0)->path)

/* What the passes after parsing need to know about where things were
 * written, beyond what the spec keeps. */
typedef struct cell_notes {
  const json_value *object;
  const json_value *code;       /* NULL: missing or not a string */
  const json_value *arch;       /* given and valid, else NULL */
  const json_value *stdio[3];   /* given in "stdio", else NULL */
  const json_value *restart;    /* given, else NULL */
  const json_value *trigger;    /* given, else NULL */
  const json_value *ready;      /* given and valid, else NULL */
  const json_value *trigger_source; /* its "tcp" or "channel" value */
  bool trigger_valid;           /* trigger.kind and its source can be trusted */
  bool *end_known;              /* per end: its direction was read */
  const json_value **connect_at; /* per connect rule: the text it came from */
  const json_value **listen_at;
  const json_value *listen_list; /* the "listen" array */
  name_index ends;              /* names of its ends (wiring.c builds it) */
} cell_notes;

typedef struct channel_notes {
  const json_value *object;
  const json_value *name;       /* NULL: the name is the default one */
  bool from_known, to_known;    /* the endpoint was resolved */
} channel_notes;

typedef struct spec_loader {
  spec *spec;
  spec_problems *problems;
  cell_notes *cells;            /* parallel to spec->cells */
  channel_notes *channels;      /* parallel to spec->channels */
} spec_loader;

/* problems.c */
void spec_problem_add(spec_problems *problems, const char *path, spec_position at,
                      const char *format, ...) __attribute__((format(printf, 4, 5)));
void spec_problems_sort(spec_problems *problems);
static inline spec_position spec_at(const json_value *value) {
  return value ? (spec_position){value->at.line, value->at.column} : (spec_position){0, 0};
}
static inline spec_position spec_key_at(const json_member *member) {
  return (spec_position){member->key_at.line, member->key_at.column};
}
/* "cells" + "kv" -> "cells.kv"; "" + "cells" -> "cells". */
void spec_path_key(char *out, const char *path, const char *key);
/* "channels" + 2 -> "channels[2]" */
void spec_path_index(char *out, const char *path, size_t index);

/* names.c */
/* The candidate closest to name (edit distance at most 2, or one a
 * prefix of the other), or NULL. */
const char *spec_closest(const char *name, const char *const *candidates, size_t count);
/* ' (did you mean "x"?)' or "", for the end of a message. */
void spec_did_you_mean(char *out, size_t size, const char *name, const char *const *candidates,
                       size_t count);
bool spec_cell_name_valid(const char *name);
bool spec_end_name_valid(const char *name);

/* values.c */
/* The member `key` of object, or NULL; out_path gets its path. */
const json_value *spec_field(const json_value *object, const char *path, const char *key,
                             char out_path[SPEC_PATH_SIZE]);
/* Typed reads of one JSON value, each reporting what is wrong
 * with it at path. They return whether *out was set. */
bool spec_expect(spec_loader *loader, const json_value *value, const char *path, json_type type);
bool spec_read_string(spec_loader *loader, const json_value *value, const char *path, char **out);
bool spec_read_boolean(spec_loader *loader, const json_value *value, const char *path, bool *out);
bool spec_read_integer(spec_loader *loader, const json_value *value, const char *path,
                       uint64_t minimum, uint64_t maximum, uint64_t *out);
bool spec_read_size(spec_loader *loader, const json_value *value, const char *path,
                    uint64_t minimum, uint64_t maximum, uint64_t *out);
/* minimum_ns 0: zero is allowed; else the duration must reach it. */
bool spec_read_duration(spec_loader *loader, const json_value *value, const char *path,
                        uint64_t minimum_ns, uint64_t *out);
/* One of `names` (count of them); *out is its index. */
bool spec_read_choice(spec_loader *loader, const json_value *value, const char *path,
                      const char *const *names, size_t count, int *out);
bool spec_read_strings(spec_loader *loader, const json_value *value, const char *path,
                       char ***out, size_t *count);
/* Reports each key of object not in `known`; false if object is not one. */
bool spec_check_keys(spec_loader *loader, const json_value *object, const char *path,
                     const char *const *known, size_t count);
/* A path in the spec made absolute against the spec's directory. */
char *spec_resolve_path(const spec *spec, const char *path);

/* log_limits.c: a "log_limits" object (or a cell's limits.log) into
 * limits, marking what it sets. */
void spec_read_log_limits(spec_loader *loader, const json_value *object, const char *path,
                          spec_log_limits *limits);

/* cell.c, grants.c */
void spec_read_cell(spec_loader *loader, const json_member *member, spec_cell *cell,
                    cell_notes *notes);
void spec_read_grants(spec_loader *loader, const json_value *value, const char *path,
                      spec_cell *cell, cell_notes *notes);
/* A TCP trigger's address ("127.0.0.1:7000", ":7000") as the rule its
 * listener needs; false, with error saying why, if it is not one. */
bool spec_trigger_rule(const spec_trigger *trigger, net_rule *rule, char *error, size_t error_size);

/* parse.c, wiring.c, overlaps.c, capacity.c, code.c: the passes. */
void spec_read_document(spec_loader *loader, const json_value *root);
void spec_check_wiring(spec_loader *loader);
void spec_check_triggers(spec_loader *loader);
void spec_check_overlaps(spec_loader *loader);
void spec_check_capacity(spec_loader *loader);
void spec_check_code(spec_loader *loader);
/* groups.c: the "groups" object, read once the cells are known, and each
 * cell's readiness checked against its wiring. */
void spec_read_groups(spec_loader *loader, const json_value *groups);
void spec_check_readiness(spec_loader *loader);

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

#endif
