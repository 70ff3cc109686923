/* SPDX-License-Identifier: Apache-2.0 */
/* Triggers: a fresh cell per event, holding only that event. A TCP trigger
 * gives each accepted connection its own cell, the socket being its stdin
 * and stdout; a channel trigger gives each line written to its channel
 * its own cell, the line being its whole stdin.
 *
 * At most `concurrency` instances live at once. Past that, TCP connections
 * wait in a backlog of `backlog` and beyond it are refused (closed at
 * once, and logged); a channel trigger stops reading its channel, so its
 * writers block: backpressure instead of refusal. Instances are detached
 * cells; each carries a slot (a resource of its own) whose release, when
 * the instance ends however it ends, frees its place and logs its end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "net/endpoint.h"
#include "core/reactor.h"
#include "sup/supervisor_private.h"

#define MESSAGE_MAX (64u * 1024)

typedef struct trigger_slot trigger_slot;

/* An accepted connection waiting for a place, and since when: its wait
 * is part of its event's time (the latency its client sees). */
typedef struct queued_connection {
  int fd;
  uint64_t arrived_at;
} queued_connection;

typedef struct line_budget {
  uint64_t second_began, lines, over;
} line_budget;

typedef struct trigger {
  supervised_cell *cell_spec;
  pthread_mutex_t lock;
  pthread_cond_t place_freed;
  uint32_t live;        /* instances started or starting */
  uint64_t spawned;     /* numbers instances; also how many were accepted */
  uint64_t refused;     /* connections closed unserved (backlog full) */
  uint64_t latency_buckets[TRIGGER_LATENCY_BUCKETS], latency_count, latency_sum_ns;
  uint64_t faults_by_kind[FAULT_COUNT];
  uint64_t cpu_ns_ended;
  line_budget routine_lines, failure_lines; /* within_budget */
  trigger_slot *slots;  /* the live instances, to kill them */
  bool stopping;
  /* TCP */
  int listening_fd;
  reactor *sockets;
  reactor_listener *listener;
  queued_connection *queued; /* accepted connections waiting for a place */
  size_t queued_head, queued_count;
  /* channel */
  channel_end *input;
  pthread_t reader;
  bool reader_started, input_ended;
} trigger;

struct trigger_slot {
  resource owned;
  trigger *owner;
  cell *instance;
  uint64_t arrived_at; /* its event's: the connection accepted, the message read */
  trigger_slot *previous, *next;
};

/* The supervisor's thread is woken only when it has something to do: a
 * queued connection to start, or a trigger that may be finished. Not once
 * per request. */
static void give_back_place(trigger *owner) {
  pthread_mutex_lock(&owner->lock);
  owner->live--;
  pthread_cond_broadcast(&owner->place_freed);
  bool supervisor_needed = owner->queued_count > 0 || owner->live == 0;
  pthread_mutex_unlock(&owner->lock);
  if (supervisor_needed) waiter_wake(&owner->cell_spec->owner->wake);
}

/* A trigger's own lines about its instances are budgeted per second:
 * under load two lines per request cost more than the request, and a
 * hostile client whose every request makes its instance fail must not
 * flood the log (an instance's own output has the cell's log limits).
 * Routine lines (an instance started, one exited with status 0) past
 * the budget go to debug (shown with -v); failures past it are counted,
 * not logged one by one (minos ps and the metrics count them all). The
 * next second's first line of the kind says how many. */
#define TRIGGER_LINES_PER_SECOND 100

/* Whether one more line fits this second's budget; *over_last: how
 * many did not fit in the second before, once. */
static bool within_budget(trigger *owner, line_budget *budget, uint64_t *over_last) {
  uint64_t now = monotonic_ns();
  *over_last = 0;
  pthread_mutex_lock(&owner->lock);
  if (now - budget->second_began >= 1000000000u) {
    *over_last = budget->over;
    budget->second_began = now;
    budget->lines = budget->over = 0;
  }
  bool within = ++budget->lines <= TRIGGER_LINES_PER_SECOND;
  budget->over += !within;
  pthread_mutex_unlock(&owner->lock);
  return within;
}

