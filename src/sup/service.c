/* SPDX-License-Identifier: Apache-2.0 */
/* A supervised service: one instance of a spec cell at a time, restarted
 * by its policy. Everything here runs on the supervisor's thread; cells
 * ending and ends coming back only wake it (supervisor.wake). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control_socket.h"
#include "control/json_out.h"
#include "core/log.h"
#include "sup/supervisor_private.h"

/* "250 us", "4.25 ms", "10 s": three significant digits are plenty. */
static void describe_duration(uint64_t ns, char *text, size_t size) {
  static const struct { uint64_t scale; const char *unit; } units[] = {
      {1000000000, "s"}, {1000000, "ms"}, {1000, "us"}, {1, "ns"}};
  size_t i = 0;
  while (i < 3 && ns < units[i].scale) i++;
  snprintf(text, size, "%.3g %s", (double)ns / (double)units[i].scale, units[i].unit);
}

static void decide_after_end(supervised_cell *service, bool failed, uint64_t now);
static void note_trial_start(supervised_cell *service, const char *name);
static bool is_trial_instance(const supervised_cell *service, const char *name);
static bool trial_served(const supervised_cell *service, bool native);
static void confirm_upgrade(supervised_cell *service, const char *note);
static void roll_back_upgrade(supervised_cell *service, const char *how, uint64_t now);

/* Ready for the next restart: an instance initialised and waiting, on the
 * worker of the one it will replace, where that one's peers are likely to
 * be (a channel between cells of one worker costs no wake-up). Not
 * for a cell that is never restarted, nor once a standby has failed (a
 * cell that cannot initialise restarts cold, and fails as such). */
static void prepare_standby(supervised_cell *service, uint64_t now) {
  if (service->standby || service->standby_failed || service->owner->stopping ||
      service->spec->restart.policy == RESTART_NEVER)
    return;
  char name[48];
  instance_name(service, ++service->instance_number, name, sizeof name);
  cell *standby;
  if (instance_create(service, name, &standby) != MINOS_OK ||
      instance_place(service, standby, service->instance) != MINOS_OK) {
    service->standby_failed = true;
    return;
  }
  service->standby = standby;
  service->standby_init_deadline = now + service->spec->limits.init_timeout_ns;
}

void service_discard_standby(supervised_cell *service) {
  if (!service->standby) return;
  cell_disown(service->standby);
  service->standby = NULL;
}

/* A standby that ended before it was needed (its initialisation trapped
 * or timed out) is reported like any instance, and not replaced. */
static void check_standby(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  cell *standby = service->standby;
  if (!standby) return;
  if (atomic_load(&standby->ended)) {
    const cell_outcome *outcome = &standby->outcome;
    log_message(LOG_WARN, standby->name, "fault: %s (a standby, before it was needed)",
                outcome->faulted ? cell_fault_name(outcome->fault) : "exited");
    cell_reap(standby);
    service->standby = NULL;
    service->standby_failed = true;
  } else if (!cell_initialised(standby)) {
    if (now >= service->standby_init_deadline) cell_request_end(standby, FAULT_INIT_TIMEOUT);
    else if (service->standby_init_deadline < *next_deadline)
      *next_deadline = service->standby_init_deadline;
  }
}

/* A standby is placed already; a fresh instance is placed once it has its
 * ends. */
static minos_status start_with_stdio(supervised_cell *service, channel_end *stdio[3],
                                     const char *name, cell *standby) {
  cell *created = standby;
  minos_status status = created ? MINOS_OK : instance_create(service, name, &created);
  if (status != MINOS_OK) {
    for (int slot = 0; slot < 3; slot++) channel_end_close(stdio[slot]);
    return status;
  }
  status = instance_give_ends(service, created, stdio);
  if (status != MINOS_OK) cell_disown(created);
  else if (!standby) status = instance_place(service, created, NULL);
  if (status == MINOS_OK) service->instance = created;
  return status;
}

