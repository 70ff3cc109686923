/* SPDX-License-Identifier: Apache-2.0 */
#include "sup/supervisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sup/notify.h"
#include "sup/supervisor_private.h"

size_t supervisor_slot_index(const spec_endpoint *endpoint) {
  switch (endpoint->slot) {
  case SLOT_STDIN: return 0;
  case SLOT_STDOUT: return 1;
  case SLOT_STDERR: return 2;
  default: return 3 + endpoint->end;
  }
}

uint64_t supervisor_grace_of(const supervised_cell *item) {
  return item->spec->grace_ns ? item->spec->grace_ns : item->owner->spec->grace_ns;
}

channel_end *supervisor_channel_end(supervisor *owner, size_t index) {
  const spec_channel *wire = &owner->spec->channels[index];
  const spec_endpoint *sides[] = {&wire->from, &wire->to};
  for (size_t i = 0; i < 2; i++) {
    if (sides[i]->slot == SLOT_TRIGGER) continue;
    supervised_cell *item = &owner->cells[sides[i]->cell];
    size_t slot = supervisor_slot_index(sides[i]);
    if (slot < item->kept_count && item->kept[slot].end) return item->kept[slot].end;
  }
  return NULL;
}

/* MINOS_END_<NAME>=fd for each named end: its number is known before the
 * cell starts (instance.c installs the ends in this order). */
static bool build_env(supervised_cell *item) {
  const spec_cell *source = item->spec;
  item->env = calloc(source->env_count + source->end_count + 2, sizeof *item->env);
  if (!item->env) return false;
  for (size_t i = 0; i < source->env_count; i++) item->env[item->env_count++] = strdup(source->env[i]);
  for (size_t i = 0; i < source->end_count; i++) {
    char variable[128];
    int length = snprintf(variable, sizeof variable, "MINOS_END_");
    for (const char *c = source->ends[i].name; *c && length < 100; c++)
      variable[length++] = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    snprintf(variable + length, sizeof variable - (size_t)length, "=%zu",
             3 + source->grants.dir_count + i);
    item->env[item->env_count++] = strdup(variable);
  }
  if (source->ready == READY_NOTIFY) {
    char variable[64];
    snprintf(variable, sizeof variable, "MINOS_READY_FD=%zu",
             3 + source->grants.dir_count + source->end_count);
    item->env[item->env_count++] = strdup(variable);
  }
  for (size_t i = 0; i < item->env_count; i++)
    if (!item->env[i]) return false;
  return true;
}

static minos_status load_cell(supervisor *owner, size_t index, char *error, size_t error_size) {
  supervised_cell *item = &owner->cells[index];
  const spec_cell *source = &owner->spec->cells[index];
  item->owner = owner;
  item->spec = source;
  item->kept_count = 3 + source->end_count;
  item->kept = calloc(item->kept_count, sizeof *item->kept);
  if (!item->kept || !build_env(item)) {
    snprintf(error, error_size, "out of memory");
    return MINOS_ENOMEM;
  }
  code_report report;
  minos_status status =
      code_prepare_file(source->code_path, source->limits.memory_bytes, &item->code, &report);
  if (status != MINOS_OK)
    snprintf(error, error_size, "cell %s: %s", source->name, report.error);
  else
    log_message(LOG_DEBUG, source->name, "%s: %s", source->code_path,
                report.cache_hit ? "cache hit" : "compiled");
  return status;
}

static minos_status keep_end(supervisor *owner, const spec_endpoint *endpoint, channel_end *end,
                             bool reset_reader, char *error, size_t error_size) {
  supervised_cell *item = &owner->cells[endpoint->cell];
  if (item->spec->trigger.kind != TRIGGER_NONE && endpoint->slot != SLOT_TRIGGER) {
    snprintf(error, error_size, "%s: wiring a trigger cell's own ends is not supported; "
             "its instances get only their event and the log", endpoint->text);
    return MINOS_EUSAGE;
  }
  kept_end *kept = &item->kept[supervisor_slot_index(endpoint)];
  kept->end = end;
  kept->output = end->writes;
  kept->reset_reader = reset_reader && end->writes;
  return MINOS_OK;
}

