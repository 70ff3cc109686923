/* SPDX-License-Identifier: Apache-2.0 */
/* One cell of a spec: its code, arguments, environment, stdio, named ends,
 * limits, restart policy and trigger. Its grants are read by grants.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec_private.h"

static const char *const cell_keys[] = {"code",   "arch",   "args",    "env",     "stdio", "ends",
                                        "limits", "grants", "restart", "trigger", "ready", "grace"};
static const char *const readiness_names[] = {"started", "first_read", "notify"};
/* core/code.h's archs, by name. */
static const char *const archs[] = {"wasm", "native"};
static const char *const stdio_keys[] = {"stdin", "stdout", "stderr"};
static const char *const limit_keys[] = {"memory", "cpu_time", "init_timeout", "descriptors",
                                         "log"};
static const char *const restart_keys[] = {"policy", "window", "max_restarts", "backoff",
                                           "backoff_max"};
static const char *const trigger_keys[] = {"tcp", "channel", "concurrency", "backlog"};
static const char *const input_targets[] = {"null", "terminal"};
static const char *const output_targets[] = {"null", "log", "terminal"};
static const char *const directions[] = {"read", "write"};
static const char *const policies[] = {"never", "on-failure", "always"};
/* The slot names a channel endpoint may use beside a cell's ends. */
static const char *const reserved_slots[] = {"stdin", "stdout", "stderr", "trigger"};

#define MILLISECONDS 1000000ull
#define SECONDS 1000000000ull

static void set_defaults(spec_cell *cell) {
  cell->stdio[0] = STDIO_NULL;
  cell->stdio[1] = STDIO_LOG;
  cell->stdio[2] = STDIO_LOG;
  cell->limits = (spec_limits){.memory_bytes = 64ull << 20, .init_timeout_ns = 1 * SECONDS,
                               .descriptors = 64};
  cell->restart = (spec_restart){.policy = RESTART_ON_FAILURE, .max_restarts = 5,
                                 .window_ns = 10 * SECONDS, .backoff_initial_ns = 10 * MILLISECONDS,
                                 .backoff_max_ns = 1 * SECONDS};
  cell->trigger = (spec_trigger){.concurrency = 64, .backlog = 128};
  cell->group = -1;
}

const char *spec_readiness_name(spec_readiness readiness) { return readiness_names[readiness]; }

static void read_readiness(spec_loader *loader, const json_value *object, const char *path,
                           spec_cell *cell, cell_notes *notes) {
  char field_path[SPEC_PATH_SIZE];
  const json_value *value = spec_field(object, path, "ready", field_path);
  int choice;
  if (value && spec_read_choice(loader, value, field_path, readiness_names,
                                COUNT_OF(readiness_names), &choice)) {
    cell->ready = (spec_readiness)choice;
    notes->ready = value;
  }
  if ((value = spec_field(object, path, "grace", field_path)))
    spec_read_duration(loader, value, field_path, 0, &cell->grace_ns);
}

static void read_code(spec_loader *loader, const json_value *object, const char *path,
                      spec_cell *cell, cell_notes *notes) {
  char code_path[SPEC_PATH_SIZE];
  const json_value *value = spec_field(object, path, "code", code_path);
  char *written;
  if (!value) {
    spec_problem_add(loader->problems, path, spec_at(object),
                     "missing \"code\": the cell's wasm module or native program");
    return;
  }
  if (!spec_read_string(loader, value, code_path, &written)) return;
  cell->code_path = spec_resolve_path(loader->spec, written);
  notes->code = value;
  free(written);
  char arch_path[SPEC_PATH_SIZE];
  const json_value *arch = spec_field(object, path, "arch", arch_path);
  int choice;
  if (arch && spec_read_choice(loader, arch, arch_path, archs, COUNT_OF(archs), &choice)) {
    cell->arch = archs[choice];
    notes->arch = arch;
  }
}

