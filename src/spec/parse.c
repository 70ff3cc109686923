/* SPDX-License-Identifier: Apache-2.0 */
/* The first pass: the top level of a spec and its channels, read from the
 * JSON tree into the spec. Cells are read by cell.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec_private.h"

/* "$schema" lets editors find the schema; minos does not read it. */
static const char *const document_keys[] = {"$schema",    "name",    "on_give_up", "grace",
                                            "log",        "log_limits", "metrics", "cells",
                                            "channels",   "groups"};
static const char *const channel_keys[] = {"name", "from", "to", "capacity",
                                           "on_writer_restart"};
static const char *const writer_restart_names[] = {"continue", "reset"};
static const char *const give_up_names[] = {"stop", "continue"};

#define CHANNEL_CAPACITY_MAX ((uint64_t)64 << 20)

static void read_cells(spec_loader *loader, const json_value *root) {
  spec *system = loader->spec;
  const json_value *cells = json_object_get(root, "cells");
  if (!cells) {
    spec_problem_add(loader->problems, "", spec_at(root),
                     "missing \"cells\": a system needs at least one cell");
    return;
  }
  if (!spec_expect(loader, cells, "cells", JSON_OBJECT)) return;
  if (cells->object.count == 0) {
    spec_problem_add(loader->problems, "cells", spec_at(cells),
                     "must have at least one cell");
    return;
  }
  system->cells = calloc(cells->object.count, sizeof *system->cells);
  loader->cells = calloc(cells->object.count, sizeof *loader->cells);
  if (!system->cells || !loader->cells) return;
  system->cell_count = cells->object.count;
  for (size_t i = 0; i < cells->object.count; i++)
    spec_read_cell(loader, &cells->object.members[i], &system->cells[i], &loader->cells[i]);
}

static void read_endpoint(spec_loader *loader, const json_value *object, const char *path,
                          const char *key, spec_endpoint *endpoint) {
  char endpoint_path[SPEC_PATH_SIZE];
  spec_path_key(endpoint_path, path, key);
  const json_value *value = json_object_get(object, key);
  endpoint->cell = SIZE_MAX; /* until wiring.c resolves it */
  if (!value) {
    spec_problem_add(loader->problems, path, spec_at(object),
                     "missing \"%s\": the %s side, as CELL.SLOT (kv.stdin, client.stdout...)", key,
                     strcmp(key, "from") == 0 ? "writing" : "reading");
    return;
  }
  endpoint->at = spec_at(value);
  spec_read_string(loader, value, endpoint_path, &endpoint->text);
}

static void read_channel(spec_loader *loader, const json_value *object, const char *path,
                         spec_channel *channel, channel_notes *notes) {
  notes->object = object;
  channel->at = spec_at(object);
  if (!spec_check_keys(loader, object, path, channel_keys, COUNT_OF(channel_keys))) return;
  read_endpoint(loader, object, path, "from", &channel->from);
  read_endpoint(loader, object, path, "to", &channel->to);
  char member_path[SPEC_PATH_SIZE];
  const json_value *value = json_object_get(object, "name");
  spec_path_key(member_path, path, "name");
  if (value && spec_read_string(loader, value, member_path, &channel->name)) notes->name = value;
  if (!channel->name) {
    const char *from = channel->from.text ? channel->from.text : "?";
    const char *to = channel->to.text ? channel->to.text : "?";
    size_t length = strlen(from) + strlen(to) + 3;
    channel->name = malloc(length);
    if (channel->name) snprintf(channel->name, length, "%s->%s", from, to);
  }
  uint64_t capacity;
  value = json_object_get(object, "capacity");
  spec_path_key(member_path, path, "capacity");
  if (value && spec_read_size(loader, value, member_path, 1, CHANNEL_CAPACITY_MAX, &capacity))
    channel->capacity = (uint32_t)capacity;
  int on_restart;
  value = json_object_get(object, "on_writer_restart");
  spec_path_key(member_path, path, "on_writer_restart");
  if (value && spec_read_choice(loader, value, member_path, writer_restart_names,
                                COUNT_OF(writer_restart_names), &on_restart))
    channel->reset_reader = on_restart == 1;
}

static void read_channels(spec_loader *loader, const json_value *channels) {
  spec *system = loader->spec;
  if (!channels || !spec_expect(loader, channels, "channels", JSON_ARRAY)) return;
  if (channels->array.count == 0) return;
  system->channels = calloc(channels->array.count, sizeof *system->channels);
  loader->channels = calloc(channels->array.count, sizeof *loader->channels);
  if (!system->channels || !loader->channels) return;
  system->channel_count = channels->array.count;
  for (size_t i = 0; i < channels->array.count; i++) {
    char path[SPEC_PATH_SIZE];
    spec_path_index(path, "channels", i);
    read_channel(loader, channels->array.items[i], path, &system->channels[i],
                 &loader->channels[i]);
  }
}

void spec_read_document(spec_loader *loader, const json_value *root) {
  spec *system = loader->spec;
  if (root->type != JSON_OBJECT) {
    spec_problem_add(loader->problems, "", spec_at(root), "a spec must be a JSON object, not %s",
                     json_type_name(root->type));
    return;
  }
  spec_check_keys(loader, root, "", document_keys, COUNT_OF(document_keys));
  const json_value *value = json_object_get(root, "$schema");
  if (value) spec_expect(loader, value, "$schema", JSON_STRING);
  char *name;
  value = json_object_get(root, "name");
  if (value && spec_read_string(loader, value, "name", &name)) {
    free(system->name);
    system->name = name;
  }
  int give_up;
  value = json_object_get(root, "on_give_up");
  if (value && spec_read_choice(loader, value, "on_give_up", give_up_names,
                                COUNT_OF(give_up_names), &give_up))
    system->on_give_up = (spec_give_up)give_up;
  value = json_object_get(root, "grace");
  if (value) spec_read_duration(loader, value, "grace", 0, &system->grace_ns);
  char *log_path;
  value = json_object_get(root, "log");
  if (value && spec_read_string(loader, value, "log", &log_path)) {
    system->log_path = spec_resolve_path(system, log_path);
    free(log_path);
  }
  value = json_object_get(root, "log_limits");
  if (value) spec_read_log_limits(loader, value, "log_limits", &system->log_limits);
  value = json_object_get(root, "metrics");
  char *metrics;
  if (value && spec_read_string(loader, value, "metrics", &metrics)) {
    if (spec_metrics_address_valid(metrics)) system->metrics = metrics;
    else {
      spec_problem_add(loader->problems, "metrics", spec_at(value),
                       "not an address to serve metrics at: \"HOST:PORT\", HOST an IP address "
                       "or localhost, PORT 1 to 65535 (\"127.0.0.1:9464\", \"[::1]:9464\", "
                       "\"0.0.0.0:9464\")");
      free(metrics);
    }
  }
  read_cells(loader, root);
  read_channels(loader, json_object_get(root, "channels"));
}