static minos_status wire_channels(supervisor *owner, char *error, size_t error_size) {
  const spec *system = owner->spec;
  for (size_t i = 0; i < system->channel_count; i++) {
    const spec_channel *wire = &system->channels[i];
    channel_end *write_end, *read_end;
    minos_status status = channel_create(wire->capacity, &write_end, &read_end);
    if (status != MINOS_OK) {
      snprintf(error, error_size, "channel %s: %s", wire->name, minos_status_name(status));
      return status;
    }
    /* Each end is the supervisor's until a cell keeps it. */
    owner->channel_write_ends[i] = write_end;
    owner->channel_read_ends[i] = read_end;
    status = keep_end(owner, &wire->from, write_end, wire->reset_reader, error, error_size);
    if (status != MINOS_OK) return status;
    owner->channel_write_ends[i] = NULL;
    if (wire->to.slot == SLOT_TRIGGER) continue; /* the trigger takes it */
    status = keep_end(owner, &wire->to, read_end, false, error, error_size);
    if (status != MINOS_OK) return status;
    owner->channel_read_ends[i] = NULL;
  }
  return MINOS_OK;
}

/* A service's stdio slot on the terminal is a kept end too, so its output
 * keeps going to the same bridge across restarts. */
static minos_status wire_terminal(supervisor *owner, supervised_cell *item, int slot,
                                  bool *stdin_taken, char *error, size_t error_size) {
  if (item->spec->stdio[slot] != STDIO_TERMINAL || item->kept[slot].end) return MINOS_OK;
  if (item->spec->trigger.kind != TRIGGER_NONE || (slot == 0 && *stdin_taken) ||
      owner->bridge_count == sizeof owner->bridges / sizeof owner->bridges[0]) {
    snprintf(error, error_size, "cell %s: cannot give its %s the terminal (%s)", item->spec->name,
             slot == 0 ? "stdin" : "output",
             item->spec->trigger.kind != TRIGGER_NONE ? "a trigger cell's instances log instead"
             : slot == 0 ? "another cell reads the terminal" : "too many terminal streams");
    return MINOS_EUSAGE;
  }
  channel_end *write_end, *read_end;
  minos_status status = channel_create(0, &write_end, &read_end);
  if (status != MINOS_OK) return status;
  bridge **made = &owner->bridges[owner->bridge_count];
  status = slot == 0 ? bridge_from_fd(0, write_end, false, made) : bridge_to_fd(read_end, slot, made);
  if (status != MINOS_OK) {
    channel_end_close(write_end);
    channel_end_close(read_end);
    snprintf(error, error_size, "cell %s: cannot bridge the terminal", item->spec->name);
    return status;
  }
  owner->bridge_count++;
  *stdin_taken |= slot == 0;
  item->kept[slot] = (kept_end){.end = slot == 0 ? read_end : write_end, .output = slot != 0};
  return MINOS_OK;
}

/* Each group knows its parent and each cell its group; members of a
 * group wait for it to start them. */
static minos_status link_groups(supervisor *owner) {
  const spec *system = owner->spec;
  owner->groups = calloc(system->group_count + 1, sizeof *owner->groups);
  if (!owner->groups) return MINOS_ENOMEM;
  for (size_t i = 0; i < system->group_count; i++)
    owner->groups[i] = (supervised_group){.owner = owner, .spec = &system->groups[i]};
  for (size_t i = 0; i < system->group_count; i++) {
    const spec_group *group = &system->groups[i];
    for (size_t position = 0; position < group->member_count; position++) {
      const spec_member *member = &group->members[position];
      if (member->is_group) {
        owner->groups[member->index].parent = &owner->groups[i];
        owner->groups[member->index].position = position;
      } else {
        supervised_cell *item = &owner->cells[member->index];
        item->group = &owner->groups[i];
        item->group_position = position;
        item->state = SERVICE_WAITING;
      }
    }
  }
  return MINOS_OK;
}

