/* SPDX-License-Identifier: Apache-2.0 */
/* config.json's "linux". A cell is isolated by minos, whatever the
 * engine asked, so these are accepted without effect: "namespaces" but
 * the network one, "uidMappings", "gidMappings" (a native cell has new
 * namespaces of every kind, a wasm cell needs none), "seccomp" (a native cell has minos's filter; a wasm
 * cell makes no system call), "devices" (a cell has /dev/null, /dev/zero
 * and /dev/urandom only), "maskedPaths", "readonlyPaths" (under /proc and
 * /sys, which cells do not see), "sysctl" (of the engine's namespaces),
 * "cgroupsPath" (minos bounds the cell itself; the process stays in the
 * cgroup its engine started minos in), "mountLabel", "rootfsPropagation".
 * Of "resources": memory.limit is the cell's memory limit; memory.swap
 * and memory.reservation need nothing (a cell's memory is bounded whole);
 * pids.limit is above what a cell may have (one process for a wasm cell,
 * 64 for a native one) and devices is the rule list behind "devices".
 * cpu.shares is accepted without effect: a weight under contention, not
 * a bound, which Kubernetes sets on every container (2 for BestEffort);
 * a CPU quota, period or set is refused: minos bounds CPU time
 * (annotation run.minos/max-cpu), not a rate. Any other member is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/bundle_parts.h"

static const char *const linux_keys[] = {
    "namespaces", "uidMappings", "gidMappings", "devices", "seccomp", "maskedPaths",
    "readonlyPaths", "sysctl", "cgroupsPath", "mountLabel", "rootfsPropagation", "resources"};
static const char *const resource_keys[] = {"memory", "pids", "devices", "cpu"};
static const char *const memory_keys[] = {"limit", "swap", "reservation"};

/* The least memory a cell can have: one wasm page. */
#define MEMORY_LEAST 65536
/* The most minos run takes (--max-memory). */
#define MEMORY_MOST ((uint64_t)1 << 40)

static bool read_memory(config_reader *reader, const json_value *resources, oci_bundle *bundle) {
  const json_value *memory, *limit;
  const char *field = "linux.resources.memory.limit";
  if (!config_member(reader, resources, "memory", JSON_OBJECT, "linux.resources.memory",
                     &memory) ||
      (memory && !oci_known_members(reader, memory, "linux.resources.memory", memory_keys,
                                    sizeof memory_keys / sizeof memory_keys[0])) ||
      !config_member(reader, memory, "limit", JSON_NUMBER, field, &limit))
    return false;
  if (!limit) return true;
  if (limit->number.is_integer && limit->number.integer == -1) return true; /* unlimited */
  if (!config_count(reader, limit, field, &bundle->memory_limit)) return false;
  if (bundle->memory_limit < MEMORY_LEAST || bundle->memory_limit > MEMORY_MOST)
    return config_fail(reader, field, "%llu bytes: a cell's memory limit is from 64 KiB to 1 TiB",
                       (unsigned long long)bundle->memory_limit);
  return true;
}

/* Whether a CPU member asks for something: a number above 0 or a set. */
static bool asks_for_cpu(const json_value *value) {
  if (value->type == JSON_NUMBER) return !(value->number.is_integer && value->number.integer == 0);
  if (value->type == JSON_STRING) return value->string.length > 0;
  return value->type != JSON_NULL;
}

static bool read_cpu(config_reader *reader, const json_value *resources) {
  const json_value *cpu;
  if (!config_member(reader, resources, "cpu", JSON_OBJECT, "linux.resources.cpu", &cpu))
    return false;
  for (size_t i = 0; cpu && i < cpu->object.count; i++)
    if (strcmp(cpu->object.members[i].key, "shares") != 0 &&
        asks_for_cpu(cpu->object.members[i].value)) {
      char field[96];
      snprintf(field, sizeof field, "linux.resources.cpu.%.48s", cpu->object.members[i].key);
      return config_fail(reader, field, "a CPU quota or set is not supported (minos bounds "
                         "CPU time: annotation run.minos/max-cpu)");
    }
  return true;
}

static const char *const namespace_types[] = {"pid", "network", "mount", "ipc",
                                              "uts", "user",    "cgroup", "time"};

/* linux.namespaces[index]: its type known; the network one kept. */
static bool read_namespace(config_reader *reader, const json_value *item, size_t index,
                           oci_bundle *bundle) {
  char field[48], part[64];
  const json_value *type, *path;
  const char *name, *text;
  snprintf(field, sizeof field, "linux.namespaces[%zu]", index);
  if (item->type != JSON_OBJECT) return config_fail(reader, field, "must be an object");
  snprintf(part, sizeof part, "%s.type", field);
  if (!config_required(reader, item, "type", JSON_STRING, part, &type) ||
      !config_string(reader, type, part, 16, &name))
    return false;
  bool known = false;
  for (size_t i = 0; i < sizeof namespace_types / sizeof namespace_types[0]; i++)
    known |= strcmp(name, namespace_types[i]) == 0;
  if (!known) return config_fail(reader, part, "unknown namespace type '%s'", name);
  snprintf(part, sizeof part, "%s.path", field);
  if (!config_member(reader, item, "path", JSON_STRING, part, &path)) return false;
  if (strcmp(name, "network") != 0) return true;
  if (!path) return bundle->new_network = true;
  if (!config_absolute_path(reader, path, part, &text)) return false;
  free(bundle->network_path);
  if (!(bundle->network_path = strdup(text))) return config_fail(reader, part, "out of memory");
  return true;
}

static bool read_namespaces(config_reader *reader, const json_value *linux_part,
                            oci_bundle *bundle) {
  const json_value *namespaces;
  if (!config_member(reader, linux_part, "namespaces", JSON_ARRAY, "linux.namespaces",
                     &namespaces))
    return false;
  if (!namespaces) return true;
  if (!config_array_bounded(reader, namespaces, "linux.namespaces")) return false;
  for (size_t i = 0; i < namespaces->array.count; i++)
    if (!read_namespace(reader, namespaces->array.items[i], i, bundle)) return false;
  return true;
}

bool oci_read_linux(config_reader *reader, const json_value *linux_part, oci_bundle *bundle) {
  const json_value *resources;
  if (!linux_part) return true;
  return oci_known_members(reader, linux_part, "linux", linux_keys,
                           sizeof linux_keys / sizeof linux_keys[0]) &&
         read_namespaces(reader, linux_part, bundle) &&
         config_member(reader, linux_part, "resources", JSON_OBJECT, "linux.resources",
                       &resources) &&
         (!resources || (oci_known_members(reader, resources, "linux.resources", resource_keys,
                                           sizeof resource_keys / sizeof resource_keys[0]) &&
                         read_memory(reader, resources, bundle) && read_cpu(reader, resources)));
}
