/* SPDX-License-Identifier: Apache-2.0 */
/* Supervision groups (spec.h's spec_group), OTP's supervisors: a group
 * starts its members in order, each once the one before is ready; applies
 * its strategy when a member needs a restart; gives up past its intensity
 * (its members end, and its own group restarts it as one member); and
 * stops its members in reverse order, each with its grace. Members are
 * cells or groups; everything here runs on the supervisor's thread and
 * moves by steps, woken by what members do (supervisor_poke). */
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "sup/supervisor_private.h"

static supervised_cell *member_cell(const supervised_group *group, size_t position) {
  return &group->owner->cells[group->spec->members[position].index];
}

static supervised_group *member_group(const supervised_group *group, size_t position) {
  return &group->owner->groups[group->spec->members[position].index];
}

static bool is_group(const supervised_group *group, size_t position) {
  return group->spec->members[position].is_group;
}

/* Started afresh by its parent (or the system): as OTP starts a new
 * supervisor, with no restarts behind it or its cells. */
static void group_start(supervised_group *group) {
  group->history.count = 0;
  for (size_t i = 0; i < group->spec->member_count; i++)
    if (!is_group(group, i)) member_cell(group, i)->history.count = 0;
  group->phase = GROUP_STARTING;
  group->cursor = group->restart_from = 0;
  group->restarting = false;
  supervisor_poke(group->owner);
}

/* Not running: waiting to be started, or ended for good. */
static bool member_idle(const supervised_group *group, size_t position) {
  if (is_group(group, position)) {
    group_phase phase = member_group(group, position)->phase;
    return phase == GROUP_WAITING || phase == GROUP_IDLE || phase == GROUP_DONE;
  }
  service_state state = member_cell(group, position)->state;
  return state == SERVICE_WAITING || state == SERVICE_DONE || state == SERVICE_FAILED;
}

static bool member_finished(const supervised_group *group, size_t position) {
  return is_group(group, position) ? group_finished(member_group(group, position))
                                   : service_finished(member_cell(group, position));
}

static bool member_ready(const supervised_group *group, size_t position) {
  return is_group(group, position) ? group_ready_or_finished(member_group(group, position))
                                   : service_ready_or_finished(member_cell(group, position));
}

static void member_start(supervised_group *group, size_t position, uint64_t now) {
  if (is_group(group, position)) group_start(member_group(group, position));
  else service_start_for_group(member_cell(group, position), now);
}

/* Ends its members from the last down to `from`, for `purpose`. */
static void begin_ending(supervised_group *group, group_ending_purpose purpose, size_t from) {
  group->phase = GROUP_ENDING;
  group->ending_for = purpose;
  group->restart_from = from;
  group->cursor = group->spec->member_count;
  group->member_told = false;
  supervisor_poke(group->owner);
}

/* Ends a member to restart it: a cell's instance, or every member of a
 * group (which is then IDLE, to be started afresh). */
static void member_end(supervised_group *group, size_t position) {
  if (!is_group(group, position)) {
    service_end_for_group(member_cell(group, position));
    return;
  }
  begin_ending(member_group(group, position), END_FOR_PARENT, 0);
}

static bool ending_to(const supervised_group *group, group_ending_purpose purpose) {
  return group->phase == GROUP_ENDING && group->ending_for == purpose;
}

static void member_stop(supervised_group *group, size_t position, uint64_t now) {
  if (is_group(group, position)) group_stop(member_group(group, position));
  else service_tell_to_stop(member_cell(group, position), now);
}

void groups_start(supervisor *owner) {
  for (size_t i = 0; i < owner->spec->group_count; i++)
    if (!owner->groups[i].parent) group_start(&owner->groups[i]);
}

bool group_finished(const supervised_group *group) { return group->phase == GROUP_DONE; }

bool group_ready_or_finished(const supervised_group *group) {
  return group->phase == GROUP_RUNNING || group->phase == GROUP_DONE;
}

/* ---- the phases ---------------------------------------------------------- */

static void step_starting(supervised_group *group, uint64_t now) {
  size_t count = group->spec->member_count;
  while (group->cursor < count) {
    size_t position = group->cursor;
    if (member_idle(group, position) && !member_finished(group, position))
      member_start(group, position, now);
    if (!member_ready(group, position)) return; /* woken when it is */
    group->cursor++;
  }
  group->phase = GROUP_RUNNING;
  group->restarting = false;
  log_message(LOG_INFO, group->spec->name, "group ready: %zu member%s started in order", count,
              count == 1 ? "" : "s");
  supervisor_poke(group->owner); /* its parent may start its next member */
}

/* Past its intensity, or a member gave up: at the top, the system's
 * on_give_up decides; below, the parent restarts it as one member. */
static void given_up(supervised_group *group, uint64_t now) {
  supervisor *owner = group->owner;
  if (group->parent) {
    group->phase = GROUP_IDLE;
    supervisor_poke(owner);
    if (group_count_restart(group->parent, now))
      group_member_needs_restart(group->parent, group->position, now);
    return;
  }
  group->phase = GROUP_DONE;
  owner->exit_status = 1;
  if (owner->spec->on_give_up == GIVE_UP_STOP) {
    supervisor_begin_stop(owner);
    return;
  }
  /* "continue": the rest of the system runs on without this group. */
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    supervised_group *above = owner->cells[i].group;
    while (above && above != group) above = above->parent;
    if (above) service_fail_for_good(&owner->cells[i]);
  }
  for (size_t i = 0; i < owner->spec->group_count; i++) {
    supervised_group *above = owner->groups[i].parent;
    while (above && above != group) above = above->parent;
    if (above) owner->groups[i].phase = GROUP_DONE;
  }
}