static minos_status prepare(supervisor *owner, char *error, size_t error_size) {
  const spec *system = owner->spec;
  minos_status status = output_log_start(&owner->output, system);
  if (status == MINOS_OK) status = runtime_init(&owner->workers, 0);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "cannot start the runtime: %s", minos_status_name(status));
    return status;
  }
  if (system->max_total_cells) runtime_set_max_cells(&owner->workers, system->max_total_cells);
  owner->workers_started = true;
  for (size_t i = 0; i < system->cell_count && status == MINOS_OK; i++)
    status = load_cell(owner, i, error, error_size);
  if (status == MINOS_OK) status = wire_channels(owner, error, error_size);
  if (status == MINOS_OK && link_groups(owner) != MINOS_OK) {
    snprintf(error, error_size, "out of memory");
    status = MINOS_ENOMEM;
  }
  bool stdin_taken = false;
  for (size_t i = 0; i < system->cell_count && status == MINOS_OK; i++)
    for (int slot = 0; slot < 3 && status == MINOS_OK; slot++)
      status = wire_terminal(owner, &owner->cells[i], slot, &stdin_taken, error, error_size);
  for (size_t i = 0; i < system->cell_count && status == MINOS_OK; i++) {
    supervised_cell *item = &owner->cells[i];
    kept_ends_init(item);
    if (item->spec->trigger.kind == TRIGGER_NONE) continue;
    long input = item->spec->trigger.kind == TRIGGER_CHANNEL
                     ? spec_find_channel(system, item->spec->trigger.channel) : -1;
    status = trigger_create(item, input >= 0 ? owner->channel_read_ends[input] : NULL, error,
                            error_size);
    if (input >= 0 && status == MINOS_OK) owner->channel_read_ends[input] = NULL;
  }
  return status;
}

minos_status supervisor_create(const spec *system, supervisor **out, char *error,
                               size_t error_size) {
  supervisor *owner = calloc(1, sizeof *owner);
  if (!owner) return MINOS_ENOMEM;
  owner->spec = system;
  waiter_init_host(&owner->wake);
  pthread_mutex_init(&owner->calls_lock, NULL);
  pthread_cond_init(&owner->calls_answered, NULL);
  owner->started_at = monotonic_ns();
  atomic_init(&owner->stop_requested, false);
  atomic_init(&owner->stop_now, false);
  owner->cells = calloc(system->cell_count, sizeof *owner->cells);
  owner->channel_write_ends = calloc(system->channel_count + 1, sizeof(channel_end *));
  owner->channel_read_ends = calloc(system->channel_count + 1, sizeof(channel_end *));
  minos_status status = owner->cells && owner->channel_write_ends && owner->channel_read_ends
                            ? prepare(owner, error, error_size)
                            : MINOS_ENOMEM;
  if (status != MINOS_OK) {
    if (status == MINOS_ENOMEM && !error[0]) snprintf(error, error_size, "out of memory");
    supervisor_free(owner);
    return status;
  }
  *out = owner;
  return MINOS_OK;
}

void supervisor_begin_stop(supervisor *owner) {
  if (owner->stopping) return;
  char grace[32];
  snprintf(grace, sizeof grace, "%llu ms", (unsigned long long)(owner->spec->grace_ns / 1000000));
  log_message(LOG_INFO, NULL, "stopping: cells' input ends now (a group's in reverse order); "
              "each cell still running after its grace (%s unless its own) is killed", grace);
  owner->stopping = true;
  notify_stopping();
}

/* The system's own members stop at once, each with its grace; a group
 * stops its members in reverse order. */
static void tell_to_stop(supervisor *owner, uint64_t now) {
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    supervised_cell *item = &owner->cells[i];
    if (item->trigger) {
      trigger_stop_accepting(item->trigger);
      item->stop_deadline = now + supervisor_grace_of(item);
    } else if (!item->group) {
      service_tell_to_stop(item, now);
    }
  }
  for (size_t i = 0; i < owner->spec->group_count; i++)
    if (!owner->groups[i].parent) group_stop(&owner->groups[i]);
}