static void read_args(spec_loader *loader, const json_value *object, const char *path,
                      spec_cell *cell) {
  char args_path[SPEC_PATH_SIZE];
  const json_value *value = spec_field(object, path, "args", args_path);
  if (value) {
    spec_read_strings(loader, value, args_path, &cell->args, &cell->arg_count);
    if (value->type == JSON_ARRAY && value->array.count == 0)
      spec_problem_add(loader->problems, args_path, spec_at(value),
                       "must not be empty: args[0] is the program's name");
    return;
  }
  cell->args = calloc(2, sizeof *cell->args);
  if (!cell->args) return;
  cell->args[0] = strdup(cell->name);
  cell->arg_count = 1;
}

static void read_env(spec_loader *loader, const json_value *object, const char *path,
                     spec_cell *cell) {
  char env_path[SPEC_PATH_SIZE];
  const json_value *env = spec_field(object, path, "env", env_path);
  if (!env || !spec_expect(loader, env, env_path, JSON_OBJECT)) return;
  cell->env = calloc(env->object.count + 1, sizeof *cell->env);
  if (!cell->env) return;
  for (size_t i = 0; i < env->object.count; i++) {
    const json_member *member = &env->object.members[i];
    char variable_path[SPEC_PATH_SIZE];
    spec_path_key(variable_path, env_path, member->key);
    if (!member->key[0] || strchr(member->key, '=')) {
      spec_problem_add(loader->problems, variable_path, spec_key_at(member),
                       "\"%s\" is not a variable name (it must not be empty or hold '=')",
                       member->key);
      continue;
    }
    const json_value *value = member->value;
    if (!spec_expect(loader, value, variable_path, JSON_STRING)) continue;
    size_t length = strlen(member->key) + value->string.length + 2;
    char *pair = malloc(length);
    if (!pair) continue;
    snprintf(pair, length, "%s=%s", member->key, value->string.text);
    cell->env[cell->env_count++] = pair;
  }
}

static void read_stdio(spec_loader *loader, const json_value *object, const char *path,
                       spec_cell *cell, cell_notes *notes) {
  static const spec_stdio_target input_values[] = {STDIO_NULL, STDIO_TERMINAL};
  static const spec_stdio_target output_values[] = {STDIO_NULL, STDIO_LOG, STDIO_TERMINAL};
  char stdio_path[SPEC_PATH_SIZE];
  const json_value *stdio = spec_field(object, path, "stdio", stdio_path);
  if (!stdio || !spec_check_keys(loader, stdio, stdio_path, stdio_keys, COUNT_OF(stdio_keys)))
    return;
  for (int slot = 0; slot < 3; slot++) {
    char slot_path[SPEC_PATH_SIZE];
    const json_value *value = spec_field(stdio, stdio_path, stdio_keys[slot], slot_path);
    int choice;
    if (!value) continue;
    notes->stdio[slot] = value;
    if (slot == 0 && spec_read_choice(loader, value, slot_path, input_targets,
                                      COUNT_OF(input_targets), &choice))
      cell->stdio[slot] = input_values[choice];
    if (slot > 0 && spec_read_choice(loader, value, slot_path, output_targets,
                                     COUNT_OF(output_targets), &choice))
      cell->stdio[slot] = output_values[choice];
  }
}

static bool end_name_acceptable(spec_loader *loader, const json_member *member, const char *path) {
  for (size_t i = 0; i < COUNT_OF(reserved_slots); i++) {
    if (strcmp(member->key, reserved_slots[i]) == 0) {
      spec_problem_add(loader->problems, path, spec_key_at(member),
                       "\"%s\" is a slot every cell has; name the end otherwise", member->key);
      return false;
    }
  }
  if (spec_end_name_valid(member->key)) return true;
  spec_problem_add(loader->problems, path, spec_key_at(member),
                   "\"%s\" is not a valid end name (lower-case letters, digits and '_', "
                   "starting with a letter, at most 32 characters)",
                   member->key);
  return false;
}

