/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor's side of the control socket (control/control_socket.h):
 * requests are answered on the supervisor's thread, which owns the
 * system's state; the socket's thread waits for each answer (a bounded
 * time) and never touches that state itself.
 *
 * Requests (JSON lines; README, "Operating a running system"):
 *   {"request":"list"}                     every cell, with what it uses
 *   {"request":"inspect","cell":NAME}      one cell, with its spec
 *   {"request":"kill","cell":NAME}         its instance ends (FAULT_KILLED);
 *                                          its restart policy decides
 *   {"request":"restart","cell":NAME}      a fresh instance, now, whatever
 *                                          the policy (not counted as a restart)
 *   {"request":"stop"}                     the system stops, as on SIGTERM
 * Every reply has "ok"; an error reply has "error". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/control_socket.h"
#include "control/json_out.h"
#include "core/account.h"
#include "core/log.h"
#include "net/rule.h"
#include "sup/supervisor_private.h"

#define ANSWER_TIMEOUT_S 5
#define UPGRADE_EXTRA_S 60 /* an upgrade waits for the new code's initialisation too */

typedef struct control_call {
  const json_value *request; /* NULL: the metrics */
  char *reply;
  bool done, abandoned;
  bool deferred; /* kept by the supervisor: answered when decided (an upgrade) */
  /* An upgrade's new code, prepared on the socket's thread (a compile may
   * take seconds; the supervisor's thread never waits for one). */
  cell_code code;
  char *code_path;
  struct control_call *next;
} control_call;

/* ---- describing cells -------------------------------------------------- */

static const char *service_state_name(service_state state) {
  static const char *const names[] = {"starting", "running", "restarting", "done", "failed",
                                      "waiting"};
  return names[state];
}

/* What list and inspect say of a cell, gathered once, written as an
 * object (its members where they apply) or as a row (every column of
 * `columns`, null where it does not apply). */
typedef struct cell_facts {
  const char *name, *kind, *state, *arch, *instance, *last_fault;
  bool trigger, running_instance;
  uint64_t restarts, faults, bytes_in, bytes_out;
  uint64_t pid, uptime_ns, cpu_ns, resident_bytes, memory_bytes, descriptors;
  double cpu_percent;
  uint64_t running, queued, accepted, refused;
} cell_facts;

static const char *const columns[] = {
    "name", "kind", "state", "arch", "instance", "pid", "uptime_ns", "cpu_ns", "cpu_percent",
    "resident_bytes", "memory_bytes", "descriptors", "restarts", "faults", "bytes_in",
    "bytes_out", "last_fault", "running", "queued", "accepted", "refused"};
enum { COLUMN_COUNT = sizeof columns / sizeof columns[0] };

static void gather_instance(cell_facts *facts, cell *instance, uint64_t now, uint64_t started_at) {
  cell_usage usage = {0};
  if (instance->arch->usage) instance->arch->usage(instance, &usage);
  facts->running_instance = true;
  facts->instance = instance->name;
  facts->arch = instance->arch->name;
  facts->pid = (uint64_t)usage.pid;
  facts->cpu_ns = usage.cpu_ns ? usage.cpu_ns : instance->cpu_used_ns;
  facts->uptime_ns = now > started_at ? now - started_at : 0;
  facts->cpu_percent =
      facts->uptime_ns ? 100.0 * (double)facts->cpu_ns / (double)facts->uptime_ns : 0;
  facts->resident_bytes = usage.resident_bytes;
  facts->memory_bytes = instance->account ? instance->account->used[ACCOUNT_MEMORY] : 0;
  facts->descriptors = usage.descriptors ? usage.descriptors
                       : instance->account ? instance->account->used[ACCOUNT_HOST_FDS]
                                           : 0;
}

/* Bytes through the channels a service's instances read and write. */
static void gather_traffic(cell_facts *facts, supervised_cell *item) {
  for (size_t i = 0; i < item->kept_count; i++) {
    if (!item->kept[i].end) continue;
    channel_statistics stats;
    channel_stats(item->kept[i].end, &stats);
    if (item->kept[i].output) facts->bytes_out += stats.bytes_written;
    else facts->bytes_in += stats.bytes_read;
  }
}

