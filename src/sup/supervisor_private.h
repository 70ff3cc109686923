/* SPDX-License-Identifier: Apache-2.0 */
/* What the supervisor's files share: the running system and its cells. */
#ifndef MINOS_SUP_SUPERVISOR_PRIVATE_H
#define MINOS_SUP_SUPERVISOR_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/bridge.h"
#include "core/channel.h"
#include "core/runtime.h"
#include "sup/output_log.h"
#include "sup/restart_policy.h"
#include "sup/supervisor.h"
#include "core/code.h"

typedef enum service_state {
  SERVICE_STARTING,   /* not started yet */
  SERVICE_RUNNING,
  SERVICE_RESTARTING, /* waiting out its backoff (and for its ends to come back) */
  SERVICE_DONE,       /* ended, and its policy does not restart it */
  SERVICE_FAILED,     /* gave up after too many restarts */
  SERVICE_WAITING,    /* for its group to start it (group.c) */
} service_state;

struct supervised_group;

/* An end the supervisor keeps across a cell's instances. */
typedef struct kept_end {
  channel_end *end;
  bool lent;       /* an instance (or its child) holds it now */
  bool output;     /* the instance writes to it */
  bool reset_reader; /* its channel says "on_writer_restart": "reset" */
} kept_end;

struct trigger;

typedef struct supervised_cell {
  supervisor *owner;
  const spec_cell *spec;
  cell_code code;
  char **env; /* the spec's, then MINOS_END_<NAME>=fd for its named ends */
  size_t env_count;
  /* Stable endpoints: [0..3) stdio (NULL where not kept), then named ends. */
  kept_end *kept;
  size_t kept_count;
  spinlock kept_lock;
  bool closing_for_good; /* ends coming back now are closed */
  channel_lender lender;
  /* A service (no trigger): */
  service_state state;
  cell *instance;
  /* The next instance, already initialised and waiting (NULL if none):
   * a restart then only hands it the ends, which is most of why a crash
   * is served again within microseconds. */
  cell *standby;
  uint64_t standby_init_deadline;
  bool standby_failed;
  uint64_t instance_number;
  uint64_t started_at, init_deadline, restart_at;
  uint64_t restarts; /* since the system started, whatever the window */
  uint64_t faults;   /* instances that failed (a fault or a non-zero exit) */
  /* By kind, for metrics: [fault] for faults, [FAULT_NONE] for non-zero exits. */
  uint64_t faults_by_kind[FAULT_COUNT];
  uint64_t cpu_ns_ended; /* CPU time of the instances that ended */
  bool restart_requested; /* by an operator: not a failure, not counted against the policy */
  bool ended_by_operator; /* ended mid-exchange: what was in flight is dropped */
  /* A handover (restart, upgrade): the instance ends once it waits for
   * its next request, its stdin held meanwhile, so no request is lost;
   * if it is never idle before the deadline, it ends where it is. */
  bool handing_over;
  uint64_t handover_deadline;
  channel_end *held_input;
  char last_fault[160]; /* how the last instance that failed ended */
  char *code_path;       /* what it runs: the spec's, or an upgrade's */
  /* An upgrade under way (minos upgrade): the new code's first instance,
   * initialising; the request waits for how that ends. */
  cell *upgrade;
  cell_code upgrade_code;
  char *upgrade_path;
  uint64_t upgrade_deadline;
  struct control_call *upgrade_call;
  /* An upgrade switched in, on trial: the new code's first instance
   * (trial_name, once started) must become ready and live on for a
   * moment (trial_until, from its readiness); if it ends by itself
   * before, the previous code comes back. upgrade_call stays pending
   * until that is decided. */
  bool on_trial;
  char trial_name[48];
  uint64_t trial_until;
  cell_code previous_code;
  char *previous_path;
  /* Bytes its kept ends had read and written when the trial instance
   * started: whether it then served (read a request, wrote an answer). */
  uint64_t trial_read_from, trial_written_from;
  restart_history history;
  /* Readiness (readiness.c): whether the instance is ready by its spec's
   * rule; for "notify", the supervisor's end of its ready channel. */
  bool ready;
  channel_end *ready_end;
  /* Stopping: when its grace is over (0: not told to stop yet). */
  uint64_t stop_deadline;
  bool killed_for_stop;
  /* Its group (NULL: the system's own, which starts everything at once)
   * and its place there; group_ending: its group ends the instance. */
  struct supervised_group *group;
  size_t group_position;
  bool group_ending;
  /* A trigger cell: */
  struct trigger *trigger;
} supervised_cell;

typedef enum group_phase {
  GROUP_WAITING,  /* for its parent to start it */
  GROUP_STARTING, /* starting members in order, each once the one before is ready */
  GROUP_RUNNING,
  GROUP_ENDING,   /* ending members in reverse order, to restart them or to give up */
  GROUP_IDLE,     /* gave up: its members ended, its parent decides */
  GROUP_STOPPING, /* the system stops: members stop in reverse order */
  GROUP_DONE,
} group_phase;