static void start_instance(supervised_cell *service, uint64_t now) {
  cell *standby = service->standby;
  if (standby && atomic_load(&standby->ended)) {
    uint64_t ignored = DEADLINE_NEVER;
    check_standby(service, now, &ignored);
    standby = NULL;
  }
  service->standby = NULL;
  char name[48];
  if (standby) snprintf(name, sizeof name, "%s", standby->name);
  else instance_name(service, ++service->instance_number, name, sizeof name);
  channel_end *stdio[3];
  bool complete = true;
  for (int slot = 0; slot < 3; slot++) {
    if (service->kept[slot].end) {
      kept_end_mark_lent(service, (size_t)slot, true);
      stdio[slot] = service->kept[slot].end;
    } else {
      stdio[slot] = instance_own_stdio(service, slot, name);
      complete &= stdio[slot] != NULL;
    }
  }
  service->instance = NULL;
  minos_status status = MINOS_ENOMEM;
  if (complete) {
    status = start_with_stdio(service, stdio, name, standby);
  } else {
    for (int slot = 0; slot < 3; slot++)
      if (stdio[slot]) channel_end_close(stdio[slot]);
    if (standby) cell_disown(standby);
  }
  if (status != MINOS_OK) { /* as if it had failed at once: the policy decides */
    service->instance = NULL;
    decide_after_end(service, true, now);
    return;
  }
  service->state = SERVICE_RUNNING;
  service->started_at = now;
  note_trial_start(service, name);
  log_message(LOG_INFO, name, "started");
  supervisor_event(service->owner, "started", service, name, NULL);
  /* Ready within its init timeout, or it ends (a standby may be ready). */
  service->init_deadline =
      readiness_check(service) ? 0 : now + service->spec->limits.init_timeout_ns;
  /* Ended already: nothing will wake the supervisor for it, so wake it now. */
  if (cell_watch_end(service->instance, &service->owner->wake)) waiter_wake(&service->owner->wake);
  prepare_standby(service, now);
}

static void give_up(supervised_cell *service) {
  supervisor *owner = service->owner;
  char window[32];
  describe_duration(service->spec->restart.window_ns, window, sizeof window);
  log_message(LOG_ERROR, service->spec->name, "failed: restarted %u times within %s; giving up",
              service->spec->restart.max_restarts, window);
  service->state = SERVICE_FAILED;
  supervisor_event(owner, "gave_up", service, NULL, NULL);
  service_discard_standby(service);
  kept_ends_close_for_good(service);
  owner->exit_status = 1;
  if (owner->spec->on_give_up == GIVE_UP_STOP) supervisor_begin_stop(owner);
}

/* by_group: its group ended it (to restart it, or giving up). */
static void report_end(const cell *ended, const char *name, uint64_t ran_ns, bool by_group) {
  char ran[32];
  describe_duration(ran_ns, ran, sizeof ran);
  const cell_outcome *outcome = &ended->outcome;
  char description[256];
  cell_outcome_describe(outcome, description, sizeof description);
  if (by_group && outcome->faulted && outcome->fault == FAULT_KILLED)
    log_message(LOG_INFO, name, "ended by its group (after %s)", ran);
  else if (outcome->faulted)
    log_message(LOG_WARN, name, "fault: %s (after %s)", description, ran);
  else if (outcome->exit_code != 0)
    log_message(LOG_WARN, name, "exited with status %u (after %s)", outcome->exit_code, ran);
  else
    log_message(LOG_INFO, name, "exited with status 0 (after %s)", ran);
}

/* An ended instance's last lines of output go into the log before its
 * end does (and before its successor's start): its end is handled once
 * the log has them, the supervisor woken then (sup/output_log.h). */
static bool last_lines_logged(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  return output_log_caught_up(service->owner->output, service->instance->name,
                              &service->owner->wake, now, next_deadline);
}

