/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor's side of the control socket (control/control_socket.h):
 * requests are answered on the supervisor's thread, which owns the
 * system's state, between its own steps; the socket's thread only queues
 * them (calls) and never touches that state, nor waits for an answer: it
 * serves its other clients meanwhile. An upgrade's new code is prepared
 * (compiled: seconds) on a thread of its own before it is queued.
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
#include "core/escape.h"
#include "core/log.h"
#include "net/rule.h"
#include "sup/supervisor_private.h"

#define MAX_PREPARING 4 /* upgrades' new code compiling at once */

typedef struct control_call {
  supervisor *owner;
  json_value *request; /* NULL: the metrics */
  uint64_t ticket;     /* the client's, for control_socket_reply */
  char *reply;         /* given before the supervisor sees it (an upgrade refused) */
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

/* A cell's index from its name, or from one of its instances' names
 * (NAME#N, as minos ps shows them: *instance is then true): -1 if none. */
static long cell_index(const spec *system, const json_value *name, bool *instance) {
  const char *text = name->string.text, *hash = strchr(text, '#');
  char base[48];
  *instance = hash != NULL;
  if (strlen(text) != name->string.length) return -1;
  if (!hash) return spec_find_cell(system, text);
  size_t length = (size_t)(hash - text);
  if (length >= sizeof base || !hash[1] || strspn(hash + 1, "0123456789") != strlen(hash + 1))
    return -1;
  memcpy(base, text, length);
  base[length] = '\0';
  return spec_find_cell(system, base);
}

/* An error reply: `before`, a name (escaped: it may be anything a client
 * sent), then `after`. */
static char *error_reply_for(const char *before, const char *name, const char *after) {
  char message[256], escaped[104];
  snprintf(message, sizeof message, "%s%s%s", before, escape_string(escaped, sizeof escaped, name),
           after);
  return control_error_reply(message);
}

/* The cell a request names in "cell"; NULL (the error reply in *error)
 * if none. *instance is the instance named, if it was one (NAME#N). */
static supervised_cell *find_cell(supervisor *owner, const json_value *request,
                                  const char **instance, char **error) {
  const json_value *name = json_object_get(request, "cell");
  bool is_instance;
  *instance = NULL;
  if (!name || name->type != JSON_STRING) {
    *error = control_error_reply("this request needs \"cell\": a cell's name");
    return NULL;
  }
  long index = cell_index(owner->spec, name, &is_instance);
  if (index < 0) {
    char in_system[96];
    snprintf(in_system, sizeof in_system, "\" in system %.60s", owner->spec->name);
    *error = error_reply_for("no cell named \"", name->string.text, in_system);
    return NULL;
  }
  if (is_instance) *instance = name->string.text;
  return &owner->cells[index];
}

/* Whether a request for one instance (kill, restart, upgrade of NAME#N)
 * finds it running: an instance that ended is not its successor. */
static char *instance_gone(const supervised_cell *item, const char *instance) {
  if (!instance || item->trigger) return NULL; /* a trigger's refusal says more */
  if (item->state == SERVICE_RUNNING && item->instance &&
      strcmp(item->instance->name, instance) == 0)
    return NULL;
  char now_running[96];
  if (item->state == SERVICE_RUNNING && item->instance)
    snprintf(now_running, sizeof now_running, " is not running (it ended; %s runs now)",
             item->instance->name);
  else
    snprintf(now_running, sizeof now_running, " is not running (%s has no instance now)",
             item->spec->name);
  return error_reply_for("", instance, now_running);
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
  if (!call->code.arch) return control_error_reply("the new code could not be prepared");
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

/* A boolean member, `otherwise` where absent: false (the error reply in
 * *error) if it is there but not true or false. */
static bool boolean_member(const json_value *request, const char *key, bool otherwise, bool *out,
                           char **error) {
  const json_value *value = json_object_get(request, key);
  *out = value && value->type == JSON_BOOLEAN ? value->boolean : otherwise;
  if (!value || value->type == JSON_BOOLEAN) return true;
  *error = error_reply_for("\"", key, "\" must be true or false");
  return false;
}

static char *answer(supervisor *owner, control_call *call, uint64_t now) {
  const json_value *request = call->request;
  const char *name = json_object_get(request, "request")->string.text;
  char *error = NULL;
  if (strcmp(name, "list") == 0) {
    bool channels, rows;
    if (!boolean_member(request, "channels", true, &channels, &error) ||
        !boolean_member(request, "rows", false, &rows, &error))
      return error;
    return list(owner, now, channels, rows);
  }
  if (strcmp(name, "stop") == 0) {
    /* A second stop asks for the same graceful stop (not, as a second
     * SIGTERM does, for one without the cells' grace). */
    if (owner->stopping || atomic_load(&owner->stop_requested)) return ok_reply("already stopping");
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
  const char *instance;
  supervised_cell *item = find_cell(owner, request, &instance, &error);
  if (!item) return error;
  if (strcmp(name, "inspect") == 0) return inspect(owner, item, now);
  if ((error = instance_gone(item, instance))) return error;
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
  json_free(call->request);
  code_release(&call->code);
  free(call->code_path);
  free(call);
}

/* An upgrade's code, prepared off the supervisor's thread (it may compile
 * for seconds), with the limits of the cell it is for: NULL, or the error
 * reply. */
static char *prepare_upgrade(supervisor *owner, const json_value *request, control_call *call) {
  const json_value *cell_name = json_object_get(request, "cell");
  const json_value *path = json_object_get(request, "code");
  bool instance;
  if (!path || path->type != JSON_STRING || path->string.text[0] != '/' ||
      strlen(path->string.text) != path->string.length)
    return control_error_reply("an upgrade needs \"code\": the new code's absolute path");
  long index = cell_name && cell_name->type == JSON_STRING
                   ? cell_index(owner->spec, cell_name, &instance)
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

/* Gives a call's reply to its client and frees the call. */
static void reply_to(supervisor *owner, control_call *call, char *reply) {
  control_socket_reply(owner->control, call->ticket, reply);
  free_call(call);
}

/* Hands a call to the supervisor's thread (or, once the control socket
 * is ending, answers it at once). */
static void queue_call(supervisor *owner, control_call *call) {
  pthread_mutex_lock(&owner->calls_lock);
  if (owner->control_ending) {
    pthread_mutex_unlock(&owner->calls_lock);
    free(call->reply);
    call->reply = NULL;
    reply_to(owner, call, call->request ? control_error_reply("the system is ending") : NULL);
    return;
  }
  call->next = owner->calls;
  owner->calls = call;
  pthread_mutex_unlock(&owner->calls_lock);
  waiter_wake(&owner->wake);
}

static void *prepare_then_queue(void *argument) {
  control_call *call = argument;
  supervisor *owner = call->owner;
  call->reply = prepare_upgrade(owner, call->request, call);
  queue_call(owner, call);
  pthread_mutex_lock(&owner->calls_lock);
  owner->preparing--; /* supervisor_control_close waits for none */
  pthread_cond_broadcast(&owner->calls_answered);
  pthread_mutex_unlock(&owner->calls_lock);
  return NULL;
}

/* Each compiles with the C compiler: a few at once, not one per client. */
static bool too_many_preparing(supervisor *owner) {
  pthread_mutex_lock(&owner->calls_lock);
  bool many = owner->preparing >= MAX_PREPARING;
  pthread_mutex_unlock(&owner->calls_lock);
  return many;
}

/* An upgrade's preparation on a thread of its own: false if none could
 * be started. */
static bool start_preparing(supervisor *owner, control_call *call) {
  pthread_attr_t attributes;
  pthread_t thread;
  if (pthread_attr_init(&attributes) != 0) return false;
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_mutex_lock(&owner->calls_lock);
  owner->preparing++;
  pthread_mutex_unlock(&owner->calls_lock);
  bool started = pthread_create(&thread, &attributes, prepare_then_queue, call) == 0;
  pthread_attr_destroy(&attributes);
  if (!started) {
    pthread_mutex_lock(&owner->calls_lock);
    owner->preparing--;
    pthread_mutex_unlock(&owner->calls_lock);
  }
  return started;
}

/* On the socket's thread: a request (or, with none, the metrics) is
 * queued for the supervisor, which answers it with control_socket_reply. */
static bool take_call(supervisor *owner, json_value *request, uint64_t ticket) {
  control_call *call = calloc(1, sizeof *call);
  if (!call) return false;
  *call = (control_call){.owner = owner, .request = request, .ticket = ticket};
  if (is_upgrade(request) && too_many_preparing(owner)) {
    call->reply = control_error_reply("too many upgrades are being prepared at once; try again "
                                      "once one is done");
  } else if (is_upgrade(request)) {
    if (start_preparing(owner, call)) return true;
    call->request = NULL; /* the socket frees it */
    free_call(call);
    return false;
  }
  queue_call(owner, call);
  return true;
}

static bool handle(void *context, json_value *request, uint64_t ticket) {
  return take_call(context, request, ticket);
}

static bool handle_metrics(void *context, uint64_t ticket) {
  return take_call(context, NULL, ticket);
}

static bool knows_cell(void *context, const char *name) {
  const supervisor *owner = context;
  return spec_find_cell(owner->spec, name) >= 0; /* the spec never changes while it runs */
}

void supervisor_control_answer(supervisor *owner, uint64_t now) {
  if (!owner->control) return;
  /* Taken out whole: the socket's thread queues more meanwhile without
   * waiting for these answers (a big system's list takes a while). */
  pthread_mutex_lock(&owner->calls_lock);
  control_call *calls = owner->calls;
  owner->calls = NULL;
  bool ending = owner->control_ending;
  pthread_mutex_unlock(&owner->calls_lock);
  for (control_call *call = calls, *next; call; call = next) {
    next = call->next;
    char *reply = call->reply;
    call->reply = NULL;
    if (reply) {
      /* refused while it was prepared */
    } else if (!call->request) {
      reply = ending ? NULL : supervisor_metrics_text(owner, now);
    } else {
      reply = ending ? control_error_reply("the system is ending") : answer(owner, call, now);
    }
    if (!call->deferred) reply_to(owner, call, reply);
  }
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
                                 .metrics = handle_metrics, .knows_cell = knows_cell,
                                 .context = owner};
  return control_socket_open(&config, &owner->control, error, error_size);
}

void supervisor_control_complete(supervisor *owner, control_call *call, char *reply) {
  if (!call) { /* answered already: the control socket closed first */
    free(reply);
    return;
  }
  if (owner->control) {
    reply_to(owner, call, reply);
    return;
  }
  free(reply);
  free_call(call);
}

void supervisor_control_close(supervisor *owner) {
  if (!owner->control) return;
  pthread_mutex_lock(&owner->calls_lock);
  owner->control_ending = true;
  /* An upgrade being prepared holds its call (and reads the spec). */
  while (owner->preparing) pthread_cond_wait(&owner->calls_answered, &owner->calls_lock);
  pthread_mutex_unlock(&owner->calls_lock);
  supervisor_control_answer(owner, monotonic_ns());
  /* Upgrades still waiting are answered too, and their new instances let
   * go. */
  for (size_t i = 0; owner->cells && i < owner->spec->cell_count; i++)
    service_abandon_upgrade(&owner->cells[i]);
  control_socket_close(owner->control);
  owner->control = NULL;
}