typedef enum group_ending_purpose { END_TO_RESTART, END_TO_GIVE_UP, END_FOR_PARENT } group_ending_purpose;

/* A supervision group (spec.h's spec_group) running. */
typedef struct supervised_group {
  supervisor *owner;
  const spec_group *spec;
  struct supervised_group *parent; /* NULL: a group of the system's */
  size_t position;                 /* in the parent's members */
  group_phase phase;
  /* STARTING: the member to start next; ENDING and STOPPING: one past
   * the member being ended; ENDING ends members down to restart_from. */
  size_t cursor, restart_from;
  bool member_told; /* the cursor's member was asked to end or stop */
  bool restarting;  /* ENDING or STARTING for a restart of its own */
  /* Why it is ENDING: to restart members, to give up, or because its
   * parent restarts it (then it waits, IDLE, to be started afresh). */
  group_ending_purpose ending_for;
  restart_history history;
  uint64_t restarts;
} supervised_group;

struct control_socket;
struct control_call;

struct supervisor {
  const spec *spec;
  uint64_t started_at;
  /* The control socket (control.c): requests wait in calls until the
   * supervisor's thread answers them; `preparing` upgrades' new code is
   * being compiled on threads of their own (calls_answered: one is done). */
  struct control_socket *control;
  pthread_mutex_t calls_lock;
  pthread_cond_t calls_answered;
  struct control_call *calls;
  size_t preparing;
  bool control_ending;
  runtime workers;
  bool workers_started;
  output_log *output;
  supervised_cell *cells;
  supervised_group *groups; /* parallel to spec->groups */
  bool ready_notified;      /* systemd heard READY=1 */
  /* Each spec channel's ends not kept by a cell (a channel trigger's input). */
  channel_end **channel_write_ends, **channel_read_ends;
  bridge *bridges[SPEC_TERMINAL_STREAMS_MAX]; /* to and from the terminal */
  size_t bridge_count;
  waiter wake; /* the supervisor thread sleeps here; everything wakes it */
  atomic_bool stop_requested, stop_now;
  bool stopping, killed;
  int exit_status;
};

/* A spec endpoint's place among its cell's kept ends: stdio 0-2, then
 * its named ends. */
size_t supervisor_slot_index(const spec_endpoint *endpoint);
/* One end of a spec channel that a service keeps (for its statistics),
 * or NULL once neither side's cell keeps one. */
channel_end *supervisor_channel_end(supervisor *owner, size_t index);

/* Stops the system: cells are told to stop, and killed after the grace
 * period (supervisor.c). */
void supervisor_begin_stop(supervisor *owner);

/* instance.c: a new instance of a cell, holding no end yet and waiting
 * to be started: a standby is placed like that and initialises; the ends
 * come later, at once for a fresh instance, at a restart for a standby. */
minos_status instance_create(supervised_cell *cell_spec, const char *name, cell **out);
/* The same from other code than the cell's (an upgrade's); why it
 * failed in error. */
minos_status instance_create_from(supervised_cell *cell_spec, const cell_code *code,
                                  const char *name, cell **out, char *error, size_t error_size);
/* Gives an instance its stdio (taken, even on failure) and the cell's kept
 * named ends (lent), then lets its _start run (once it is placed). On
 * failure the caller disowns it. */
minos_status instance_give_ends(supervised_cell *cell_spec, cell *created, channel_end *stdio[3]);
/* Starts it on a worker (near's, if given); on failure it is disowned
 * (and its resources released). */
minos_status instance_place(supervised_cell *cell_spec, cell *created, const cell *near);
/* The per-instance part of stdio for a slot that is not kept: an empty
 * stdin, or a stream into the log (or dropped). NULL on failure. */
channel_end *instance_own_stdio(supervised_cell *cell_spec, int slot, const char *name);
/* "kv#3" */
void instance_name(const supervised_cell *cell_spec, uint64_t number, char *name, size_t size);

/* Another pass of the supervisor's loop soon: a state others wait for
 * changed. */
static inline void supervisor_poke(supervisor *owner) { waiter_wake(&owner->wake); }
/* A cell's grace on stop: its own, else the system's. */
uint64_t supervisor_grace_of(const supervised_cell *item);

/* service.c */
/* The system ends: an upgrade under way is answered so ("the system is
 * ending") and its new instance, if any, let go. */
void service_abandon_upgrade(supervised_cell *service);
void service_step(supervised_cell *service, uint64_t now, uint64_t *next_deadline);
/* Stopping (the system's stop, or its group's): its input ends now, and
 * it is killed if still running once its grace is over. */