/* Whether one more line fits its budget; the first of a second says, at
 * `level`, how many did not fit the second before. */
static bool fits_and_tells(trigger *owner, line_budget *budget, log_level level,
                           const char *what) {
  uint64_t over_last;
  bool within = within_budget(owner, budget, &over_last);
  if (over_last)
    log_message(level, owner->cell_spec->spec->name, "busy: %llu more %s",
                (unsigned long long)over_last, what);
  return within;
}

static log_level routine_level(trigger *owner) {
  return fits_and_tells(owner, &owner->routine_lines, LOG_INFO,
                        "routine lines (instances started, exited with status 0) went to "
                        "the debug level (-v) in the last second")
             ? LOG_INFO
             : LOG_DEBUG;
}

static bool failure_logged(trigger *owner) {
  return fits_and_tells(owner, &owner->failure_lines, LOG_WARN,
                        "instances failed in the last second, not logged one by one "
                        "(minos ps and the metrics count every fault)");
}

const double trigger_latency_bounds[TRIGGER_LATENCY_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 10};

/* Under the trigger's lock: an instance's time and end, for metrics. */
static void count_end(trigger *owner, const trigger_slot *slot) {
  uint64_t took = monotonic_ns() - slot->arrived_at;
  for (size_t i = 0; i < TRIGGER_LATENCY_BUCKETS; i++)
    owner->latency_buckets[i] += (double)took / 1e9 <= trigger_latency_bounds[i];
  owner->latency_count++;
  owner->latency_sum_ns += took;
  const cell_outcome *outcome = &slot->instance->outcome;
  if (outcome->faulted && outcome->fault < FAULT_COUNT) owner->faults_by_kind[outcome->fault]++;
  else if (outcome->exit_code) owner->faults_by_kind[FAULT_NONE]++;
  owner->cpu_ns_ended += slot->instance->cpu_used_ns;
}

static void release_slot(resource *item) {
  trigger_slot *slot = (trigger_slot *)item;
  trigger *owner = slot->owner;
  if (slot->instance) { /* told after its last lines: its streams close after this */
    const cell_outcome *outcome = &slot->instance->outcome;
    char description[256], message[300];
    cell_outcome_describe(outcome, description, sizeof description);
    if (outcome->faulted) snprintf(message, sizeof message, "fault: %s", description);
    else snprintf(message, sizeof message, "exited with status %u", outcome->exit_code);
    bool failed = outcome->faulted || outcome->exit_code;
    if (!failed || failure_logged(owner))
      output_log_after_streams(owner->cell_spec->owner->output,
                               failed ? LOG_WARN : routine_level(owner), slot->instance->name,
                               message);
  }
  pthread_mutex_lock(&owner->lock);
  if (slot->instance) count_end(owner, slot);
  if (slot->previous) slot->previous->next = slot->next;
  else if (owner->slots == slot) owner->slots = slot->next;
  if (slot->next) slot->next->previous = slot->previous;
  pthread_mutex_unlock(&owner->lock);
  free(slot);
  give_back_place(owner);
}

/* Starts an instance in a place already counted in `live`, for an event
 * that arrived at arrived_at (monotonic_ns). Takes the ends. */
