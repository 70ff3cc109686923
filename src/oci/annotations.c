/* SPDX-License-Identifier: Apache-2.0 */
/* config.json's "annotations": kept as they are for `minos oci state`;
 * those minos reads are options:
 *   module.wasm.image/variant   "compat" or "compat-smart" (crun's
 *                               convention for wasm images): the code must
 *                               be a WebAssembly module
 *   run.minos/max-cpu           the cell's CPU time (minos run --max-cpu)
 *   run.minos/timeout           its wall-clock time (minos run --timeout)
 *   run.minos/connect           where it may connect: rules separated by
 *                               commas, each a --connect of minos run
 *                               (tcp:10.0.0.0/8:443,tcp:[::1]:9000)
 *   run.minos/listen            where it may listen (minos run --listen)
 * Any other run.minos/ key is refused (a typo must not pass for an
 * option); other annotations are the engine's and users' metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/rule.h"
#include "oci/bundle_parts.h"
#include "spec/spec.h"

#define MINOS_PREFIX "run.minos/"
#define WASM_VARIANT "module.wasm.image/variant"

/* A duration as spec_parse_duration reads it ("500ms", "2s"), above 0. */
static bool take_duration(config_reader *reader, const char *field, const char *text,
                          char **out) {
  uint64_t nanoseconds;
  if (!spec_parse_duration(text, &nanoseconds) || nanoseconds == 0)
    return config_fail(reader, field, "'%.64s' is not a duration above 0 (e.g. 500ms, 2s, 1m)",
                       text);
  if (!(*out = strdup(text))) return config_fail(reader, field, "out of memory");
  return true;
}

/* Rules separated by commas, each one net_rule_parse takes. */
static bool take_rules(config_reader *reader, const char *field, const char *text, char ***out,
                       size_t *count) {
  char *copy = strdup(text);
  size_t most = 1;
  for (const char *at = text; *at; at++) most += *at == ',';
  *out = copy ? calloc(most + 1, sizeof **out) : NULL;
  bool fine = *out != NULL;
  if (!fine) config_fail(reader, field, "out of memory");
  for (char *save = NULL, *rule = fine ? strtok_r(copy, ",", &save) : NULL; fine && rule;
       rule = strtok_r(NULL, ",", &save)) {
    net_rule parsed;
    char why[160];
    if (!net_rule_parse(rule, &parsed, why, sizeof why))
      fine = config_fail(reader, field, "'%.64s': %s", rule, why);
    else if (!((*out)[(*count)++] = strdup(rule)))
      fine = config_fail(reader, field, "out of memory");
  }
  if (fine && *count == 0) fine = config_fail(reader, field, "holds no rule");
  free(copy);
  return fine;
}

static bool read_one(config_reader *reader, const char *key, const char *value,
                     oci_bundle *bundle, bool is_wasm) {
  char field[96];
  snprintf(field, sizeof field, "annotations.%.80s", key);
  if (strcmp(key, WASM_VARIANT) == 0) {
    if (strcmp(value, "compat") != 0 && strcmp(value, "compat-smart") != 0)
      return config_fail(reader, field, "'%.64s': only compat and compat-smart are known", value);
    if (!is_wasm)
      return config_fail(reader, field, "marks a wasm image, but process.args[0] is native code");
    return true;
  }
  if (strncmp(key, MINOS_PREFIX, strlen(MINOS_PREFIX)) != 0) return true;
  if (strcmp(key, MINOS_PREFIX "max-cpu") == 0)
    return take_duration(reader, field, value, &bundle->max_cpu);
  if (strcmp(key, MINOS_PREFIX "timeout") == 0)
    return take_duration(reader, field, value, &bundle->timeout);
  if (strcmp(key, MINOS_PREFIX "connect") == 0)
    return take_rules(reader, field, value, &bundle->connect_rules, &bundle->connect_rule_count);
  if (strcmp(key, MINOS_PREFIX "listen") == 0)
    return take_rules(reader, field, value, &bundle->listen_rules, &bundle->listen_rule_count);
  return config_fail(reader, field, "not an annotation minos knows (run.minos/max-cpu, "
                     "run.minos/timeout, run.minos/connect, run.minos/listen)");
}

bool oci_read_annotations(config_reader *reader, const json_value *annotations,
                          oci_bundle *bundle, bool is_wasm) {
  if (!annotations) return true;
  if (annotations->object.count > OCI_ITEMS_MAX)
    return config_fail(reader, "annotations", "has %zu members, more than the %d allowed",
                       annotations->object.count, OCI_ITEMS_MAX);
  bundle->annotations = calloc(annotations->object.count + 1, sizeof *bundle->annotations);
  if (!bundle->annotations) return config_fail(reader, "annotations", "out of memory");
  for (size_t i = 0; i < annotations->object.count; i++) {
    const json_member *member = &annotations->object.members[i];
    char field[96];
    const char *value;
    snprintf(field, sizeof field, "annotations.%.80s", member->key);
    if (strlen(member->key) > OCI_PATH_MAX)
      return config_fail(reader, "annotations", "a key is longer than %d bytes", OCI_PATH_MAX);
    if (!config_string(reader, member->value, field, OCI_STRING_MAX, &value) ||
        !read_one(reader, member->key, value, bundle, is_wasm))
      return false;
    oci_annotation *kept = &bundle->annotations[bundle->annotation_count++];
    kept->key = strdup(member->key);
    kept->value = strdup(value);
    if (!kept->key || !kept->value) return config_fail(reader, field, "out of memory");
  }
  return true;
}