static void read_ends(spec_loader *loader, const json_value *object, const char *path,
                      spec_cell *cell, cell_notes *notes) {
  char ends_path[SPEC_PATH_SIZE];
  const json_value *ends = spec_field(object, path, "ends", ends_path);
  if (!ends || !spec_expect(loader, ends, ends_path, JSON_OBJECT) || ends->object.count == 0)
    return;
  cell->ends = calloc(ends->object.count, sizeof *cell->ends);
  notes->end_known = calloc(ends->object.count, sizeof *notes->end_known);
  if (!cell->ends || !notes->end_known) return;
  for (size_t i = 0; i < ends->object.count; i++) {
    const json_member *member = &ends->object.members[i];
    char end_path[SPEC_PATH_SIZE];
    spec_path_key(end_path, ends_path, member->key);
    if (!end_name_acceptable(loader, member, end_path)) continue;
    spec_end *end = &cell->ends[cell->end_count];
    int direction;
    notes->end_known[cell->end_count] = spec_read_choice(
        loader, member->value, end_path, directions, COUNT_OF(directions), &direction);
    end->name = strdup(member->key);
    end->writes = notes->end_known[cell->end_count] && direction == 1;
    end->at = spec_key_at(member);
    cell->end_count++;
  }
}

static void read_limits(spec_loader *loader, const json_value *object, const char *path,
                        spec_limits *limits) {
  char limits_path[SPEC_PATH_SIZE], field_path[SPEC_PATH_SIZE];
  const json_value *value, *limits_value = spec_field(object, path, "limits", limits_path);
  if (!limits_value ||
      !spec_check_keys(loader, limits_value, limits_path, limit_keys, COUNT_OF(limit_keys)))
    return;
  if ((value = spec_field(limits_value, limits_path, "memory", field_path)))
    spec_read_size(loader, value, field_path, 64 << 10, 4ull << 30, &limits->memory_bytes);
  if ((value = spec_field(limits_value, limits_path, "cpu_time", field_path)))
    spec_read_duration(loader, value, field_path, 1, &limits->cpu_time_ns);
  if ((value = spec_field(limits_value, limits_path, "init_timeout", field_path)))
    spec_read_duration(loader, value, field_path, 1, &limits->init_timeout_ns);
  uint64_t descriptors;
  if ((value = spec_field(limits_value, limits_path, "descriptors", field_path)) &&
      spec_read_integer(loader, value, field_path, 3, SPEC_DESCRIPTORS_MAX, &descriptors))
    limits->descriptors = (uint32_t)descriptors;
  if ((value = spec_field(limits_value, limits_path, "log", field_path)))
    spec_read_log_limits(loader, value, field_path, &limits->log);
}

static void read_restart(spec_loader *loader, const json_value *object, const char *path,
                         spec_restart *restart, cell_notes *notes) {
  char restart_path[SPEC_PATH_SIZE], field_path[SPEC_PATH_SIZE];
  const json_value *value, *restart_value = spec_field(object, path, "restart", restart_path);
  if (!restart_value) return;
  notes->restart = restart_value;
  if (!spec_check_keys(loader, restart_value, restart_path, restart_keys, COUNT_OF(restart_keys)))
    return;
  int policy;
  if ((value = spec_field(restart_value, restart_path, "policy", field_path)) &&
      spec_read_choice(loader, value, field_path, policies, COUNT_OF(policies), &policy))
    restart->policy = (spec_restart_policy)policy;
  uint64_t count;
  if ((value = spec_field(restart_value, restart_path, "max_restarts", field_path)) &&
      spec_read_integer(loader, value, field_path, 0, 1000000, &count))
    restart->max_restarts = (uint32_t)count;
  if ((value = spec_field(restart_value, restart_path, "window", field_path)))
    spec_read_duration(loader, value, field_path, 1, &restart->window_ns);
  if ((value = spec_field(restart_value, restart_path, "backoff", field_path)))
    spec_read_duration(loader, value, field_path, 0, &restart->backoff_initial_ns);
  if ((value = spec_field(restart_value, restart_path, "backoff_max", field_path)) &&
      spec_read_duration(loader, value, field_path, 1, &restart->backoff_max_ns) &&
      restart->backoff_max_ns < restart->backoff_initial_ns)
    spec_problem_add(loader->problems, field_path, spec_at(value),
                     "must not be less than \"backoff\", the first delay");
}

