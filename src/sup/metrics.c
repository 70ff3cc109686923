/* SPDX-License-Identifier: Apache-2.0 */
/* The system's metrics in the Prometheus text format (version 0.0.4), for
 * the spec's "metrics" address (control/control_socket.h serves them):
 * per cell, CPU seconds, memory, restarts, faults by kind, whether it
 * runs; per channel, bytes through and fill; per trigger, events
 * accepted, refused, queued and running, and how long each took. Built on
 * the supervisor's thread, which owns what it reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "sup/supervisor_private.h"

/* A label value: backslash, double quote and newline escaped, as the
 * format says; other bytes as they are (names come from the spec). */
static void label(FILE *out, const char *value) {
  for (const char *at = value; *at; at++) {
    if (*at == '\\' || *at == '"') fputc('\\', out), fputc(*at, out);
    else if (*at == '\n') fputs("\\n", out);
    else fputc(*at, out);
  }
}

static void family(FILE *out, const char *name, const char *type, const char *help) {
  fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{system="S",KEY="VALUE" (the caller closes it, or adds labels) */
static void labelled_series(FILE *out, const char *name, const supervisor *owner,
                            const char *key, const char *value) {
  fprintf(out, "%s{system=\"", name);
  label(out, owner->spec->name);
  if (value) {
    fprintf(out, "\",%s=\"", key);
    label(out, value);
  }
  fputc('"', out);
}

/* name{system="S",cell="C"[,extra]} */
static void series(FILE *out, const char *name, const supervisor *owner, const char *cell_name) {
  labelled_series(out, name, owner, "cell", cell_name);
}

static const char *fault_label(int kind) {
  return kind == FAULT_NONE ? "exit_status" : cell_fault_name((cell_fault)kind);
}

static uint64_t running_cpu_ns(cell *instance) {
  cell_usage usage = {0};
  if (instance->arch->usage) instance->arch->usage(instance, &usage);
  return usage.cpu_ns ? usage.cpu_ns : instance->cpu_used_ns;
}

static void cell_metrics(FILE *out, supervisor *owner) {
  family(out, "minos_cell_up", "gauge", "Whether the cell has an instance running (1) or not (0).");
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    supervised_cell *item = &owner->cells[i];
    bool up = item->trigger ? !trigger_finished(item->trigger)
                            : item->state == SERVICE_RUNNING && item->instance;
    series(out, "minos_cell_up", owner, item->spec->name);
    fprintf(out, "} %d\n", up);
  }
  family(out, "minos_cell_cpu_seconds_total", "counter",
         "CPU time of the cell's instances, ended and running.");
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    supervised_cell *item = &owner->cells[i];
    uint64_t cpu = item->cpu_ns_ended;
    if (item->trigger) cpu = trigger_count(item->trigger).cpu_ns;
    else if (item->state == SERVICE_RUNNING && item->instance) cpu += running_cpu_ns(item->instance);
    series(out, "minos_cell_cpu_seconds_total", owner, item->spec->name);
    fprintf(out, "} %.9f\n", (double)cpu / 1e9);
  }
  family(out, "minos_cell_memory_bytes", "gauge",
         "Memory charged to the running instance (a trigger's: all its running instances): "
         "linear memory and channels it made, and a service's native resident memory.");
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    supervised_cell *item = &owner->cells[i];
    uint64_t bytes = item->trigger ? trigger_count(item->trigger).memory_bytes : 0;
    if (!item->trigger && item->state == SERVICE_RUNNING && item->instance) {
      cell_usage usage = {0};
      if (item->instance->arch->usage) item->instance->arch->usage(item->instance, &usage);
      bytes = usage.resident_bytes +
              (item->instance->account ? item->instance->account->used[ACCOUNT_MEMORY] : 0);
    }
    series(out, "minos_cell_memory_bytes", owner, item->spec->name);
    fprintf(out, "} %llu\n", (unsigned long long)bytes);
  }
  family(out, "minos_cell_restarts_total", "counter", "Restarts of the cell since the system started.");
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    series(out, "minos_cell_restarts_total", owner, owner->cells[i].spec->name);
    fprintf(out, "} %llu\n", (unsigned long long)owner->cells[i].restarts);
  }
  family(out, "minos_cell_faults_total", "counter",
         "Instances that failed, by kind: a fault's name, or exit_status for a non-zero exit.");
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    supervised_cell *item = &owner->cells[i];
    trigger_counts counts = {0};
    if (item->trigger) counts = trigger_count(item->trigger);
    const uint64_t *by_kind = item->trigger ? counts.faults_by_kind : item->faults_by_kind;
    for (int kind = 0; kind < FAULT_COUNT; kind++) {
      if (!by_kind[kind]) continue;
      series(out, "minos_cell_faults_total", owner, item->spec->name);
      fputs(",kind=\"", out);
      label(out, fault_label(kind));
      fprintf(out, "\"} %llu\n", (unsigned long long)by_kind[kind]);
    }
  }
}