static void spawn(trigger *owner, channel_end *input, channel_end *output, const char *event,
                  uint64_t arrived_at) {
  supervised_cell *cell_spec = owner->cell_spec;
  pthread_mutex_lock(&owner->lock);
  uint64_t number = ++owner->spawned;
  pthread_mutex_unlock(&owner->lock);
  char name[48];
  instance_name(cell_spec, number, name, sizeof name);
  trigger_slot *slot = calloc(1, sizeof *slot);
  channel_end *stdio[3] = {input, output ? output : instance_own_stdio(cell_spec, 1, name),
                           instance_own_stdio(cell_spec, 2, name)};
  cell *created = NULL;
  if (!slot || !stdio[1] || !stdio[2]) log_message(LOG_ERROR, name, "cannot start: out of memory");
  else instance_create(cell_spec, name, &created);
  if (!created) {
    for (int i = 0; i < 3; i++)
      if (stdio[i]) channel_end_close(stdio[i]);
    free(slot);
    give_back_place(owner);
    return;
  }
  slot->owner = owner;
  slot->instance = created;
  slot->arrived_at = arrived_at;
  pthread_mutex_lock(&owner->lock);
  slot->next = owner->slots;
  if (owner->slots) owner->slots->previous = slot;
  owner->slots = slot;
  pthread_mutex_unlock(&owner->lock);
  /* From here the slot goes with the cell, however it ends. */
  cell_own(created, &slot->owned, release_slot);
  if (instance_give_ends(cell_spec, created, stdio) != MINOS_OK) {
    cell_disown(created); /* which releases the slot */
    return;
  }
  log_message(routine_level(owner), name, "started for %s", event);
  if (instance_place(cell_spec, created, NULL) == MINOS_OK) cell_detach(created);
}

/* Waits for a place; false if the trigger is stopping instead. */
static bool take_place(trigger *owner) {
  uint32_t concurrency = owner->cell_spec->spec->trigger.concurrency;
  pthread_mutex_lock(&owner->lock);
  while (!owner->stopping && owner->live >= concurrency)
    pthread_cond_wait(&owner->place_freed, &owner->lock);
  bool taken = !owner->stopping;
  if (taken) owner->live++;
  pthread_mutex_unlock(&owner->lock);
  return taken;
}

/* One message: a channel holding the line, already finished. */
static void spawn_for_message(trigger *owner, const char *line, size_t length,
                              uint64_t arrived_at) {
  channel_end *write_end, *read_end;
  uint32_t capacity = length + 1 > CHANNEL_DEFAULT_CAPACITY ? (uint32_t)length + 1 : 0;
  if (channel_create(capacity, &write_end, &read_end) != MINOS_OK) {
    give_back_place(owner);
    return;
  }
  waiter self;
  waiter_init_host(&self);
  if (length) channel_write(&self, write_end, line, (uint32_t)length, DEADLINE_NOW);
  channel_write(&self, write_end, "\n", 1, DEADLINE_NOW);
  channel_end_close(write_end);
  char event[64];
  snprintf(event, sizeof event, "a message of %zu bytes", length);
  spawn(owner, read_end, NULL, event, arrived_at);
}

static void *read_messages(void *argument) {
  trigger *owner = argument;
  waiter self;
  waiter_init_host(&self);
  char *line = malloc(MESSAGE_MAX);
  size_t length = 0;
  char buffer[4096];
  uint32_t rotation = 0, which = 0;
  for (;;) {
    int64_t got = line ? channel_read(&self, &owner->input, 1, buffer, sizeof buffer,
                                      DEADLINE_NEVER, &rotation, &which)
                       : 0;
    if (got == -MINOS_ERESET) continue;
    if (got <= 0) break;
    for (int64_t i = 0; i < got; i++) {
      bool full = length == MESSAGE_MAX;
      if (buffer[i] != '\n' && !full) {
        line[length++] = buffer[i];
        continue;
      }
      if (full) log_message(LOG_WARN, owner->cell_spec->spec->name,
                            "a message longer than %u bytes was cut", MESSAGE_MAX);
      uint64_t arrived_at = monotonic_ns(); /* waiting for a place is its queue */
      if (!take_place(owner)) goto done;
      spawn_for_message(owner, line, length, arrived_at);
      length = 0;
      if (full) line[length++] = buffer[i];
    }
  }
  uint64_t arrived_at = monotonic_ns();
  if (length && take_place(owner)) spawn_for_message(owner, line, length, arrived_at);
done:
  free(line);
  pthread_mutex_lock(&owner->lock);
  owner->input_ended = true;
  pthread_mutex_unlock(&owner->lock);
  waiter_wake(&owner->cell_spec->owner->wake);
  return NULL;
}