void service_tell_to_stop(supervised_cell *service, uint64_t now);
/* For its group: starts a WAITING service (again), or ends its instance
 * (not counted as a failure; WAITING once it has ended). */
void service_start_for_group(supervised_cell *service, uint64_t now);
void service_end_for_group(supervised_cell *service);
/* Running and ready by its spec's rule, or ended for good. */
bool service_ready_or_finished(const supervised_cell *service);
/* Ends for good a service its group gave up on (on_give_up "continue"). */
void service_fail_for_good(supervised_cell *service);
void service_kill(supervised_cell *service);
void service_discard_standby(supervised_cell *service);
bool service_finished(const supervised_cell *service);

/* readiness.c: per instance, before it is let start (the ready end is
 * installed after its named ends), and once it has ended. */
minos_status readiness_prepare(supervised_cell *service, cell *instance);
/* Whether the instance is ready now; if not, the supervisor is woken
 * when it may be. */
bool readiness_check(supervised_cell *service);
void readiness_release(supervised_cell *service);

/* group.c */
void groups_start(supervisor *owner);
void group_step(supervised_group *group, uint64_t now);
/* A member needs a restart (strategy one_for_all or rest_for_one, or a
 * member group that gave up): the group ends and restarts members as its
 * strategy says. */
void group_member_needs_restart(supervised_group *group, size_t position, uint64_t now);
/* Counts a restart of one of its members against its intensity; false
 * (and the group gives up) past it. */
bool group_count_restart(supervised_group *group, uint64_t now);
void group_give_up(supervised_group *group, const char *why);
void group_stop(supervised_group *group);
bool group_ready_or_finished(const supervised_group *group);
bool group_finished(const supervised_group *group);
void group_free(supervised_group *group);

/* kept ends (kept_ends.c) */
void kept_ends_init(supervised_cell *cell_spec);
void kept_end_mark_lent(supervised_cell *cell_spec, size_t index, bool lent);
void kept_ends_reset_readers(supervised_cell *cell_spec);
void kept_ends_abandon_in_flight(supervised_cell *cell_spec);
void kept_ends_close_for_good(supervised_cell *cell_spec);
bool kept_ends_all_back(supervised_cell *cell_spec);

/* control.c: the system's control socket (supervisor_open_control). */
/* Answers a request the supervisor kept waiting (an upgrade's). */
void supervisor_control_complete(supervisor *owner, struct control_call *call, char *reply);
/* service.c: an upgrade's new instance, already placed; the service
 * takes it (and code and path) and answers call when it is decided. */
/* Ends the running instance for a fresh one (a restart, an upgrade) at
 * its first pause between two requests. */
void service_hand_over(supervised_cell *service, uint64_t now);
/* Ends the running instance now (kill): between two requests if it is
 * there, else mid-exchange (what was in flight dropped, its client told). */
void service_end_instance(supervised_cell *service);
void service_begin_upgrade(supervised_cell *service, cell *standby, cell_code *code, char *path,
                           struct control_call *call, uint64_t now);

/* Tells subscribers: kind "started", "ended" (detail: how), "gave_up". */
void supervisor_event(supervisor *owner, const char *kind, const supervised_cell *item,
                      const char *instance, const char *detail);
/* metrics.c: the system's metrics in the Prometheus text format
 * (malloc'd), on the supervisor's thread. */
char *supervisor_metrics_text(supervisor *owner, uint64_t now);
/* On the supervisor's thread: answers the requests waiting. */
void supervisor_control_answer(supervisor *owner, uint64_t now);
/* Answers what waits with an error and closes the socket. */
void supervisor_control_close(supervisor *owner);

/* trigger.c */
minos_status trigger_create(supervised_cell *cell_spec, channel_end *input, char *error,
                            size_t error_size);
void trigger_step(struct trigger *trigger, uint64_t now);
void trigger_stop_accepting(struct trigger *trigger);
void trigger_kill(struct trigger *trigger);
bool trigger_finished(const struct trigger *trigger);
#define TRIGGER_LATENCY_BUCKETS 10
extern const double trigger_latency_bounds[TRIGGER_LATENCY_BUCKETS]; /* seconds */
typedef struct trigger_counts {
  uint64_t running, queued, accepted, refused;
  /* Each event, arrival to its instance's end: how many took at most each
   * bound (cumulative, as Prometheus counts), in all, and their sum. */
  uint64_t latency_buckets[TRIGGER_LATENCY_BUCKETS], latency_count, latency_sum_ns;
  uint64_t faults_by_kind[FAULT_COUNT];
  uint64_t cpu_ns;
  uint64_t memory_bytes; /* charged to the running instances' accounts */
} trigger_counts;
trigger_counts trigger_count(struct trigger *trigger);
void trigger_free(struct trigger *trigger);

#endif