static void gather(cell_facts *facts, supervised_cell *item, uint64_t now) {
  *facts = (cell_facts){.name = item->spec->name,
                        .arch = item->code.arch ? item->code.arch->name : "unknown",
                        .trigger = item->trigger != NULL};
  if (item->trigger) {
    trigger_counts counts = trigger_count(item->trigger);
    facts->kind = "trigger";
    facts->state = trigger_finished(item->trigger) ? "done" : "running";
    facts->running = counts.running, facts->queued = counts.queued;
    facts->accepted = counts.accepted, facts->refused = counts.refused;
    return;
  }
  facts->kind = "service";
  /* Running but not ready yet (spec_readiness): still starting. */
  facts->state = item->state == SERVICE_RUNNING && !item->ready ? "starting"
                                                                : service_state_name(item->state);
  facts->restarts = item->restarts;
  facts->faults = item->faults;
  facts->last_fault = item->last_fault[0] ? item->last_fault : NULL;
  gather_traffic(facts, item);
  if (item->state == SERVICE_RUNNING && item->instance)
    gather_instance(facts, item->instance, now, item->started_at);
}

/* Whether column i says something of this cell. */
static bool column_applies(const cell_facts *facts, size_t column) {
  if (column == 4 || (column >= 6 && column <= 11)) return facts->running_instance;
  if (column == 5) return facts->running_instance && facts->pid;
  if (column >= 12 && column <= 15) return !facts->trigger;
  if (column == 16) return facts->last_fault != NULL;
  if (column >= 17) return facts->trigger;
  return true;
}

static void write_column(json_out *out, const cell_facts *facts, size_t column) {
  const char *const texts[] = {facts->name, facts->kind, facts->state, facts->arch,
                               facts->instance};
  const uint64_t numbers[] = {[5] = facts->pid,           [6] = facts->uptime_ns,
                              [7] = facts->cpu_ns,        [9] = facts->resident_bytes,
                              [10] = facts->memory_bytes, [11] = facts->descriptors,
                              [12] = facts->restarts,     [13] = facts->faults,
                              [14] = facts->bytes_in,     [15] = facts->bytes_out,
                              [17] = facts->running,      [18] = facts->queued,
                              [19] = facts->accepted,     [20] = facts->refused};
  if (column <= 4) json_out_string(out, texts[column]);
  else if (column == 8) json_out_double(out, facts->cpu_percent);
  else if (column == 16) json_out_string(out, facts->last_fault);
  else json_out_uint(out, numbers[column]);
}

/* The object's members; the caller closes it (inspect adds more). */
static void describe_cell(json_out *out, supervised_cell *item, uint64_t now) {
  cell_facts facts;
  gather(&facts, item, now);
  json_out_begin_object(out);
  for (size_t column = 0; column < COLUMN_COUNT; column++) {
    if (!column_applies(&facts, column)) continue;
    json_out_key(out, columns[column]);
    write_column(out, &facts, column);
  }
}

static void describe_row(json_out *out, supervised_cell *item, uint64_t now) {
  cell_facts facts;
  gather(&facts, item, now);
  json_out_begin_array(out);
  for (size_t column = 0; column < COLUMN_COUNT; column++)
    if (column_applies(&facts, column)) write_column(out, &facts, column);
    else json_out_null(out);
  json_out_end_array(out);
}

static void describe_rules(json_out *out, const char *key, const net_rule *rules, size_t count) {
  json_out_key(out, key);
  json_out_begin_array(out);
  for (size_t i = 0; i < count; i++) {
    char text[160];
    net_rule_format(&rules[i], text, sizeof text);
    json_out_string(out, text);
  }
  json_out_end_array(out);
}

static void describe_grants(json_out *out, const spec_grants *grants) {
  json_out_key(out, "grants");
  json_out_begin_object(out);
  json_out_key(out, "dirs");
  json_out_begin_array(out);
  for (size_t i = 0; i < grants->dir_count; i++) {
    json_out_begin_object(out);
    json_out_member_string(out, "host", grants->dirs[i].host_path);
    json_out_member_string(out, "guest", grants->dirs[i].guest_path);
    json_out_member_bool(out, "read_only", grants->dirs[i].read_only);
    json_out_end_object(out);
  }
  json_out_end_array(out);
  describe_rules(out, "connect", grants->connect, grants->connect_count);
  describe_rules(out, "listen", grants->listen, grants->listen_count);
  json_out_member_bool(out, "clock", grants->clock);
  json_out_member_bool(out, "random", grants->random);
  json_out_member_uint(out, "spawn_max_cells", grants->spawn_max_cells);
  json_out_end_object(out);
}