static void instance_ended(supervised_cell *service, uint64_t now) {
  cell *ended = service->instance;
  char name[48];
  snprintf(name, sizeof name, "%s", ended->name);
  bool requested = service->restart_requested, by_operator = service->ended_by_operator;
  bool by_group = service->group_ending;
  bool native = strcmp(ended->arch->name, "native") == 0;
  report_end(ended, name, now - service->started_at, by_group);
  service->restart_requested = service->ended_by_operator = service->group_ending = false;
  bool failed = !requested && !by_group &&
                (ended->outcome.faulted || ended->outcome.exit_code != 0);
  char how[160];
  if (ended->outcome.faulted) cell_outcome_describe(&ended->outcome, how, sizeof how);
  else snprintf(how, sizeof how, "exited with status %u", ended->outcome.exit_code);
  if (failed) snprintf(service->last_fault, sizeof service->last_fault, "%s", how);
  service->faults += failed;
  if (failed) service->faults_by_kind[ended->outcome.faulted ? ended->outcome.fault : FAULT_NONE]++;
  service->cpu_ns_ended += ended->cpu_used_ns;
  supervisor_event(service->owner, "ended", service, name, how);
  cell_reap(ended);
  readiness_release(service);
  service->instance = NULL;
  service->handing_over = false;
  /* Handed over between two requests: the next instance reads what came
   * meanwhile. */
  if (service->held_input) channel_end_release_hold(service->held_input);
  service->held_input = NULL;
  /* Ended at no particular point of its conversation: a request in flight
   * is lost, and its client hears so. */
  if (by_operator) kept_ends_abandon_in_flight(service);
  if (is_trial_instance(service, name)) {
    bool by_itself = !requested && !by_group && !by_operator && !service->owner->stopping;
    if (!by_itself) {
      confirm_upgrade(service, " (its first instance was then ended by request)");
    } else if (service->ready && trial_served(service, native)) {
      char note[200];
      snprintf(note, sizeof note, " (its first instance served, then %s: its policy decides)",
               how);
      confirm_upgrade(service, note);
    } else {
      /* Ended anywhere in its conversation: as a kill would (a request
       * in flight is lost, a stream keeps its data). */
      kept_ends_abandon_in_flight(service);
      roll_back_upgrade(service, how, now);
      return;
    }
  }
  if (by_group && !service->owner->stopping) { /* its group starts it again, or not */
    service->state = SERVICE_WAITING;
    supervisor_poke(service->owner);
    return;
  }
  if (requested && !service->owner->stopping) { /* the operator's: now, not counted */
    service->state = SERVICE_RESTARTING;
    service->restart_at = now;
    service->restart_requested = true;
    return;
  }
  decide_after_end(service, failed, now);
}

/* In a group, a restart is the group's to make (or to refuse: past its
 * intensity it gives up); true if the group took the decision over. */
static bool group_decides(supervised_cell *service, restart_decision decision, uint64_t now) {
  supervised_group *group = service->group;
  if (!group || decision == RESTART_NOT_NEEDED) return false;
  if (decision == RESTART_GIVE_UP) {
    char why[160];
    snprintf(why, sizeof why, "%s failed %u times within its window", service->spec->name,
             service->spec->restart.max_restarts + 1);
    service->state = SERVICE_WAITING;
    group_give_up(group, why);
    return true;
  }
  if (!group_count_restart(group, now)) {
    service->state = SERVICE_WAITING; /* the group gave up */
    return true;
  }
  if (group->spec->strategy == STRATEGY_ONE_FOR_ONE) return false; /* restarts by itself */
  restart_history_add(&service->history, now); /* its own limit holds too */
  service->state = SERVICE_WAITING;
  group_member_needs_restart(group, service->group_position, now);
  return true;
}

static void decide_after_end(supervised_cell *service, bool failed, uint64_t now) {
  if (failed) kept_ends_reset_readers(service);
  uint64_t delay = 0;
  restart_decision decision = service->owner->stopping
                                  ? RESTART_NOT_NEEDED
                                  : restart_decide(&service->spec->restart, &service->history,
                                                   failed, now, &delay);
  if (group_decides(service, decision, now)) return;
  if (decision == RESTART_GIVE_UP) {
    give_up(service);
  } else if (decision == RESTART_NOT_NEEDED) {
    /* A system whose cell failed for good did not do its job. */
    if (failed && !service->owner->stopping) service->owner->exit_status = 1;
    service->state = SERVICE_DONE;
    service_discard_standby(service);
    kept_ends_close_for_good(service);
  } else {
    service->state = SERVICE_RESTARTING;
    service->restart_at = now + delay;
    if (delay) {
      char text[32];
      describe_duration(delay, text, sizeof text);
      log_message(LOG_INFO, service->spec->name, "restarting in %s", text);
    }
  }
}

static void lower_deadline(uint64_t *deadline, uint64_t candidate) {
  if (candidate < *deadline) *deadline = candidate;
}

