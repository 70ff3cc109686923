/* SPDX-License-Identifier: Apache-2.0 */
/* config.json as a whole: its top level, "root", and the order the parts
 * are read in (process.c, mounts.c, rootfs.c, linux.c, annotations.c). */
#include "oci/bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/bundle_parts.h"
#include "oci/mounts.h"
#include "oci/rootfs.h"

/* "hostname" and "domainname" name the engine's UTS namespace, which a
 * cell does not see; "hooks" are refused (minos runs no host program for
 * a container); anything else (solaris, windows, vm) is not Linux. */
static const char *const top_keys[] = {"ociVersion", "process", "root", "hostname",
                                       "domainname", "mounts", "annotations", "linux", "hooks"};
static const char *const root_keys[] = {"path", "readonly"};

bool oci_known_members(config_reader *reader, const json_value *object, const char *path,
                       const char *const *known, size_t count) {
  for (size_t i = 0; i < object->object.count; i++) {
    const char *key = object->object.members[i].key;
    bool is_known = false;
    for (size_t k = 0; k < count && !is_known; k++) is_known = strcmp(key, known[k]) == 0;
    if (is_known) continue;
    char field[128];
    snprintf(field, sizeof field, "%s%s%.64s", path, path[0] ? "." : "", key);
    return config_fail(reader, field, "not supported by minos");
  }
  return true;
}

/* The first problem json_parse reports (a syntax error, a duplicate key). */
static void note_json_problem(void *context, const char *path, json_position at,
                              const char *message) {
  config_reader *reader = context;
  if (reader->error[0]) return;
  snprintf(reader->error, reader->error_size, "config.json:%u:%u: %s%s%s", at.line, at.column,
           path, path[0] ? ": " : "", message);
}

static oci_grant *new_grant(oci_bundle *bundle, const char *guest) {
  oci_grant *grown = realloc(bundle->grants, sizeof *grown * (bundle->grant_count + 1));
  if (!grown) return NULL;
  bundle->grants = grown;
  oci_grant *added = &grown[bundle->grant_count];
  *added = (oci_grant){.guest = strdup(guest)};
  if (!added->guest) return NULL;
  bundle->grant_count++;
  return added;
}

static bool add_grant(void *context, const char *host, const char *guest, bool read_only) {
  oci_grant *added = new_grant(context, guest);
  if (!added) return false;
  added->read_only = read_only;
  return (added->host = strdup(host)) != NULL;
}

static bool add_tmpfs(void *context, const char *guest, const char *data, unsigned long flags) {
  oci_grant *added = new_grant(context, guest);
  if (!added) return false;
  added->read_only = flags & MS_RDONLY;
  added->tmpfs_flags = flags;
  return (added->tmpfs_data = strdup(data)) != NULL;
}

/* A root directory a mount takes the place of is left out (grants do
 * not nest): the mount is what the container expects to find there. */
static bool add_root_grant(void *context, const char *host, const char *guest, bool read_only) {
  oci_bundle *bundle = context;
  for (size_t i = 0; i < bundle->grant_count; i++) {
    const char *destination = bundle->grants[i].guest;
    if (oci_path_shadowed(guest, &destination, 1)) return true;
  }
  return add_grant(context, host, guest, read_only);
}

/* "root": path (relative to the bundle) resolved, and readonly. */
static bool read_root(config_reader *reader, const json_value *config, const char *bundle_dir,
                      char **rootfs, bool *read_only) {
  const json_value *root, *path, *readonly;
  const char *text;
  if (!config_required(reader, config, "root", JSON_OBJECT, "root", &root) ||
      !oci_known_members(reader, root, "root", root_keys, 2) ||
      !config_required(reader, root, "path", JSON_STRING, "root.path", &path) ||
      !config_string(reader, path, "root.path", OCI_PATH_MAX, &text) ||
      !config_member(reader, root, "readonly", JSON_BOOLEAN, "root.readonly", &readonly))
    return false;
  *read_only = readonly && readonly->boolean;
  char joined[2 * OCI_PATH_MAX + 2];
  snprintf(joined, sizeof joined, "%s/%s", text[0] == '/' ? "" : bundle_dir, text);
  *rootfs = realpath(joined, NULL);
  struct stat info;
  if (!*rootfs || stat(*rootfs, &info) != 0)
    return config_fail(reader, "root.path", "%s: %s", text, strerror(errno));
  if (!S_ISDIR(info.st_mode)) return config_fail(reader, "root.path", "%s is not a directory", text);
  if (strstr(*rootfs, "::"))
    return config_fail(reader, "root.path", "'%s' holds '::', which minos cannot pass on", text);
  return true;
}

static bool read_version(config_reader *reader, const json_value *config) {
  const json_value *version, *hooks;
  const char *text;
  if (!config_required(reader, config, "ociVersion", JSON_STRING, "ociVersion", &version) ||
      !config_string(reader, version, "ociVersion", 64, &text))
    return false;
  if (strncmp(text, "1.", 2) != 0)
    return config_fail(reader, "ociVersion", "'%s': minos reads version 1 of the specification",
                       text);
  if (!config_member(reader, config, "hooks", JSON_OBJECT, "hooks", &hooks)) return false;
  if (hooks && hooks->object.count > 0)
    return config_fail(reader, "hooks", "hooks are not supported (minos runs no host program)");
  return true;
}