bool spec_trigger_rule(const spec_trigger *trigger, net_rule *rule, char *error,
                       size_t error_size) {
  const char *listen = trigger->listen;
  const char *colon = listen ? strrchr(listen, ':') : NULL;
  if (!colon) {
    snprintf(error, error_size, "it has no port (write 127.0.0.1:7000, :7000 or a port number)");
    return false;
  }
  int host_length = (int)(colon - listen);
  char text[160];
  snprintf(text, sizeof text, "tcp:%.*s:%s", host_length ? host_length : 1,
           host_length ? listen : "*", colon + 1);
  if (!net_rule_parse(text, rule, error, error_size)) return false;
  unsigned one_address = rule->family == AF_INET ? 32 : 128;
  if ((rule->family != AF_UNSPEC && rule->prefix_bits != one_address) ||
      rule->port_low != rule->port_high) {
    snprintf(error, error_size, "a trigger listens on one address and one port");
    return false;
  }
  return true;
}

bool spec_trigger_address(const spec_trigger *trigger, struct sockaddr_storage *address,
                          socklen_t *length) {
  net_rule rule;
  char error[160];
  if (trigger->kind != TRIGGER_TCP || !spec_trigger_rule(trigger, &rule, error, sizeof error))
    return false;
  memset(address, 0, sizeof *address);
  if (rule.family == AF_INET6) {
    struct sockaddr_in6 *ipv6 = (struct sockaddr_in6 *)address;
    ipv6->sin6_family = AF_INET6;
    ipv6->sin6_port = htons(rule.port_low);
    memcpy(&ipv6->sin6_addr, rule.address, 16);
    *length = sizeof *ipv6;
    return true;
  }
  struct sockaddr_in *ipv4 = (struct sockaddr_in *)address;
  ipv4->sin_family = AF_INET;
  ipv4->sin_port = htons(rule.port_low);
  memcpy(&ipv4->sin_addr, rule.address, 4); /* all zero for any address */
  *length = sizeof *ipv4;
  return true;
}

/* 7000, "7000", ":7000" or "127.0.0.1:7000" into trigger->listen and port. */
static bool read_tcp_address(spec_loader *loader, const json_value *value, const char *path,
                             spec_trigger *trigger) {
  char text[96];
  uint64_t port;
  if (value->type == JSON_NUMBER) {
    if (!spec_read_integer(loader, value, path, 1, 65535, &port)) return false;
    snprintf(text, sizeof text, ":%u", (unsigned)port);
  } else if (value->type == JSON_STRING) {
    bool bare_port = value->string.length > 0 &&
                     strspn(value->string.text, "0123456789") == value->string.length;
    snprintf(text, sizeof text, "%s%s", bare_port ? ":" : "", value->string.text);
  } else {
    spec_problem_add(loader->problems, path, spec_at(value),
                     "must be an address (\"127.0.0.1:7000\", \":7000\") or a port number, not %s",
                     json_type_name(value->type));
    return false;
  }
  trigger->listen = strdup(text);
  net_rule rule;
  char error[160];
  if (!trigger->listen) return false;
  if (!spec_trigger_rule(trigger, &rule, error, sizeof error)) {
    spec_problem_add(loader->problems, path, spec_at(value),
                     "\"%s\" is not a TCP address: %s",
                     value->type == JSON_STRING ? value->string.text : text, error);
    return false;
  }
  trigger->port = rule.port_low;
  return true;
}