static void check_init_timeout(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  if (!service->init_deadline) return;
  if (readiness_check(service)) {
    service->init_deadline = 0;
  } else if (now >= service->init_deadline) {
    cell_request_end(service->instance, FAULT_INIT_TIMEOUT);
    service->init_deadline = 0;
  } else {
    lower_deadline(next_deadline, service->init_deadline);
  }
}

static void restart_when_due(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  if (service->owner->stopping) {
    service->state = SERVICE_DONE;
    service_discard_standby(service);
    kept_ends_close_for_good(service);
  } else if (now < service->restart_at) {
    lower_deadline(next_deadline, service->restart_at);
  } else if (kept_ends_all_back(service)) { /* else: woken when they are */
    if (service->restart_requested) {
      service->restart_requested = false;
    } else {
      if (!restart_history_add(&service->history, now)) return;
      log_message(LOG_INFO, service->spec->name, "restart %zu within its window",
                  service->history.count);
    }
    service->restarts++;
    start_instance(service, now);
  }
}

/* ---- upgrades ------------------------------------------------------------ */

static void finish_upgrade(supervised_cell *service, char *reply) {
  supervisor_control_complete(service->owner, service->upgrade_call, reply);
  service->upgrade_call = NULL;
  service->upgrade = NULL;
  free(service->upgrade_path);
  service->upgrade_path = NULL;
  service->on_trial = false;
  service->trial_name[0] = '\0';
  service->trial_until = 0;
  code_release(&service->previous_code);
  free(service->previous_path);
  service->previous_path = NULL;
}

static char *upgrade_reply(bool ok, const char *message) {
  if (!ok) return control_error_reply(message);
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_bool(&out, "ok", true);
  json_out_member_string(&out, "message", message);
  json_out_end_object(&out);
  return json_out_finish(&out);
}

/* The new code failed to initialise (its instance, `name`, is gone): the
 * old instance serves on. */
static void refuse_upgrade(supervised_cell *service, const char *name, const char *why) {
  log_message(LOG_WARN, name, "upgrade refused: %s; the running instance serves on", why);
  code_release(&service->upgrade_code);
  char message[512];
  snprintf(message, sizeof message, "the new code failed to initialise (%s): %s serves on", why,
           service->instance ? service->instance->name : "the old instance");
  finish_upgrade(service, upgrade_reply(false, message));
}

/* Initialised: it becomes the standby, the code the service's, and the
 * old instance ends at its next pause (or mid-request: its readers see
 * MINOS_ERESET); the restart that follows starts the standby. The old
 * code is kept, and the request answered, until the new code's first
 * instance has proved itself (check_trial): initialising is not enough
 * for code that exits, traps or never becomes ready once it runs. */
static void commit_upgrade(supervised_cell *service) {
  service_discard_standby(service);
  service->standby = service->upgrade;
  service->upgrade = NULL;
  service->standby_failed = false;
  service->previous_code = service->code;
  service->code = service->upgrade_code;
  service->upgrade_code = (cell_code){0};
  /* NULL: the spec's, which the previous code then was. */
  service->previous_path =
      service->code_path ? service->code_path : strdup(service->spec->code_path);
  service->code_path = service->upgrade_path;
  service->upgrade_path = NULL;
  service->on_trial = true;
  service->trial_name[0] = '\0';
  service->trial_until = 0;
  log_message(LOG_INFO, service->standby->name, "upgraded to %s; %s ends", service->code_path,
              service->instance ? service->instance->name : "no instance");
  if (service->state == SERVICE_RUNNING && service->instance) service_hand_over(service, monotonic_ns());
}

/* How long the new code's first instance must live on once ready before
 * an upgrade is taken as done: code that ends at once (an exit, a trap
 * in main, a program that cannot be executed) does within it. */
#define UPGRADE_TRIAL_NS (300 * 1000000ull)

static void confirm_upgrade(supervised_cell *service, const char *note) {
  char message[512];
  snprintf(message, sizeof message, "%s now runs %s%s", service->trial_name, service->code_path,
           note);
  log_message(LOG_INFO, service->trial_name, "upgrade done: runs %s", service->code_path);
  finish_upgrade(service, upgrade_reply(true, message));
}