static bool keep_program(config_reader *reader, const char *program, oci_bundle *bundle) {
  bundle->program = strdup(program);
  return bundle->program || config_fail(reader, "process.args[0]", "out of memory");
}

/* The parts in order: what the root holds (the code) is known before the
 * annotations that must agree with it. */
static bool read_config(config_reader *reader, const json_value *config, const char *bundle_dir,
                        oci_bundle *bundle) {
  const json_value *process, *mounts, *annotations, *linux_part;
  const char *program, *search_path;
  char *rootfs = NULL;
  bool read_only = false, is_wasm = false;
  bool fine =
      oci_known_members(reader, config, "", top_keys, sizeof top_keys / sizeof top_keys[0]) &&
      read_version(reader, config) &&
      config_required(reader, config, "process", JSON_OBJECT, "process", &process) &&
      oci_read_process(reader, process, bundle, &program, &search_path) &&
      read_root(reader, config, bundle_dir, &rootfs, &read_only) &&
      oci_find_code(reader, rootfs, program, search_path, &bundle->code_path, &is_wasm) &&
      keep_program(reader, program, bundle) &&
      config_member(reader, config, "mounts", JSON_ARRAY, "mounts", &mounts) &&
      oci_mount_grants(reader, mounts, add_grant, add_tmpfs, bundle) &&
      oci_root_grants(reader, rootfs, read_only, add_root_grant, bundle) &&
      config_member(reader, config, "linux", JSON_OBJECT, "linux", &linux_part) &&
      oci_read_linux(reader, linux_part, bundle) &&
      config_member(reader, config, "annotations", JSON_OBJECT, "annotations", &annotations) &&
      oci_read_annotations(reader, annotations, bundle, is_wasm);
  free(rootfs);
  return fine;
}

bool oci_bundle_parse(const char *bundle_dir, const char *text, size_t length, oci_bundle *out,
                      char *error, size_t error_size) {
  config_reader reader = {error, error_size};
  *out = (oci_bundle){0};
  error[0] = '\0';
  json_value *config = json_parse(text, length, note_json_problem, &reader);
  bool fine = config && !error[0];
  if (fine && config->type != JSON_OBJECT)
    fine = config_fail(&reader, "(top)", "must be an object, not %s", json_type_name(config->type));
  if (fine) fine = read_config(&reader, config, bundle_dir, out);
  json_free(config);
  if (!fine) oci_bundle_free(out);
  return fine;
}

/* The whole file, at most OCI_CONFIG_MAX_BYTES; NULL with the error set. */
static char *read_config_file(const char *path, size_t *length, char *error, size_t error_size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  struct stat info;
  char *text = NULL;
  if (fd < 0 || fstat(fd, &info) != 0)
    snprintf(error, error_size, "%s: %s", path, strerror(errno));
  else if (!S_ISREG(info.st_mode))
    snprintf(error, error_size, "%s: not a regular file", path);
  else if ((size_t)info.st_size > OCI_CONFIG_MAX_BYTES)
    snprintf(error, error_size, "%s: %lld bytes, more than the %zu allowed", path,
             (long long)info.st_size, OCI_CONFIG_MAX_BYTES);
  else if (!(text = malloc((size_t)info.st_size + 1)))
    snprintf(error, error_size, "%s: out of memory", path);
  *length = 0;
  while (text && *length < (size_t)info.st_size) {
    ssize_t got = read(fd, text + *length, (size_t)info.st_size - *length);
    if (got <= 0) break;
    *length += (size_t)got;
  }
  if (fd >= 0) close(fd);
  return text;
}

bool oci_bundle_load(const char *bundle_dir, oci_bundle *out, char *error, size_t error_size) {
  char path[OCI_PATH_MAX + 16];
  size_t length;
  *out = (oci_bundle){0};
  if ((size_t)snprintf(path, sizeof path, "%s/config.json", bundle_dir) >= sizeof path) {
    snprintf(error, error_size, "the bundle's path is too long");
    return false;
  }
  char *text = read_config_file(path, &length, error, error_size);
  if (!text) return false;
  bool fine = oci_bundle_parse(bundle_dir, text, length, out, error, error_size);
  free(text);
  return fine;
}

static void free_strings(char **strings, size_t count) {
  for (size_t i = 0; strings && i < count; i++) free(strings[i]);
  free(strings);
}

void oci_annotations_free(oci_annotation *annotations, size_t count) {
  for (size_t i = 0; annotations && i < count; i++) {
    free(annotations[i].key);
    free(annotations[i].value);
  }
  free(annotations);
}

void oci_bundle_free(oci_bundle *bundle) {
  free(bundle->program);
  free(bundle->code_path);
  free_strings(bundle->args, bundle->arg_count);
  free_strings(bundle->env, bundle->env_count);
  for (size_t i = 0; i < bundle->grant_count; i++) {
    free(bundle->grants[i].host);
    free(bundle->grants[i].guest);
    free(bundle->grants[i].tmpfs_data);
  }
  free(bundle->grants);
  free(bundle->rlimits);
  oci_annotations_free(bundle->annotations, bundle->annotation_count);
  free(bundle->max_cpu);
  free(bundle->timeout);
  free_strings(bundle->connect_rules, bundle->connect_rule_count);
  free_strings(bundle->listen_rules, bundle->listen_rule_count);
  free(bundle->network_path);
  *bundle = (oci_bundle){0};
}