static void describe_group(json_out *out, const supervised_group *group) {
  json_out_key(out, "group");
  if (!group) {
    json_out_null(out);
    return;
  }
  json_out_begin_object(out);
  json_out_member_string(out, "name", group->spec->name);
  json_out_member_string(out, "strategy", spec_strategy_name(group->spec->strategy));
  json_out_member_uint(out, "intensity", group->spec->intensity);
  json_out_member_uint(out, "period_ns", group->spec->period_ns);
  json_out_member_uint(out, "restarts", group->restarts);
  json_out_end_object(out);
}

static void describe_spec(json_out *out, const supervised_cell *item) {
  const spec_cell *source = item->spec;
  json_out_member_string(out, "code", item->code_path ? item->code_path : source->code_path);
  json_out_member_string(out, "ready", spec_readiness_name(source->ready));
  json_out_member_uint(out, "grace_ns", supervisor_grace_of(item));
  describe_group(out, item->group);
  json_out_key(out, "limits");
  json_out_begin_object(out);
  json_out_member_uint(out, "memory_bytes", source->limits.memory_bytes);
  json_out_member_uint(out, "cpu_time_ns", source->limits.cpu_time_ns);
  json_out_member_uint(out, "init_timeout_ns", source->limits.init_timeout_ns);
  json_out_member_uint(out, "descriptors", source->limits.descriptors);
  json_out_end_object(out);
  describe_grants(out, &source->grants);
  json_out_key(out, "restart");
  json_out_begin_object(out);
  json_out_member_uint(out, "max_restarts", source->restart.max_restarts);
  json_out_member_uint(out, "window_ns", source->restart.window_ns);
  json_out_end_object(out);
  json_out_key(out, "ends");
  json_out_begin_array(out);
  for (size_t i = 0; i < source->end_count; i++) json_out_string(out, source->ends[i].name);
  json_out_end_array(out);
}

/* ---- requests ---------------------------------------------------------- */

static char *ok_reply(const char *message) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_bool(&out, "ok", true);
  if (message) json_out_member_string(&out, "message", message);
  json_out_end_object(&out);
  return json_out_finish(&out);
}

static void describe_channels(json_out *out, supervisor *owner) {
  json_out_key(out, "channels");
  json_out_begin_array(out);
  for (size_t i = 0; i < owner->spec->channel_count; i++) {
    const spec_channel *wire = &owner->spec->channels[i];
    channel_end *end = supervisor_channel_end(owner, i);
    json_out_begin_object(out);
    json_out_member_string(out, "name", wire->name);
    json_out_member_string(out, "from", wire->from.text);
    json_out_member_string(out, "to", wire->to.text);
    if (end) {
      channel_statistics stats;
      channel_stats(end, &stats);
      json_out_member_uint(out, "capacity", stats.capacity);
      json_out_member_uint(out, "buffered", stats.buffered);
      json_out_member_uint(out, "bytes", stats.bytes_written);
      json_out_member_bool(out, "open", stats.write_open && stats.read_open);
    }
    json_out_end_object(out);
  }
  json_out_end_array(out);
}

static char *list(supervisor *owner, uint64_t now, bool with_channels, bool as_rows) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_bool(&out, "ok", true);
  json_out_member_string(&out, "system", owner->spec->name);
  json_out_member_uint(&out, "pid", (uint64_t)getpid());
  json_out_member_uint(&out, "uptime_ns", now - owner->started_at);
  json_out_member_bool(&out, "stopping", owner->stopping);
  if (with_channels) describe_channels(&out, owner);
  if (as_rows) { /* a big system's list, a third of the size: no key per cell */
    json_out_key(&out, "columns");
    json_out_begin_array(&out);
    for (size_t column = 0; column < COLUMN_COUNT; column++) json_out_string(&out, columns[column]);
    json_out_end_array(&out);
  }
  json_out_key(&out, as_rows ? "rows" : "cells");
  json_out_begin_array(&out);
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    if (as_rows) {
      describe_row(&out, &owner->cells[i], now);
      continue;
    }
    describe_cell(&out, &owner->cells[i], now);
    /* What it runs (an upgrade's code once switched in): ps --json shows it. */
    supervised_cell *item = &owner->cells[i];
    json_out_member_string(&out, "code", item->code_path ? item->code_path : item->spec->code_path);
    json_out_end_object(&out);
  }
  json_out_end_array(&out);
  json_out_end_object(&out);
  return json_out_finish(&out);
}