/* The new code's first instance ended by itself before it proved itself:
 * the previous code comes back, restarted at once and not counted
 * against the policy (the failure was the upgrade's, not the service's),
 * and the request says why. */
static void roll_back_upgrade(supervised_cell *service, const char *how, uint64_t now) {
  log_message(LOG_WARN, service->trial_name,
              "upgrade failed: the new code's first instance ended (%s) before it served; "
              "back to %s", how,
              service->previous_path);
  service_discard_standby(service); /* the new code's */
  service->standby_failed = false;
  code_release(&service->code);
  service->code = service->previous_code;
  service->previous_code = (cell_code){0};
  free(service->code_path);
  service->code_path = service->previous_path;
  service->previous_path = NULL;
  char message[640];
  snprintf(message, sizeof message,
           "the new code failed once it took over (%s: %s): back to %s, restarted at once",
           service->trial_name, how, service->code_path);
  finish_upgrade(service, upgrade_reply(false, message));
  service->state = SERVICE_RESTARTING;
  service->restart_at = now;
  service->restart_requested = true;
}

/* Bytes through its kept ends so far: read from its inputs, written to
 * its outputs; *inputs and *outputs say whether it has any. */
static void kept_traffic(const supervised_cell *service, uint64_t *read, uint64_t *written,
                         bool *inputs, bool *outputs) {
  *read = *written = 0;
  *inputs = *outputs = false;
  for (size_t i = 0; i < service->kept_count; i++) {
    if (!service->kept[i].end) continue;
    channel_statistics stats;
    channel_stats(service->kept[i].end, &stats);
    if (service->kept[i].output) *written += stats.bytes_written, *outputs = true;
    else *read += stats.bytes_read, *inputs = true;
  }
}

/* An instance started while an upgrade is on trial: the first is the
 * new code's. */
static void note_trial_start(supervised_cell *service, const char *name) {
  if (!service->on_trial || service->trial_name[0]) return;
  snprintf(service->trial_name, sizeof service->trial_name, "%s", name);
  bool inputs, outputs;
  kept_traffic(service, &service->trial_read_from, &service->trial_written_from, &inputs,
               &outputs);
}

/* Whether the trial instance did its work before it ended: read from its
 * inputs (a native program's reads cannot be told from the runtime's
 * reading ahead into its pipe: taken as done) and wrote to its outputs.
 * Then its end is the service's own failure, for its policy, and the new
 * code stays; one that never served is code that cannot run. */
static bool trial_served(const supervised_cell *service, bool native) {
  uint64_t read, written;
  bool inputs, outputs;
  kept_traffic(service, &read, &written, &inputs, &outputs);
  bool did_read = native || !inputs || read > service->trial_read_from;
  bool did_write = !outputs || written > service->trial_written_from;
  return did_read && did_write;
}

static bool is_trial_instance(const supervised_cell *service, const char *name) {
  return service->on_trial && service->trial_name[0] && strcmp(service->trial_name, name) == 0;
}

/* Ready, and alive UPGRADE_TRIAL_NS later: the upgrade is done. */
static void check_trial(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  if (!service->on_trial) return;
  if (service->owner->stopping) {
    finish_upgrade(service, control_error_reply("the system is stopping"));
    return;
  }
  if (service_finished(service)) { /* gave up (or done) before the new code ran */
    finish_upgrade(service, control_error_reply("the service ended for good before the new "
                                                "code could prove itself"));
    return;
  }
  if (service->state != SERVICE_RUNNING || !service->instance || !service->ready ||
      !is_trial_instance(service, service->instance->name) ||
      atomic_load(&service->instance->ended))
    return;
  if (!service->trial_until) service->trial_until = now + UPGRADE_TRIAL_NS;
  if (now >= service->trial_until) confirm_upgrade(service, "");
  else if (service->trial_until < *next_deadline) *next_deadline = service->trial_until;
}

#define HANDOVER_WAIT_NS (250 * 1000000ull)

void service_hand_over(supervised_cell *service, uint64_t now) {
  service->restart_requested = true;
  service->handing_over = true;
  service->handover_deadline = now + HANDOVER_WAIT_NS;
  waiter_wake(&service->owner->wake);
}

/* Whether the instance's only input is its stdin: then it is between two
 * requests when it waits there with nothing to read. */
