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
 * A tmpfs elsewhere (containerd's /run, podman's --tmpfs) becomes a
 * directory grant of a tmpfs of the container's own, mounted by `create`
 * with the options given (size, inodes, mode, nosuid...: an option it
 * cannot honour is refused) and unmounted by `delete`. Any other mount
 * (an overlay, a volume driver's...) is refused, naming it: the program
 * would expect a file system minos does not give. */
#include "oci/mounts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
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

/* Flags a tmpfs option sets; none for the ones that name a default or
 * a propagation (a tmpfs of the container's own propagates nowhere). */
static const struct {
  const char *name;
  unsigned long flags;
} tmpfs_flags[] = {
    {"nosuid", MS_NOSUID},   {"nodev", MS_NODEV},       {"noexec", MS_NOEXEC},
    {"ro", MS_RDONLY},       {"rw", 0},                 {"suid", 0},
    {"dev", 0},              {"exec", 0},               {"strictatime", MS_STRICTATIME},
    {"relatime", MS_RELATIME}, {"noatime", MS_NOATIME}, {"nodiratime", MS_NODIRATIME},
    {"private", 0},          {"rprivate", 0},           {"slave", 0},
    {"rslave", 0},           {"shared", 0},             {"rshared", 0},
    {"unbindable", 0},       {"runbindable", 0},        {"tmpcopyup", 0},
};

/* "size=64m", "nr_inodes=1k" (digits and one k, m or g; size also %),
 * "mode=1777" (octal): passed on to the kernel once checked. */
static bool tmpfs_value_valid(const char *option) {
  const char *value = strchr(option, '=') + 1;
  size_t digits = strspn(value, strncmp(option, "mode=", 5) == 0 ? "01234567" : "0123456789");
  if (digits == 0 || digits > 20) return false;
  const char *suffix = value + digits;
  if (strncmp(option, "mode=", 5) == 0) return *suffix == '\0' && digits <= 4;
  if (*suffix == '\0') return true;
  bool percent = strncmp(option, "size=", 5) == 0 && *suffix == '%';
  return (percent || strchr("kKmMgG", *suffix)) && suffix[1] == '\0';
}

/* One tmpfs option, into *flags or data ("size=...,mode=..."). */
static bool read_tmpfs_option(config_reader *reader, const char *option, const char *field,
                              unsigned long *flags, char *data, size_t data_size) {
  for (size_t i = 0; i < sizeof tmpfs_flags / sizeof tmpfs_flags[0]; i++)
    if (strcmp(option, tmpfs_flags[i].name) == 0) {
      *flags |= tmpfs_flags[i].flags;
      return true;
    }
  bool valued = strncmp(option, "size=", 5) == 0 || strncmp(option, "nr_inodes=", 10) == 0 ||
                strncmp(option, "mode=", 5) == 0;
  if (!valued || !tmpfs_value_valid(option))
    return config_fail(reader, field, "'%s' is not supported for a tmpfs (size=, nr_inodes=, "
                       "mode= and the mount flags are)", option);
  size_t used = strlen(data);
  if ((size_t)snprintf(data + used, data_size - used, "%s%s", used ? "," : "", option) >=
      data_size - used)
    return config_fail(reader, field, "too many options");
  return true;
}

/* A tmpfs: its options checked, then a grant made at create. */
static bool map_tmpfs(config_reader *reader, const char *field, const char *destination,
                      const json_value *options, oci_tmpfs_adder add_tmpfs, void *context) {
  char part[64], data[256] = "";
  unsigned long flags = 0;
  snprintf(part, sizeof part, "%s.options", field);
  for (size_t i = 0; options && i < options->array.count; i++) {
    const char *option;
    if (!config_string(reader, options->array.items[i], part, 64, &option) ||
        !read_tmpfs_option(reader, option, part, &flags, data, sizeof data))
      return false;
  }
  if (!add_tmpfs(context, destination, data, flags))
    return config_fail(reader, field, "out of memory");
  return true;
}

/* mounts[index]. */
static bool map_mount(config_reader *reader, const json_value *mount, size_t index,
                      oci_grant_adder add, oci_tmpfs_adder add_tmpfs, void *context) {
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
  if (!is_bind(type, options) && type && strcmp(type, "tmpfs") == 0)
    return map_tmpfs(reader, field, destination, options, add_tmpfs, context);
  if (!is_bind(type, options))
    return config_fail(reader, field,
                       "a %s mount at %s is not supported: only bind and tmpfs mounts become "
                       "grants", type ? type : "typeless", destination);
  return map_bind(reader, mount, field, destination, options, add, context);
}

bool oci_mount_grants(config_reader *reader, const json_value *mounts, oci_grant_adder add,
                      oci_tmpfs_adder add_tmpfs, void *context) {
  if (!mounts) return true;
  if (!config_array_bounded(reader, mounts, "mounts")) return false;
  for (size_t i = 0; i < mounts->array.count; i++)
    if (!map_mount(reader, mounts->array.items[i], i, add, add_tmpfs, context)) return false;
  return true;
}

bool oci_path_shadowed(const char *top, const char *const *destinations, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (at_or_beneath(destinations[i], top)) return true;
  return false;
}