/* TCP: on the reactor's thread, for each accepted connection. */
static void spawn_for_connection(trigger *owner, int fd, uint64_t arrived_at) {
  channel_end *from_peer, *to_peer;
  if (reactor_attach_socket(owner->sockets, fd, &from_peer, &to_peer) != MINOS_OK) {
    close(fd);
    give_back_place(owner);
    return;
  }
  spawn(owner, from_peer, to_peer, "a connection", arrived_at);
}

static void connection_accepted(void *context, int fd) {
  trigger *owner = context;
  const spec_trigger *rule = &owner->cell_spec->spec->trigger;
  uint64_t arrived_at = monotonic_ns();
  pthread_mutex_lock(&owner->lock);
  enum { START, QUEUE, REFUSE } choice = owner->stopping ? REFUSE
                                         : owner->live < rule->concurrency ? START
                                         : owner->queued_count < rule->backlog ? QUEUE
                                                                               : REFUSE;
  if (choice == START) owner->live++;
  if (choice == REFUSE && !owner->stopping) owner->refused++;
  if (choice == QUEUE)
    owner->queued[(owner->queued_head + owner->queued_count++) % rule->backlog] =
        (queued_connection){fd, arrived_at};
  uint32_t live = owner->live;
  bool stopping = owner->stopping;
  pthread_mutex_unlock(&owner->lock);
  if (choice == START) spawn_for_connection(owner, fd, arrived_at);
  if (choice == REFUSE) {
    close(fd);
    if (!stopping)
      log_message(LOG_WARN, owner->cell_spec->spec->name,
                  "refused a connection: %u instances running, backlog of %u full", live,
                  rule->backlog);
  }
}

trigger_counts trigger_count(trigger *owner) {
  pthread_mutex_lock(&owner->lock);
  trigger_counts counts = {.running = owner->live, .queued = owner->queued_count,
                           .accepted = owner->spawned, .refused = owner->refused,
                           .latency_count = owner->latency_count,
                           .latency_sum_ns = owner->latency_sum_ns,
                           .cpu_ns = owner->cpu_ns_ended};
  /* A slot leaves the list (under this lock) before its cell's account is
   * closed: every account read here is alive. */
  for (const trigger_slot *slot = owner->slots; slot; slot = slot->next)
    if (slot->instance->account)
      counts.memory_bytes += atomic_load_explicit(&slot->instance->account->used[ACCOUNT_MEMORY],
                                                  memory_order_relaxed);
  memcpy(counts.latency_buckets, owner->latency_buckets, sizeof counts.latency_buckets);
  memcpy(counts.faults_by_kind, owner->faults_by_kind, sizeof counts.faults_by_kind);
  pthread_mutex_unlock(&owner->lock);
  return counts;
}

/* On the supervisor's thread: queued connections take freed places. */
void trigger_step(trigger *owner, uint64_t now) {
  (void)now;
  const spec_trigger *rule = &owner->cell_spec->spec->trigger;
  for (;;) {
    pthread_mutex_lock(&owner->lock);
    queued_connection next = {.fd = -1};
    if (owner->queued_count && owner->live < rule->concurrency && !owner->stopping) {
      next = owner->queued[owner->queued_head];
      owner->queued_head = (owner->queued_head + 1) % rule->backlog;
      owner->queued_count--;
      owner->live++;
    }
    pthread_mutex_unlock(&owner->lock);
    if (next.fd < 0) return;
    spawn_for_connection(owner, next.fd, next.arrived_at);
  }
}

