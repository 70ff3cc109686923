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
} service_state;

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
  restart_history history;
  /* A trigger cell: */
  struct trigger *trigger;
} supervised_cell;

struct control_socket;
struct control_call;

struct supervisor {
  const spec *spec;
  uint64_t started_at;
  /* The control socket (control.c): requests wait in calls until the
   * supervisor's thread answers them. */
  struct control_socket *control;
  pthread_mutex_t calls_lock;
  pthread_cond_t calls_answered;
  struct control_call *calls;
  bool control_ending;
  runtime workers;
  bool workers_started;
  output_log *output;
  supervised_cell *cells;
  /* Each spec channel's ends not kept by a cell (a channel trigger's input). */
  channel_end **channel_write_ends, **channel_read_ends;
  bridge *bridges[SPEC_TERMINAL_STREAMS_MAX]; /* to and from the terminal */
  size_t bridge_count;
  waiter wake; /* the supervisor thread sleeps here; everything wakes it */
  atomic_bool stop_requested, stop_now;
  bool stopping, killed;
  uint64_t stop_deadline;
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
void supervisor_begin_stop(supervisor *owner, uint64_t now);

/* instance.c: a new instance of a cell, holding no end yet and waiting
 * to be started: a standby is placed like that and initialises; the ends
 * come later, at once for a fresh instance, at a restart for a standby. */
minos_status instance_create(supervised_cell *cell_spec, const char *name, cell **out);
/* The same from other code than the cell's (an upgrade's). */
minos_status instance_create_from(supervised_cell *cell_spec, const cell_code *code,
                                  const char *name, cell **out);
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

/* service.c */
void service_step(supervised_cell *service, uint64_t now, uint64_t *next_deadline);
void service_tell_to_stop(supervised_cell *service);
void service_kill(supervised_cell *service);
void service_discard_standby(supervised_cell *service);
bool service_finished(const supervised_cell *service);

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
  /* Each event's instance, start to end: how many took at most each
   * bound (cumulative, as Prometheus counts), in all, and their sum. */
  uint64_t latency_buckets[TRIGGER_LATENCY_BUCKETS], latency_count, latency_sum_ns;
  uint64_t faults_by_kind[FAULT_COUNT];
  uint64_t cpu_ns;
} trigger_counts;
trigger_counts trigger_count(struct trigger *trigger);
void trigger_free(struct trigger *trigger);

#endif