static void step_ending(supervised_group *group, uint64_t now) {
  while (group->cursor > group->restart_from) {
    size_t position = group->cursor - 1;
    if (!member_idle(group, position)) {
      if (!group->member_told) member_end(group, position);
      group->member_told = true;
      return; /* woken when it has ended */
    }
    group->cursor--;
    group->member_told = false;
  }
  if (group->ending_for == END_TO_GIVE_UP) {
    given_up(group, now);
    return;
  }
  if (group->ending_for == END_FOR_PARENT) {
    group->phase = GROUP_IDLE; /* its parent starts it afresh */
    supervisor_poke(group->owner);
    return;
  }
  group->phase = GROUP_STARTING;
  group->cursor = group->restart_from;
  supervisor_poke(group->owner);
}

static void step_stopping(supervised_group *group, uint64_t now) {
  while (group->cursor > 0) {
    size_t position = group->cursor - 1;
    if (!member_finished(group, position)) {
      if (!group->member_told) member_stop(group, position, now);
      group->member_told = true;
      return; /* woken when it has ended (or its grace is over) */
    }
    group->cursor--;
    group->member_told = false;
  }
  group->phase = GROUP_DONE;
  supervisor_poke(group->owner);
}

void group_step(supervised_group *group, uint64_t now) {
  /* Stopping, a group starts and restarts nothing: it waits for its
   * parent's (or the system's) stop to reach it. */
  bool stopping = group->owner->stopping;
  switch (group->phase) {
  case GROUP_STARTING:
    if (!stopping) step_starting(group, now);
    break;
  case GROUP_ENDING:
    if (!stopping) step_ending(group, now);
    break;
  case GROUP_STOPPING:
    step_stopping(group, now);
    break;
  case GROUP_WAITING:
  case GROUP_IDLE:
    if (group->owner->stopping) group->phase = GROUP_DONE;
    break;
  case GROUP_RUNNING:
  case GROUP_DONE:
    break;
  }
}

/* ---- restarts ------------------------------------------------------------ */

/* Whether the group takes restarts now: not while it gives up, stops or
 * is ended by its parent. */
static bool takes_restarts(const supervised_group *group) {
  return !group->owner->stopping &&
         (group->phase == GROUP_STARTING || group->phase == GROUP_RUNNING ||
          ending_to(group, END_TO_RESTART));
}

bool group_count_restart(supervised_group *group, uint64_t now) {
  if (!takes_restarts(group)) return false;
  spec_restart intensity = {.policy = RESTART_ALWAYS, .max_restarts = group->spec->intensity,
                            .window_ns = group->spec->period_ns, .backoff_max_ns = 1};
  uint64_t delay;
  if (restart_decide(&intensity, &group->history, true, now, &delay) == RESTART_GIVE_UP) {
    char why[96];
    snprintf(why, sizeof why, "more than %u restarts within its period", group->spec->intensity);
    group_give_up(group, why);
    return false;
  }
  restart_history_add(&group->history, now);
  group->restarts++;
  return true;
}

void group_member_needs_restart(supervised_group *group, size_t position, uint64_t now) {
  if (!takes_restarts(group)) return;
  size_t count = group->spec->member_count;
  const char *name = is_group(group, position) ? member_group(group, position)->spec->name
                                               : member_cell(group, position)->spec->name;
  if (group->spec->strategy == STRATEGY_ONE_FOR_ONE) {
    /* Only a member group comes here (cells restart by themselves): it
     * has ended already; it starts again where it is. */
    log_message(LOG_WARN, group->spec->name, "one_for_one: restarting member %s", name);
    member_start(group, position, now);
    return;
  }
  /* Members after it (rest_for_one) or all (one_for_all) end, in reverse
   * order, and start again in order; a restart under way takes this one
   * in. Members not started yet are idle, and skipped. */
  size_t from = group->spec->strategy == STRATEGY_ONE_FOR_ALL ? 0 : position;
  if (group->restarting && group->restart_from < from) from = group->restart_from;
  log_message(LOG_WARN, group->spec->name, "%s: member %s needs a restart; restarting %zu of %zu",
              spec_strategy_name(group->spec->strategy), name, count - from, count);
  group->restarting = true;
  begin_ending(group, END_TO_RESTART, from);
}

void group_give_up(supervised_group *group, const char *why) {
  if (!takes_restarts(group)) return;
  log_message(LOG_ERROR, group->spec->name, "group gives up: %s", why);
  begin_ending(group, END_TO_GIVE_UP, 0);
}

void group_stop(supervised_group *group) {
  if (group->phase == GROUP_DONE || group->phase == GROUP_STOPPING) return;
  group->phase = GROUP_STOPPING;
  group->cursor = group->spec->member_count;
  group->member_told = false;
  supervisor_poke(group->owner);
}

void group_free(supervised_group *group) { restart_history_free(&group->history); }
