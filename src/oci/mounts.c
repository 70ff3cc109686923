/* SPDX-License-Identifier: Apache-2.0 */
/* config.json's "mounts" as grants. A cell sees files only through
 * directory grants, so a bind mount of a directory becomes one (read-only
 * with the "ro" option). What engines add to every container is handled
 * without an error, each for its reason:
 * - anything at /proc, /dev or /sys, or beneath them (proc, devpts,
 *   mqueue, sysfs, cgroup, /dev/shm): a native cell has a /proc and a
 *   /dev of its own, made by minos, and no cell has a /sys; the engine's
 *   are not wanted there;
 * - a bind mount of a single file (podman's /etc/hosts, /etc/resolv.conf,
 *   /etc/hostname, /run/.containerenv): grants are directories, and these
 *   files describe a network and a host the cell does not have.
 * Any other mount (a tmpfs at /tmp, an overlay...) is refused, naming it:
 * the program would expect a file system minos does not give. */
#include "oci/mounts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Whether path is `top` or beneath it. */
static bool at_or_beneath(const char *path, const char *top) {
  size_t length = strlen(top);
  return strncmp(path, top, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

static bool is_cells_own(const char *destination) {
  return at_or_beneath(destination, "/proc") || at_or_beneath(destination, "/dev") ||
         at_or_beneath(destination, "/sys");
}

/* A bind mount: of type "bind", or with a "bind" or "rbind" option (as
 * runc reads it; podman writes both). */
static bool is_bind(const char *type, const json_value *options) {
  return (type && strcmp(type, "bind") == 0) || config_array_has(options, "bind") ||
         config_array_has(options, "rbind");
}

/* One bind mount: a directory becomes a grant, a file is left out. */
static bool map_bind(config_reader *reader, const json_value *mount, const char *field,
                     const char *destination, const json_value *options, oci_grant_adder add,
                     void *context) {
  const json_value *value;
  const char *source;
  char source_field[64];
  snprintf(source_field, sizeof source_field, "%s.source", field);
  if (!config_required(reader, mount, "source", JSON_STRING, source_field, &value) ||
      !config_absolute_path(reader, value, source_field, &source))
    return false;
  struct stat info;
  if (stat(source, &info) != 0)
    return config_fail(reader, source_field, "%s: %s", source, strerror(errno));
  if (S_ISREG(info.st_mode)) return true; /* a file: see the top of this file */
  if (!S_ISDIR(info.st_mode))
    return config_fail(reader, source_field, "%s is neither a directory nor a file", source);
  bool read_only = config_array_has(options, "ro");
  if (!add(context, source, destination, read_only))
    return config_fail(reader, field, "out of memory");
  return true;
}

/* mounts[index]. */
static bool map_mount(config_reader *reader, const json_value *mount, size_t index,
                      oci_grant_adder add, void *context) {
  char field[32], part[64];
  snprintf(field, sizeof field, "mounts[%zu]", index);
  const json_value *value, *type_value, *options;
  const char *destination, *type = NULL;
  if (mount->type != JSON_OBJECT) return config_fail(reader, field, "must be an object");
  snprintf(part, sizeof part, "%s.destination", field);
  if (!config_required(reader, mount, "destination", JSON_STRING, part, &value) ||
      !config_absolute_path(reader, value, part, &destination))
    return false;
  snprintf(part, sizeof part, "%s.type", field);
  if (!config_member(reader, mount, "type", JSON_STRING, part, &type_value)) return false;
  if (type_value && !config_string(reader, type_value, part, 64, &type)) return false;
  snprintf(part, sizeof part, "%s.options", field);
  if (!config_member(reader, mount, "options", JSON_ARRAY, part, &options) ||
      (options && !config_array_bounded(reader, options, part)))
    return false;
  if (is_cells_own(destination)) return true;
  if (strcmp(destination, "/") == 0)
    return config_fail(reader, field, "a mount at / is not supported (root.path is the root)");
  if (!is_bind(type, options))
    return config_fail(reader, field,
                       "a %s mount at %s is not supported: only bind mounts become grants",
                       type ? type : "typeless", destination);
  return map_bind(reader, mount, field, destination, options, add, context);
}

bool oci_mount_grants(config_reader *reader, const json_value *mounts, oci_grant_adder add,
                      void *context) {
  if (!mounts) return true;
  if (!config_array_bounded(reader, mounts, "mounts")) return false;
  for (size_t i = 0; i < mounts->array.count; i++)
    if (!map_mount(reader, mounts->array.items[i], i, add, context)) return false;
  return true;
}

bool oci_path_shadowed(const char *top, const char *const *destinations, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (at_or_beneath(destinations[i], top)) return true;
  return false;
}