static bool reads_stdin_only(const supervised_cell *service) {
  if (!service->kept[0].end) return false;
  for (size_t i = 3; i < service->kept_count; i++)
    if (service->kept[i].end && !service->kept[i].output) return false;
  return true;
}

/* Holds the instance's stdin if it waits there between two requests. */
static bool hold_if_idle(supervised_cell *service) {
  if (!reads_stdin_only(service) ||
      !channel_end_hold_if_idle(service->kept[0].end, &service->instance->waiter))
    return false;
  service->held_input = service->kept[0].end;
  return true;
}

void service_end_instance(supervised_cell *service) {
  if (!hold_if_idle(service)) service->ended_by_operator = true; /* ends mid-exchange */
  service->handing_over = false;
  cell_request_end(service->instance, FAULT_KILLED);
}

static void step_handover(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  cell *old = service->instance;
  if (!service->handing_over || !old || atomic_load(&old->ended)) return;
  if (!hold_if_idle(service) && now < service->handover_deadline && reads_stdin_only(service)) {
    uint64_t retry = now + 1000000; /* it is busy: look again in a millisecond */
    if (retry < *next_deadline) *next_deadline = retry;
    return;
  }
  if (!service->held_input) service->ended_by_operator = true; /* never idle: mid-exchange */
  service->handing_over = false;
  cell_request_end(old, FAULT_KILLED);
}

void service_begin_upgrade(supervised_cell *service, cell *standby, cell_code *code, char *path,
                           struct control_call *call, uint64_t now) {
  service->upgrade = standby;
  service->upgrade_code = *code;
  *code = (cell_code){0};
  service->upgrade_path = path;
  service->upgrade_call = call;
  service->upgrade_deadline = now + service->spec->limits.init_timeout_ns;
  /* Its end (a trap in its initialisation) wakes the supervisor too. */
  if (cell_watch_end(standby, &service->owner->wake)) waiter_wake(&service->owner->wake);
}

void service_abandon_upgrade(supervised_cell *service) {
  if (!service->upgrade_call) return;
  if (service->upgrade) cell_disown(service->upgrade);
  code_release(&service->upgrade_code);
  finish_upgrade(service, control_error_reply("the system is ending"));
}

static void check_upgrade(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  cell *upgrade = service->upgrade;
  if (!upgrade) return;
  if (atomic_load(&upgrade->ended)) {
    char how[256], name[48];
    cell_outcome_describe(&upgrade->outcome, how, sizeof how);
    if (!upgrade->outcome.faulted)
      snprintf(how, sizeof how, "it exited with status %u", upgrade->outcome.exit_code);
    snprintf(name, sizeof name, "%s", upgrade->name);
    cell_reap(upgrade);
    refuse_upgrade(service, name, how);
  } else if (service->owner->stopping) {
    cell_disown(upgrade);
    code_release(&service->upgrade_code);
    finish_upgrade(service, control_error_reply("the system is stopping"));
  } else if (cell_watch_initialised(upgrade, &service->owner->wake)) {
    /* Watched, so the switch comes as soon as the new code is ready for
     * it, not at the deadline the supervisor would otherwise sleep to. */
    commit_upgrade(service);
  } else if (now >= service->upgrade_deadline) {
    cell_request_end(upgrade, FAULT_INIT_TIMEOUT); /* seen ended at a next step */
    service->upgrade_deadline = UINT64_MAX;
  } else if (service->upgrade_deadline < *next_deadline) {
    *next_deadline = service->upgrade_deadline;
  }
}

/* Ends for good a service that will not start again. */
static void finish_for_good(supervised_cell *service, service_state state) {
  service->state = state;
  service_discard_standby(service);
  kept_ends_close_for_good(service);
  supervisor_poke(service->owner);
}

/* Stopping: killed once its grace is over. */
static void step_stop(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  if (!service->stop_deadline || service->killed_for_stop || service->state != SERVICE_RUNNING)
    return;
  if (now < service->stop_deadline) {
    lower_deadline(next_deadline, service->stop_deadline);
    return;
  }
  log_message(LOG_WARN, service->instance->name, "still running after its grace; killed");
  service->killed_for_stop = true;
  cell_request_end(service->instance, FAULT_KILLED);
}

