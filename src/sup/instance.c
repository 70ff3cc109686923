/* SPDX-License-Identifier: Apache-2.0 */
/* One instance of a spec cell: its configuration from the spec, its
 * stdio, its named ends, and its start on a worker. */
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "sup/supervisor_private.h"

void instance_name(const supervised_cell *cell_spec, uint64_t number, char *name, size_t size) {
  snprintf(name, size, "%s#%llu", cell_spec->spec->name, (unsigned long long)number);
}

channel_end *instance_own_stdio(supervised_cell *cell_spec, int slot, const char *name) {
  channel_end *write_end, *read_end;
  if (channel_create(0, &write_end, &read_end) != MINOS_OK) return NULL;
  if (slot == 0) { /* nothing to read: the stream is over before it starts */
    channel_end_close(write_end);
    return read_end;
  }
  bool discard = cell_spec->spec->stdio[slot] == STDIO_NULL;
  const char *stream = slot == 1 ? "stdout" : "stderr";
  size_t index = (size_t)(cell_spec->spec - cell_spec->owner->spec->cells);
  if (output_log_follow(cell_spec->owner->output, read_end, index, name, stream, discard) !=
      MINOS_OK) {
    channel_end_close(write_end);
    return NULL;
  }
  return write_end;
}

static cell_grant *copy_grants(const spec_cell *source) {
  cell_grant *grants = calloc(source->grants.dir_count + 1, sizeof *grants);
  for (size_t i = 0; grants && i < source->grants.dir_count; i++)
    grants[i] = (cell_grant){source->grants.dirs[i].host_path, source->grants.dirs[i].guest_path,
                             source->grants.dirs[i].read_only};
  return grants;
}

/* Named ends take the numbers after stdio and the granted directories, in
 * spec order, which is what MINOS_END_<NAME> promised the cell. */
static minos_status install_named_ends(supervised_cell *cell_spec, cell *created) {
  uint32_t expected = 3 + (uint32_t)cell_spec->spec->grants.dir_count;
  for (size_t i = 3; i < cell_spec->kept_count; i++, expected++) {
    kept_end_mark_lent(cell_spec, i, true);
    int32_t number = created->arch->install_end(created, cell_spec->kept[i].end);
    if (number < 0) kept_end_mark_lent(cell_spec, i, false); /* it stayed ours */
    if (number != (int32_t)expected) {
      if (number >= 0) log_error("%s: end %zu landed on %d, not %u", created->name, i - 3, number,
                                 expected);
      return number < 0 ? (minos_status)-number : MINOS_EIO;
    }
  }
  return MINOS_OK;
}

minos_status instance_create(supervised_cell *cell_spec, const char *name, cell **out) {
  char error[512];
  return instance_create_from(cell_spec, &cell_spec->code, name, out, error, sizeof error);
}

minos_status instance_create_from(supervised_cell *cell_spec, const cell_code *code,
                                  const char *name, cell **out, char *error,
                                  size_t error_size) {
  const spec_cell *source = cell_spec->spec;
  cell_grant *grants = copy_grants(source);
  if (!grants) return MINOS_ENOMEM;
  cell_config config = {
      .name = name,
      .args = (const char *const *)source->args,
      .arg_count = source->arg_count,
      .env = (const char *const *)cell_spec->env,
      .env_count = cell_spec->env_count,
      .grants = grants,
      .grant_count = source->grants.dir_count,
      .memory_limit_bytes = source->limits.memory_bytes,
      .cpu_time_ns = source->limits.cpu_time_ns,
      .descriptor_limit = source->limits.descriptors,
      .parent_account = cell_spec->owner->workers.root,
      .host_fds = cell_spec->owner->workers.cell_host_fds,
      .max_cells = source->grants.spawn_max_cells,
      .connect_rules = source->grants.connect,
      .connect_rule_count = source->grants.connect_count,
      .listen_rules = source->grants.listen,
      .listen_rule_count = source->grants.listen_count,
      .denied_grants = spec_denied_grants(&source->grants),
      .wait_for_start = true,
  };
  error[0] = '\0';
  minos_status status = code_create_cell(code, &config, out, error, error_size);
  free(grants); /* the cell opened the directories and copied the names */
  if (status != MINOS_OK && !error[0])
    snprintf(error, error_size, "%s", minos_status_name(status));
  if (status != MINOS_OK) log_error("%s: cannot create the cell: %s", name, error);
  return status;
}

/* Stdio takes 0, 1 and 2, the lowest free numbers (the granted
 * directories sit above them). */
static minos_status install_stdio(cell *created, channel_end *stdio[3]) {
  minos_status status = MINOS_OK;
  for (int slot = 0; slot < 3; slot++) {
    if (status != MINOS_OK) {
      channel_end_close(stdio[slot]);
      continue;
    }
    int32_t number = created->arch->install_end(created, stdio[slot]);
    if (number < 0) {
      status = (minos_status)-number;
      channel_end_close(stdio[slot]); /* still ours */
    } else if (number != slot) {
      status = MINOS_EIO; /* the cell holds it: disowning the cell gives it back */
    }
  }
  return status;
}

minos_status instance_give_ends(supervised_cell *cell_spec, cell *created, channel_end *stdio[3]) {
  minos_status status = install_stdio(created, stdio);
  if (status == MINOS_OK) status = install_named_ends(cell_spec, created);
  if (status == MINOS_OK) status = readiness_prepare(cell_spec, created);
  if (status != MINOS_OK) {
    log_error("%s: cannot give the cell its ends: %s", created->name, minos_status_name(status));
    return status;
  }
  cell_let_start(created);
  return MINOS_OK;
}

minos_status instance_place(supervised_cell *cell_spec, cell *created, const cell *near) {
  minos_status status = runtime_place(&cell_spec->owner->workers, created,
                                      near ? PLACE_SAME_WORKER : PLACE_ANY, near);
  if (status != MINOS_OK) {
    log_error("%s: cannot start the cell: %s", created->name, minos_status_name(status));
    cell_disown(created);
  }
  return status;
}