static void read_trigger_source(spec_loader *loader, const json_value *trigger_value,
                                const char *path, spec_trigger *trigger, cell_notes *notes) {
  char tcp_path[SPEC_PATH_SIZE], channel_path[SPEC_PATH_SIZE];
  const json_value *tcp = spec_field(trigger_value, path, "tcp", tcp_path);
  const json_value *channel = spec_field(trigger_value, path, "channel", channel_path);
  if (tcp && channel) {
    spec_problem_add(loader->problems, path, spec_at(trigger_value),
                     "has both \"tcp\" and \"channel\"; a trigger has one kind of event");
  } else if (!tcp && !channel) {
    spec_problem_add(loader->problems, path, spec_at(trigger_value),
                     "needs \"tcp\" (an address to accept connections on) or \"channel\" (a "
                     "channel whose lines spawn cells)");
  } else if (tcp) {
    trigger->kind = TRIGGER_TCP;
    notes->trigger_source = tcp;
    notes->trigger_valid = read_tcp_address(loader, tcp, tcp_path, trigger);
  } else {
    trigger->kind = TRIGGER_CHANNEL;
    notes->trigger_source = channel;
    notes->trigger_valid = spec_read_string(loader, channel, channel_path, &trigger->channel);
  }
}

static void read_trigger(spec_loader *loader, const json_value *object, const char *path,
                         spec_trigger *trigger, cell_notes *notes) {
  char trigger_path[SPEC_PATH_SIZE], field_path[SPEC_PATH_SIZE];
  const json_value *value, *trigger_value = spec_field(object, path, "trigger", trigger_path);
  if (!trigger_value) return;
  notes->trigger = trigger_value;
  if (!spec_check_keys(loader, trigger_value, trigger_path, trigger_keys, COUNT_OF(trigger_keys)))
    return;
  read_trigger_source(loader, trigger_value, trigger_path, trigger, notes);
  uint64_t number;
  if ((value = spec_field(trigger_value, trigger_path, "concurrency", field_path)) &&
      spec_read_integer(loader, value, field_path, 1, 100000, &number))
    trigger->concurrency = (uint32_t)number;
  if ((value = spec_field(trigger_value, trigger_path, "backlog", field_path)) &&
      spec_read_integer(loader, value, field_path, 0, 100000, &number))
    trigger->backlog = (uint32_t)number;
}

void spec_read_cell(spec_loader *loader, const json_member *member, spec_cell *cell,
                    cell_notes *notes) {
  char path[SPEC_PATH_SIZE], grants_path[SPEC_PATH_SIZE];
  const json_value *object = member->value;
  spec_path_key(path, "cells", member->key);
  cell->name = strdup(member->key);
  cell->at = spec_key_at(member);
  notes->object = object;
  set_defaults(cell);
  if (!spec_cell_name_valid(member->key))
    spec_problem_add(loader->problems, path, cell->at,
                     "\"%s\" is not a valid cell name (lower-case letters, digits, '_' and '-', "
                     "starting with a letter or digit, at most 32 characters)",
                     member->key);
  if (!cell->name || !spec_check_keys(loader, object, path, cell_keys, COUNT_OF(cell_keys)))
    return;
  read_code(loader, object, path, cell, notes);
  read_args(loader, object, path, cell);
  read_env(loader, object, path, cell);
  read_stdio(loader, object, path, cell, notes);
  read_ends(loader, object, path, cell, notes);
  read_limits(loader, object, path, &cell->limits);
  const json_value *grants = spec_field(object, path, "grants", grants_path);
  if (grants) spec_read_grants(loader, grants, grants_path, cell, notes);
  read_restart(loader, object, path, &cell->restart, notes);
  read_trigger(loader, object, path, &cell->trigger, notes);
  read_readiness(loader, object, path, cell, notes);
}
