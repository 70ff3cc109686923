/* SPDX-License-Identifier: Apache-2.0 */
/* config.json's "process": the program's arguments, environment, working
 * directory, terminal and resource limits. Accepted without effect,
 * because a cell already has less than they ask for: "user" (a cell runs
 * under minos's own identity, mapped to an unprivileged one inside a
 * native cell), "capabilities" (a cell has none), "noNewPrivileges"
 * (always on), "apparmorProfile", "selinuxLabel" and "oomScoreAdj" (the
 * host's policy for minos applies), "consoleSize" (there is no terminal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "oci/bundle_parts.h"

static const char *const process_keys[] = {
    "terminal", "consoleSize", "cwd", "env", "args", "rlimits", "user", "capabilities",
    "noNewPrivileges", "apparmorProfile", "selinuxLabel", "oomScoreAdj"};

/* A string array into a fresh array of copies (from item `first` on). */
static bool copy_strings(config_reader *reader, const json_value *array, const char *path,
                         size_t first, char ***out, size_t *count) {
  if (!config_array_bounded(reader, array, path)) return false;
  *count = array->array.count > first ? array->array.count - first : 0;
  *out = calloc(*count + 1, sizeof **out);
  if (!*out) return config_fail(reader, path, "out of memory");
  for (size_t i = first; i < array->array.count; i++) {
    char field[64];
    const char *text;
    snprintf(field, sizeof field, "%s[%zu]", path, i);
    if (!config_string(reader, array->array.items[i], field, OCI_STRING_MAX, &text)) return false;
    if (!((*out)[i - first] = strdup(text))) return config_fail(reader, field, "out of memory");
  }
  return true;
}

static bool read_args(config_reader *reader, const json_value *process, oci_bundle *bundle,
                      const char **program) {
  const json_value *args;
  if (!config_required(reader, process, "args", JSON_ARRAY, "process.args", &args) ||
      !copy_strings(reader, args, "process.args", 1, &bundle->args, &bundle->arg_count))
    return false;
  if (args->array.count == 0) return config_fail(reader, "process.args", "is empty");
  return config_string(reader, args->array.items[0], "process.args[0]", OCI_PATH_MAX, program);
}

/* Each "KEY=VALUE", KEY not empty; PATH's value is kept for args[0]. */
static bool read_env(config_reader *reader, const json_value *process, oci_bundle *bundle,
                     const char **search_path) {
  const json_value *env;
  *search_path = NULL;
  if (!config_member(reader, process, "env", JSON_ARRAY, "process.env", &env)) return false;
  if (!env) return true;
  if (!copy_strings(reader, env, "process.env", 0, &bundle->env, &bundle->env_count)) return false;
  for (size_t i = 0; i < bundle->env_count; i++) {
    const char *pair = bundle->env[i];
    if (pair[0] == '=' || !strchr(pair, '=')) {
      char field[48];
      snprintf(field, sizeof field, "process.env[%zu]", i);
      return config_fail(reader, field, "'%.64s' is not KEY=VALUE", pair);
    }
    if (strncmp(pair, "PATH=", 5) == 0) *search_path = env->array.items[i]->string.text + 5;
  }
  return true;
}

/* The programs run where minos put them: a working directory of the
 * image's own (WORKDIR) would change what relative paths name, so it is
 * refused rather than ignored. */
static bool read_cwd(config_reader *reader, const json_value *process) {
  const json_value *cwd;
  const char *path;
  if (!config_member(reader, process, "cwd", JSON_STRING, "process.cwd", &cwd)) return false;
  if (!cwd) return true;
  if (!config_string(reader, cwd, "process.cwd", OCI_PATH_MAX, &path)) return false;
  if (strcmp(path, "/") == 0) return true;
  return config_fail(reader, "process.cwd", "'%s': only / is supported as the working directory",
                     path);
}

static bool read_terminal(config_reader *reader, const json_value *process) {
  const json_value *terminal;
  if (!config_member(reader, process, "terminal", JSON_BOOLEAN, "process.terminal", &terminal))
    return false;
  if (!terminal || !terminal->boolean) return true;
  return config_fail(reader, "process.terminal", "a terminal is not supported (run without -t)");
}

typedef struct rlimit_name {
  const char *name;
  int resource;
} rlimit_name;

static const rlimit_name rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

static bool read_rlimit(config_reader *reader, const json_value *item, oci_rlimit *limit) {
  const json_value *type, *soft, *hard;
  const char *name;
  char part[64];
  if (item->type != JSON_OBJECT) return config_fail(reader, limit->field, "must be an object");
  snprintf(part, sizeof part, "%s.type", limit->field);
  if (!config_required(reader, item, "type", JSON_STRING, part, &type) ||
      !config_string(reader, type, part, 32, &name))
    return false;
  limit->resource = -1;
  for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
    if (strcmp(rlimit_names[i].name, name) == 0) limit->resource = rlimit_names[i].resource;
  if (limit->resource < 0) return config_fail(reader, part, "unknown limit '%s'", name);
  snprintf(part, sizeof part, "%s.soft", limit->field);
  if (!config_required(reader, item, "soft", JSON_NUMBER, part, &soft) ||
      !config_count(reader, soft, part, &limit->soft))
    return false;
  snprintf(part, sizeof part, "%s.hard", limit->field);
  if (!config_required(reader, item, "hard", JSON_NUMBER, part, &hard) ||
      !config_count(reader, hard, part, &limit->hard))
    return false;
  if (limit->soft > limit->hard)
    return config_fail(reader, limit->field, "soft limit %llu above the hard one, %llu",
                       (unsigned long long)limit->soft, (unsigned long long)limit->hard);
  return true;
}

/* Set in the container's process before it waits for `start`, so a
 * limit the host does not allow fails `create`, naming it. */
static bool read_rlimits(config_reader *reader, const json_value *process, oci_bundle *bundle) {
  const json_value *rlimits;
  if (!config_member(reader, process, "rlimits", JSON_ARRAY, "process.rlimits", &rlimits))
    return false;
  if (!rlimits) return true;
  if (!config_array_bounded(reader, rlimits, "process.rlimits")) return false;
  bundle->rlimits = calloc(rlimits->array.count + 1, sizeof *bundle->rlimits);
  if (!bundle->rlimits) return config_fail(reader, "process.rlimits", "out of memory");
  for (size_t i = 0; i < rlimits->array.count; i++) {
    oci_rlimit *limit = &bundle->rlimits[bundle->rlimit_count++];
    snprintf(limit->field, sizeof limit->field, "process.rlimits[%zu]", i);
    if (!read_rlimit(reader, rlimits->array.items[i], limit)) return false;
  }
  return true;
}

bool oci_read_process(config_reader *reader, const json_value *process, oci_bundle *bundle,
                      const char **program, const char **search_path) {
  return oci_known_members(reader, process, "process", process_keys,
                           sizeof process_keys / sizeof process_keys[0]) &&
         read_terminal(reader, process) && read_args(reader, process, bundle, program) &&
         read_env(reader, process, bundle, search_path) && read_cwd(reader, process) &&
         read_rlimits(reader, process, bundle);
}