/* A trigger's instances still running once its grace is over. */
static void step_trigger_stop(supervised_cell *item, uint64_t now, uint64_t *next_deadline) {
  if (!item->stop_deadline || item->killed_for_stop) return;
  if (now < item->stop_deadline) {
    if (item->stop_deadline < *next_deadline) *next_deadline = item->stop_deadline;
    return;
  }
  item->killed_for_stop = true;
  trigger_kill(item->trigger);
}

static void kill_everything(supervisor *owner) {
  log_message(LOG_WARN, NULL, "asked again: killing the cells still running");
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    supervised_cell *item = &owner->cells[i];
    if (item->trigger) trigger_kill(item->trigger);
    else service_kill(item);
  }
  owner->killed = true;
}

/* One pass over every cell; false once the system is over. */
static bool supervise_once(supervisor *owner, bool *told_to_stop, uint64_t *next_deadline) {
  uint64_t now = monotonic_ns();
  log_reopen_if_requested(); /* SIGHUP woke us */
  supervisor_control_answer(owner, now);
  if (atomic_load(&owner->stop_requested)) supervisor_begin_stop(owner);
  if (owner->stopping && !*told_to_stop) {
    tell_to_stop(owner, now);
    *told_to_stop = true;
  }
  for (size_t i = 0; i < owner->spec->group_count; i++) group_step(&owner->groups[i], now);
  bool all_finished = true;
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    supervised_cell *item = &owner->cells[i];
    if (item->trigger) {
      trigger_step(item->trigger, now);
      if (owner->stopping) step_trigger_stop(item, now, next_deadline);
      all_finished &= trigger_finished(item->trigger);
    } else {
      service_step(item, now, next_deadline);
      all_finished &= service_finished(item);
    }
  }
  if (all_finished) return false;
  if (owner->stopping && !owner->killed && atomic_load(&owner->stop_now)) kill_everything(owner);
  return true;
}

/* Every service of the system ready (or ended), every group started: */
static bool system_ready(supervisor *owner) {
  for (size_t i = 0; i < owner->spec->cell_count; i++)
    if (!owner->cells[i].trigger && !service_ready_or_finished(&owner->cells[i])) return false;
  for (size_t i = 0; i < owner->spec->group_count; i++)
    if (!group_ready_or_finished(&owner->groups[i])) return false;
  return true;
}

/* "system kv: 2 of 2 cells running, 5 restarts, 5 faults", for systemd's
 * STATUS= (at most once a second, and only when it changed). */
static void update_status(supervisor *owner, uint64_t now, uint64_t *next_status,
                          char *last, size_t last_size) {
  if (now < *next_status) return;
  *next_status = now + 1000000000ull;
  size_t running = 0, services = 0;
  uint64_t restarts = 0, faults = 0;
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    const supervised_cell *item = &owner->cells[i];
    if (item->trigger) continue;
    services++;
    running += item->state == SERVICE_RUNNING;
    restarts += item->restarts;
    faults += item->faults;
  }
  char status[256];
  snprintf(status, sizeof status, "system %s: %zu of %zu cell%s running, %llu restart%s, %llu fault%s",
           owner->spec->name, running, services, services == 1 ? "" : "s",
           (unsigned long long)restarts, restarts == 1 ? "" : "s", (unsigned long long)faults,
           faults == 1 ? "" : "s");
  if (strcmp(status, last) == 0) return;
  snprintf(last, last_size, "%s", status);
  notify_status(status);
}