static void channel_metrics(FILE *out, supervisor *owner) {
  static const char *const names[] = {"minos_channel_bytes_total", "minos_channel_buffered_bytes",
                                      "minos_channel_capacity_bytes"};
  static const char *const types[] = {"counter", "gauge", "gauge"};
  static const char *const helps[] = {"Bytes written into the channel.",
                                      "Bytes in the channel, written and not yet read.",
                                      "The channel's capacity."};
  for (int metric = 0; metric < 3; metric++) {
    family(out, names[metric], types[metric], helps[metric]);
    for (size_t i = 0; i < owner->spec->channel_count; i++) {
      const spec_channel *wire = &owner->spec->channels[i];
      channel_end *end = supervisor_channel_end(owner, i);
      if (!end) continue;
      channel_statistics stats;
      channel_stats(end, &stats);
      uint64_t value = metric == 0 ? stats.bytes_written
                       : metric == 1 ? stats.buffered
                                     : stats.capacity;
      series(out, names[metric], owner, NULL);
      fputs(",channel=\"", out);
      label(out, wire->name);
      fprintf(out, "\"} %llu\n", (unsigned long long)value);
    }
  }
}

static void trigger_metrics(FILE *out, supervisor *owner) {
  static const char *const names[] = {"minos_trigger_accepted_total", "minos_trigger_refused_total",
                                      "minos_trigger_queued", "minos_trigger_running"};
  static const char *const types[] = {"counter", "counter", "gauge", "gauge"};
  static const char *const helps[] = {
      "Events (connections, messages) the trigger took.",
      "Events refused: every instance busy and the backlog full.",
      "Events waiting for an instance.", "Instances handling an event now."};
  for (int metric = 0; metric < 4; metric++) {
    family(out, names[metric], types[metric], helps[metric]);
    for (size_t i = 0; i < owner->spec->cell_count; i++) {
      if (!owner->cells[i].trigger) continue;
      trigger_counts counts = trigger_count(owner->cells[i].trigger);
      uint64_t values[] = {counts.accepted, counts.refused, counts.queued, counts.running};
      series(out, names[metric], owner, owner->cells[i].spec->name);
      fprintf(out, "} %llu\n", (unsigned long long)values[metric]);
    }
  }
  family(out, "minos_trigger_event_seconds", "histogram",
         "How long each event took, from its arrival (a connection accepted, a message read) "
         "to its instance's end: time queued for a place included, as its client sees it.");
  for (size_t i = 0; i < owner->spec->cell_count; i++) {
    if (!owner->cells[i].trigger) continue;
    trigger_counts counts = trigger_count(owner->cells[i].trigger);
    const char *name = owner->cells[i].spec->name;
    for (size_t bucket = 0; bucket < TRIGGER_LATENCY_BUCKETS; bucket++) {
      series(out, "minos_trigger_event_seconds_bucket", owner, name);
      fprintf(out, ",le=\"%g\"} %llu\n", trigger_latency_bounds[bucket],
              (unsigned long long)counts.latency_buckets[bucket]);
    }
    series(out, "minos_trigger_event_seconds_bucket", owner, name);
    fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)counts.latency_count);
    series(out, "minos_trigger_event_seconds_sum", owner, name);
    fprintf(out, "} %.9f\n", (double)counts.latency_sum_ns / 1e9);
    series(out, "minos_trigger_event_seconds_count", owner, name);
    fprintf(out, "} %llu\n", (unsigned long long)counts.latency_count);
  }
}

/* Restarts a group made (each strategy applied once counts one) and
 * whether it runs with every member started. */
static void group_metrics(FILE *out, supervisor *owner) {
  if (owner->spec->group_count == 0) return;
  family(out, "minos_group_restarts_total", "counter",
         "Restarts of the group's members, counted against its intensity.");
  for (size_t i = 0; i < owner->spec->group_count; i++) {
    labelled_series(out, "minos_group_restarts_total", owner, "group", owner->groups[i].spec->name);
    fprintf(out, "} %llu\n", (unsigned long long)owner->groups[i].restarts);
  }
  family(out, "minos_group_up", "gauge", "Whether the group runs with every member started.");
  for (size_t i = 0; i < owner->spec->group_count; i++) {
    labelled_series(out, "minos_group_up", owner, "group", owner->groups[i].spec->name);
    fprintf(out, "} %d\n", owner->groups[i].phase == GROUP_RUNNING);
  }
}

char *supervisor_metrics_text(supervisor *owner, uint64_t now) {
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  if (!out) return NULL;
  family(out, "minos_system_uptime_seconds", "gauge", "Time since the system started.");
  series(out, "minos_system_uptime_seconds", owner, NULL);
  fprintf(out, "} %.3f\n", (double)(now - owner->started_at) / 1e9);
  cell_metrics(out, owner);
  channel_metrics(out, owner);
  trigger_metrics(out, owner);
  group_metrics(out, owner);
  if (fclose(out) != 0) {
    free(text);
    return NULL;
  }
  return text;
}