static minos_status open_listener(trigger *owner, char *error, size_t error_size) {
  const spec_trigger *rule = &owner->cell_spec->spec->trigger;
  const char *name = owner->cell_spec->spec->name;
  net_endpoint endpoint = {.protocol = NET_TCP};
  if (!spec_trigger_address(rule, &endpoint.address, &endpoint.length)) {
    snprintf(error, error_size, "cell %s: trigger address %s is not valid", name, rule->listen);
    return MINOS_EUSAGE;
  }
  int fd;
  minos_status status = net_listen_socket(&endpoint, &fd);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "cell %s: cannot listen on %s: %s", name, rule->listen,
             strerror(errno));
    return status;
  }
  owner->listening_fd = fd;
  status = runtime_reactor(&owner->cell_spec->owner->workers, &owner->sockets);
  if (status == MINOS_OK)
    status = reactor_listen(owner->sockets, fd, connection_accepted, owner, &owner->listener);
  if (status != MINOS_OK)
    snprintf(error, error_size, "cell %s: cannot watch its listening socket: %s",
             owner->cell_spec->spec->name, minos_status_name(status));
  else
    log_message(LOG_INFO, owner->cell_spec->spec->name, "listening on %s", rule->listen);
  return status;
}

minos_status trigger_create(supervised_cell *cell_spec, channel_end *input, char *error,
                            size_t error_size) {
  trigger *owner = calloc(1, sizeof *owner);
  if (!owner) return MINOS_ENOMEM;
  owner->cell_spec = cell_spec;
  owner->listening_fd = -1;
  owner->input = input;
  pthread_mutex_init(&owner->lock, NULL);
  pthread_cond_init(&owner->place_freed, NULL);
  cell_spec->trigger = owner;
  const spec_trigger *rule = &cell_spec->spec->trigger;
  if (rule->kind == TRIGGER_TCP) {
    owner->queued = calloc(rule->backlog ? rule->backlog : 1, sizeof *owner->queued);
    if (!owner->queued) return MINOS_ENOMEM;
    return open_listener(owner, error, error_size);
  }
  if (pthread_create(&owner->reader, NULL, read_messages, owner) != 0) {
    snprintf(error, error_size, "cell %s: cannot start its trigger", cell_spec->spec->name);
    return MINOS_EIO;
  }
  owner->reader_started = true;
  return MINOS_OK;
}

void trigger_stop_accepting(trigger *owner) {
  pthread_mutex_lock(&owner->lock);
  owner->stopping = true;
  pthread_cond_broadcast(&owner->place_freed);
  queued_connection *queued = owner->queued;
  size_t head = owner->queued_head, count = owner->queued_count;
  owner->queued_count = 0;
  pthread_mutex_unlock(&owner->lock);
  uint32_t backlog = owner->cell_spec->spec->trigger.backlog;
  for (size_t i = 0; i < count; i++) close(queued[(head + i) % backlog].fd);
  if (owner->listener) {
    reactor_listener_close(owner->listener);
    owner->listener = NULL;
  }
  if (owner->listening_fd >= 0) {
    close(owner->listening_fd);
    owner->listening_fd = -1;
  }
  if (owner->input) channel_end_finish_input(owner->input);
}

void trigger_kill(trigger *owner) {
  pthread_mutex_lock(&owner->lock);
  for (trigger_slot *slot = owner->slots; slot; slot = slot->next)
    cell_request_end(slot->instance, FAULT_KILLED);
  pthread_mutex_unlock(&owner->lock);
}

bool trigger_finished(const trigger *owner) {
  trigger *self = (trigger *)owner;
  pthread_mutex_lock(&self->lock);
  bool over = self->live == 0 &&
              (self->cell_spec->spec->trigger.kind == TRIGGER_TCP ? self->stopping
                                                                    : self->input_ended);
  pthread_mutex_unlock(&self->lock);
  return over;
}

void trigger_free(trigger *owner) {
  trigger_stop_accepting(owner);
  if (owner->reader_started) pthread_join(owner->reader, NULL);
  if (owner->input) channel_end_close(owner->input);
  free(owner->queued);
  pthread_cond_destroy(&owner->place_freed);
  pthread_mutex_destroy(&owner->lock);
  owner->cell_spec->trigger = NULL;
  free(owner);
}