int supervisor_run(supervisor *owner) {
  size_t cells = owner->spec->cell_count, channels = owner->spec->channel_count;
  log_message(LOG_INFO, NULL, "system %s: %zu cell%s, %zu channel%s", owner->spec->name, cells,
              cells == 1 ? "" : "s", channels, channels == 1 ? "" : "s");
  bool told_to_stop = false;
  uint64_t watchdog = notify_watchdog_interval(), next_ping = 0;
  bool status_wanted = notify_enabled();
  uint64_t next_status = 0;
  char last_status[256] = "";
  groups_start(owner);
  for (;;) {
    uint64_t next_deadline = DEADLINE_NEVER;
    if (!supervise_once(owner, &told_to_stop, &next_deadline)) break;
    if (!owner->ready_notified && !owner->stopping && system_ready(owner)) {
      notify_ready(owner->spec->name, cells);
      owner->ready_notified = true;
    }
    if (status_wanted && owner->ready_notified && !owner->stopping) {
      update_status(owner, monotonic_ns(), &next_status, last_status, sizeof last_status);
      if (next_status < next_deadline) next_deadline = next_status;
    }
    if (watchdog && monotonic_ns() >= next_ping) {
      notify_watchdog(); /* the supervisor's loop turns */
      next_ping = monotonic_ns() + watchdog;
    }
    if (watchdog && next_ping < next_deadline) next_deadline = next_ping;
    waiter_sleep(&owner->wake, next_deadline);
  }
  /* Said before the control socket closes: its followers (minos logs -f)
   * get this last line too. */
  log_message(owner->exit_status ? LOG_ERROR : LOG_INFO, NULL, "system %s %s", owner->spec->name,
              owner->exit_status ? "stopped after a failure" : "ended");
  supervisor_control_close(owner);
  return owner->exit_status;
}

void supervisor_request_stop(supervisor *owner) {
  /* A second request (Ctrl-C again) does not wait for the grace period. */
  if (atomic_exchange(&owner->stop_requested, true)) atomic_store(&owner->stop_now, true);
  waiter_wake(&owner->wake);
}

void supervisor_wake(supervisor *owner) { waiter_wake(&owner->wake); }

static void free_cell(supervised_cell *item) {
  if (item->spec) readiness_release(item);
  if (item->trigger) trigger_free(item->trigger);
  free(item->code_path);
  free(item->upgrade_path);
  code_release(&item->upgrade_code);
  code_release(&item->previous_code);
  free(item->previous_path);
  if (item->kept) kept_ends_close_for_good(item);
  for (size_t i = 0; i < item->env_count; i++) free(item->env[i]);
  free(item->env);
  free(item->kept);
  restart_history_free(&item->history);
  code_release(&item->code);
}

void supervisor_free(supervisor *owner) {
  if (!owner) return;
  supervisor_control_close(owner);
  /* Triggers first: they stop making cells; then every cell has ended. */
  for (size_t i = 0; owner->cells && i < owner->spec->cell_count; i++) {
    if (owner->cells[i].trigger) trigger_stop_accepting(owner->cells[i].trigger);
    service_discard_standby(&owner->cells[i]);
    if (owner->cells[i].upgrade) cell_disown(owner->cells[i].upgrade);
    owner->cells[i].upgrade = NULL;
  }
  if (owner->workers_started) runtime_shutdown(&owner->workers);
  for (size_t i = 0; owner->cells && i < owner->spec->cell_count; i++) free_cell(&owner->cells[i]);
  for (size_t i = 0; i < owner->spec->channel_count; i++) {
    if (owner->channel_write_ends && owner->channel_write_ends[i])
      channel_end_close(owner->channel_write_ends[i]);
    if (owner->channel_read_ends && owner->channel_read_ends[i])
      channel_end_close(owner->channel_read_ends[i]);
  }
  for (size_t i = 0; i < owner->bridge_count; i++) bridge_finish(owner->bridges[i]);
  if (owner->output) output_log_finish(owner->output);
  for (size_t i = 0; owner->groups && i < owner->spec->group_count; i++)
    group_free(&owner->groups[i]);
  free(owner->groups);
  free(owner->cells);
  free(owner->channel_write_ends);
  free(owner->channel_read_ends);
  pthread_mutex_destroy(&owner->calls_lock);
  pthread_cond_destroy(&owner->calls_answered);
  free(owner);
}