static supervised_cell *find_cell(supervisor *owner, const json_value *request, char **error) {
  const json_value *name = json_object_get(request, "cell");
  if (!name || name->type != JSON_STRING) {
    *error = control_error_reply("this request needs \"cell\": a cell's name");
    return NULL;
  }
  long index = spec_find_cell(owner->spec, name->string.text);
  if (index < 0 || strlen(name->string.text) != name->string.length) {
    json_out out = {0};
    json_out_begin_object(&out);
    json_out_member_bool(&out, "ok", false);
    json_out_key(&out, "error");
    char message[160];
    snprintf(message, sizeof message, "no cell named \"%.100s\" in system %.40s",
             name->string.text, owner->spec->name);
    json_out_string(&out, message);
    json_out_end_object(&out);
    *error = json_out_finish(&out);
    return NULL;
  }
  return &owner->cells[index];
}

static char *inspect(supervisor *owner, supervised_cell *item, uint64_t now) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_bool(&out, "ok", true);
  json_out_key(&out, "cell");
  describe_cell(&out, item, now);
  describe_spec(&out, item);
  json_out_end_object(&out);
  json_out_end_object(&out);
  (void)owner;
  return json_out_finish(&out);
}

static char *kill_cell(supervised_cell *item, bool restart) {
  if (item->trigger)
    return control_error_reply("a trigger's instances live per event: kill or restart a "
                               "service, or stop the system");
  if (item->owner->stopping) return control_error_reply("the system is stopping");
  if (item->state == SERVICE_DONE || item->state == SERVICE_FAILED)
    return control_error_reply("this cell has ended for good and its channels are closed; "
                               "restart the system to run it again");
  if (item->state == SERVICE_WAITING)
    return control_error_reply("this cell waits for its group to start it");
  if (item->state != SERVICE_RUNNING || !item->instance)
    return control_error_reply("this cell is between two instances; try again");
  log_message(LOG_INFO, item->instance->name, "%s by the operator",
              restart ? "restarting" : "killed");
  if (restart) {
    service_hand_over(item, monotonic_ns()); /* at its next pause between requests */
  } else {
    service_end_instance(item);
  }
  return ok_reply(restart ? "restarting" : "killed");
}

/* Starts the upgrade: the new code's first instance is placed beside the
 * running one and initialises; the call is answered once that is decided
 * (service.c). */
static char *upgrade(supervised_cell *item, control_call *call, uint64_t now) {
  if (item->trigger)
    return control_error_reply("a trigger's next instances: restart the system with the new "
                               "code (upgrades are for services)");
  if (item->owner->stopping) return control_error_reply("the system is stopping");
  /* Between two instances (a crash-looping service, in its backoff) is
   * fine: the new code's instance is then the next one. */
  bool running = item->state == SERVICE_RUNNING && item->instance;
  if (!running && item->state != SERVICE_RESTARTING)
    return control_error_reply("this cell has no running instance to upgrade");
  /* One at a time: a second would replace the first's new code under
   * it (while it initialises, hands over or is on trial). */
  if (item->upgrade || item->upgrade_call || item->handing_over)
    return control_error_reply("an upgrade (or a restart) of this cell is under way; try again "
                               "once it is done");
  const char *arch = call->code.arch->name;
  if (item->spec->arch && strcmp(item->spec->arch, arch) != 0) { /* as minos check holds it */
    char message[160];
    snprintf(message, sizeof message, "the new code is %s code, but the cell's \"arch\" says %s",
             arch, item->spec->arch);
    return control_error_reply(message);
  }
  if (item->spec->ready == READY_FIRST_READ && strcmp(call->code.arch->name, "wasm") != 0)
    return control_error_reply("this cell is ready at its first read, which a native program's "
                               "cannot be seen by (the runtime reads its pipe ahead); make it "
                               "\"ready\": \"notify\" in the spec");
  char name[48];
  instance_name(item, ++item->instance_number, name, sizeof name);
  cell *standby;
  char error[512], message[640];
  const char *old_name = running ? item->instance->name : "the old code";
  if (instance_create_from(item, &call->code, name, &standby, error, sizeof error) != MINOS_OK) {
    /* Most often a grant it lacks: said to the operator, not only logged. */
    snprintf(message, sizeof message, "cannot start the new code: %s; %s serves on", error,
             old_name);
    return control_error_reply(message);
  }
  if (instance_place(item, standby, running ? item->instance : NULL) != MINOS_OK)
    return control_error_reply("cannot start the new code (see the log)");
  log_message(LOG_INFO, name, "upgrading %s to %s", old_name, call->code_path);
  service_begin_upgrade(item, standby, &call->code, call->code_path, call, now);
  call->code_path = NULL;
  call->deferred = true;
  return NULL;
}