void service_step(supervised_cell *service, uint64_t now, uint64_t *next_deadline) {
  service_state before = service->state;
  check_standby(service, now, next_deadline);
  check_upgrade(service, now, next_deadline);
  check_trial(service, now, next_deadline);
  if (service->state == SERVICE_RUNNING) step_handover(service, now, next_deadline);
  if (service->owner->stopping) step_stop(service, now, next_deadline);
  switch (service->state) {
  case SERVICE_WAITING:
    if (service->owner->stopping) finish_for_good(service, SERVICE_DONE);
    break;
  case SERVICE_STARTING:
    if (service->owner->stopping) {
      finish_for_good(service, SERVICE_DONE);
      break;
    }
    start_instance(service, now);
    if (service->state == SERVICE_RUNNING) check_init_timeout(service, now, next_deadline);
    break;
  case SERVICE_RUNNING:
    if (!atomic_load(&service->instance->ended)) check_init_timeout(service, now, next_deadline);
    else if (last_lines_logged(service, now, next_deadline)) instance_ended(service, now);
    if (service->state == SERVICE_RESTARTING) restart_when_due(service, now, next_deadline);
    break;
  case SERVICE_RESTARTING:
    restart_when_due(service, now, next_deadline);
    break;
  case SERVICE_DONE:
  case SERVICE_FAILED:
    break;
  }
  if (service->state == SERVICE_RESTARTING) lower_deadline(next_deadline, service->restart_at);
  if (service->state == SERVICE_RUNNING && service->init_deadline)
    lower_deadline(next_deadline, service->init_deadline);
  /* Its group steps before it: another pass lets the group see this. */
  if (service->group && service->state != before) supervisor_poke(service->owner);
}

/* Stopping: a service's input ends, which a well-behaved cell takes as
 * the signal to finish; its grace bounds how long it may take. */
void service_tell_to_stop(supervised_cell *service, uint64_t now) {
  service_discard_standby(service);
  if (service->stop_deadline) return;
  service->stop_deadline = now + supervisor_grace_of(service);
  supervisor_poke(service->owner);
  if (service->state != SERVICE_RUNNING || !service->kept[0].end) return;
  channel_end_finish_input(service->kept[0].end);
}

void service_start_for_group(supervised_cell *service, uint64_t now) {
  if (service->state != SERVICE_WAITING) return;
  bool ran_before = service->instance_number > 0;
  if (ran_before && service->spec->restart.policy == RESTART_NEVER) {
    finish_for_good(service, SERVICE_DONE); /* OTP's temporary child: never again */
    return;
  }
  if (!ran_before) {
    service->state = SERVICE_STARTING;
    start_instance(service, now);
    return;
  }
  service->state = SERVICE_RESTARTING; /* once its ends are back */
  service->restart_at = now;
  service->restart_requested = true; /* counted by the group already */
  supervisor_poke(service->owner);
}

void service_end_for_group(supervised_cell *service) {
  switch (service->state) {
  case SERVICE_RUNNING:
    if (service->group_ending) return;
    service->group_ending = true;
    service->restart_requested = false;
    service_end_instance(service);
    break;
  case SERVICE_STARTING:
  case SERVICE_RESTARTING:
    service->state = SERVICE_WAITING;
    supervisor_poke(service->owner);
    break;
  case SERVICE_WAITING:
  case SERVICE_DONE:
  case SERVICE_FAILED:
    break;
  }
}

bool service_ready_or_finished(const supervised_cell *service) {
  return (service->state == SERVICE_RUNNING && service->ready) || service_finished(service);
}

void service_fail_for_good(supervised_cell *service) {
  if (service->state == SERVICE_RUNNING && service->instance) {
    cell_request_end(service->instance, FAULT_KILLED);
    return; /* ended for good once it has ended: the system is over for it */
  }
  if (!service_finished(service)) finish_for_good(service, SERVICE_FAILED);
}

void service_kill(supervised_cell *service) {
  if (service->state == SERVICE_RUNNING) cell_request_end(service->instance, FAULT_KILLED);
}

bool service_finished(const supervised_cell *service) {
  return service->state == SERVICE_DONE || service->state == SERVICE_FAILED;
}