static char *answer(supervisor *owner, control_call *call, uint64_t now) {
  const json_value *request = call->request;
  const char *name = json_object_get(request, "request")->string.text;
  char *error = NULL;
  if (strcmp(name, "list") == 0) {
    const json_value *channels = json_object_get(request, "channels");
    const json_value *rows = json_object_get(request, "rows");
    return list(owner, now, !channels || channels->type != JSON_BOOLEAN || channels->boolean,
                rows && rows->type == JSON_BOOLEAN && rows->boolean);
  }
  if (strcmp(name, "stop") == 0) {
    supervisor_request_stop(owner);
    return ok_reply("stopping");
  }
  bool known = strcmp(name, "inspect") == 0 || strcmp(name, "kill") == 0 ||
               strcmp(name, "restart") == 0 || strcmp(name, "upgrade") == 0;
  if (!known) {
    char message[160];
    snprintf(message, sizeof message,
             "unknown request \"%.60s\" (list, inspect, kill, restart, upgrade, stop, logs, "
             "subscribe)",
             name);
    return control_error_reply(message);
  }
  supervised_cell *item = find_cell(owner, request, &error);
  if (!item) return error;
  if (strcmp(name, "inspect") == 0) return inspect(owner, item, now);
  if (strcmp(name, "upgrade") == 0) return upgrade(item, call, now);
  return kill_cell(item, strcmp(name, "restart") == 0);
}

/* ---- events -------------------------------------------------------------- */

void supervisor_event(supervisor *owner, const char *kind, const supervised_cell *item,
                      const char *instance, const char *detail) {
  if (!owner->control) return;
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "event", kind);
  json_out_member_string(&out, "cell", item->spec->name);
  if (instance) json_out_member_string(&out, "instance", instance);
  if (detail) json_out_member_string(&out, "detail", detail);
  json_out_member_uint(&out, "restarts", item->restarts);
  json_out_end_object(&out);
  char *object = json_out_finish(&out);
  if (!object) return;
  object[strlen(object) - 1] = '\0'; /* the newline: the record is embedded */
  control_socket_event(owner->control, item->spec->name, object);
  free(object);
}

/* ---- between the two threads ------------------------------------------ */

static void free_call(control_call *call) {
  code_release(&call->code);
  free(call->code_path);
  free(call);
}

/* An upgrade's code, prepared here (it may compile for seconds), with the
 * limits of the cell it is for: NULL, or the error reply. */
static char *prepare_upgrade(supervisor *owner, const json_value *request, control_call *call) {
  const json_value *cell_name = json_object_get(request, "cell");
  const json_value *path = json_object_get(request, "code");
  if (!path || path->type != JSON_STRING || path->string.text[0] != '/' ||
      strlen(path->string.text) != path->string.length)
    return control_error_reply("an upgrade needs \"code\": the new code's absolute path");
  long index = cell_name && cell_name->type == JSON_STRING
                   ? spec_find_cell(owner->spec, cell_name->string.text)
                   : -1;
  if (index < 0) return NULL; /* the supervisor says what is wrong with the cell */
  code_report report = {0};
  if (code_prepare_file(path->string.text, owner->spec->cells[index].limits.memory_bytes,
                        &call->code, &report) != MINOS_OK) {
    char message[640];
    snprintf(message, sizeof message, "cannot load the new code: %s", report.error);
    return control_error_reply(message);
  }
  call->code_path = strdup(path->string.text);
  return call->code_path ? NULL : control_error_reply("out of memory");
}

static bool is_upgrade(const json_value *request) {
  return request && strcmp(json_object_get(request, "request")->string.text, "upgrade") == 0;
}

/* On the socket's thread: a request waits for the supervisor's answer. */
static char *handle(void *context, const json_value *request) {
  supervisor *owner = context;
  control_call *call = calloc(1, sizeof *call);
  if (!call) return NULL;
  call->request = request;
  char *refused = is_upgrade(request) ? prepare_upgrade(owner, request, call) : NULL;
  if (refused) {
    free_call(call);
    return refused;
  }
  pthread_mutex_lock(&owner->calls_lock);
  if (owner->control_ending) {
    pthread_mutex_unlock(&owner->calls_lock);
    free_call(call);
    return request ? control_error_reply("the system is ending") : NULL;
  }
  call->next = owner->calls;
  owner->calls = call;
  waiter_wake(&owner->wake);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += ANSWER_TIMEOUT_S + (is_upgrade(request) ? UPGRADE_EXTRA_S : 0);
  while (!call->done)
    if (pthread_cond_timedwait(&owner->calls_answered, &owner->calls_lock, &until) != 0) break;
  char *reply = call->reply;
  bool done = call->done;
  if (!done) call->abandoned = true; /* the supervisor frees it */
  pthread_mutex_unlock(&owner->calls_lock);
  if (done) free_call(call);
  if (!done && !request) return NULL;
  return done ? reply : control_error_reply("the supervisor did not answer in time");
}

static char *handle_metrics(void *context) { return handle(context, NULL); }

void supervisor_control_answer(supervisor *owner, uint64_t now) {
  if (!owner->control) return;
  pthread_mutex_lock(&owner->calls_lock);
  control_call *calls = owner->calls;
  owner->calls = NULL;
  for (control_call *call = calls, *next; call; call = next) {
    next = call->next;
    if (call->abandoned) {
      free_call(call);
      continue;
    }
    if (!call->request) call->reply = owner->control_ending ? NULL : supervisor_metrics_text(owner, now);
    else
      call->reply = owner->control_ending ? control_error_reply("the system is ending")
                                          : answer(owner, call, now);
    call->done = !call->deferred;
  }
  pthread_cond_broadcast(&owner->calls_answered);
  pthread_mutex_unlock(&owner->calls_lock);
}

minos_status supervisor_open_control(supervisor *owner, const char *path,
                                     const char *metrics_address, char *error,
                                     size_t error_size) {
  char default_path[256];
  if (!path) {
    if (!control_socket_path(owner->spec->name, true, default_path, sizeof default_path, error,
                             error_size))
      return MINOS_EUSAGE;
    path = default_path;
  }
  if (!metrics_address) metrics_address = owner->spec->metrics;
  control_socket_config config = {.path = path, .system_name = owner->spec->name,
                                 .handler = handle, .metrics_address = metrics_address,
                                 .metrics = handle_metrics, .context = owner};
  return control_socket_open(&config, &owner->control, error, error_size);
}

void supervisor_control_complete(supervisor *owner, control_call *call, char *reply) {
  pthread_mutex_lock(&owner->calls_lock);
  if (call->abandoned) {
    free(reply);
    free_call(call);
  } else {
    call->reply = reply;
    call->done = true;
    pthread_cond_broadcast(&owner->calls_answered);
  }
  pthread_mutex_unlock(&owner->calls_lock);
}

void supervisor_control_close(supervisor *owner) {
  if (!owner->control) return;
  pthread_mutex_lock(&owner->calls_lock);
  owner->control_ending = true;
  pthread_mutex_unlock(&owner->calls_lock);
  supervisor_control_answer(owner, monotonic_ns());
  /* Upgrades still waiting are answered too: their callers' threads must
   * end before the socket can close. */
  for (size_t i = 0; owner->cells && i < owner->spec->cell_count; i++)
    service_abandon_upgrade(&owner->cells[i]);
  control_socket_close(owner->control);
  owner->control = NULL;
}
