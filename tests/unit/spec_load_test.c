/* SPDX-License-Identifier: Apache-2.0 */
/* What spec_load gives the supervisor: defaults, resolved paths, wiring
 * resolved to cells and slots, triggers' addresses. The specs' problems
 * are tested through minos check (tests/spec.cmake).
 *
 *   spec_load_test GUESTS_DIR */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"
#include "check.h"



static const char full_spec[] =
    "{\"cells\": {\n"
    "  \"plain\": {\"code\": \"hello.wasm\"},\n"
    "  \"kv\": {\"code\": \"./hello.wasm\", \"args\": [\"kv\", \"-v\"],\n"
    "          \"env\": {\"A\": \"1\", \"B\": \"\"},\n"
    "          \"stdio\": {\"stdout\": \"null\", \"stderr\": \"terminal\"},\n"
    "          \"ends\": {\"events\": \"write\", \"control\": \"read\"},\n"
    "          \"limits\": {\"memory\": \"16M\", \"cpu_time\": \"2s\", \"init_timeout\": 250,\n"
    "                     \"descriptors\": 32},\n"
    "          \"grants\": {\"dirs\": [{\"host\": \".\", \"guest\": \"/data\", \"mode\": \"rw\"},\n"
    "                               {\"host\": \"/tmp\"}],\n"
    "                     \"connect\": [\"tcp:10.0.0.0/8:443\"], \"clock\": true},\n"
    "          \"restart\": {\"policy\": \"always\", \"max_restarts\": 3, \"window\": \"1m\",\n"
    "                      \"backoff\": \"1ms\", \"backoff_max\": \"2s\"}},\n"
    "  \"web\": {\"code\": \"hello.wasm\",\n"
    "           \"trigger\": {\"tcp\": \"[::1]:7000\", \"concurrency\": 8}},\n"
    "  \"any\": {\"code\": \"hello.wasm\", \"trigger\": {\"tcp\": 7001}},\n"
    "  \"job\": {\"code\": \"hello.wasm\", \"trigger\": {\"channel\": \"jobs\", \"backlog\": 0}}\n"
    "},\n"
    "\"channels\": [\n"
    "  {\"from\": \"kv.events\", \"to\": \"kv.control\", \"capacity\": \"4K\"},\n"
    "  {\"name\": \"jobs\", \"from\": \"plain.stdout\", \"to\": \"job.trigger\"}\n"
    "], \"grace\": \"100ms\", \"log\": \"out.log\"}\n";

static void check_defaults(const spec *system) {
  const spec_cell *plain = &system->cells[0];
  CHECK(strcmp(system->name, "system") == 0);
  CHECK(system->on_give_up == GIVE_UP_STOP);
  CHECK(plain->arg_count == 1 && strcmp(plain->args[0], "plain") == 0);
  CHECK(plain->env_count == 0);
  CHECK(plain->stdio[0] == STDIO_NULL && plain->stdio[2] == STDIO_LOG);
  CHECK(plain->stdio[1] == STDIO_CHANNEL); /* wired to "jobs" */
  CHECK(plain->limits.memory_bytes == 64ull << 20 && plain->limits.descriptors == 64);
  CHECK(plain->limits.cpu_time_ns == 0 && plain->limits.init_timeout_ns == 1000000000ull);
  CHECK(plain->restart.policy == RESTART_ON_FAILURE && plain->restart.max_restarts == 5);
  CHECK(plain->restart.window_ns == 10000000000ull && plain->restart.backoff_initial_ns == 10000000);
  CHECK(plain->restart.backoff_max_ns == 1000000000ull);
  CHECK(plain->trigger.kind == TRIGGER_NONE);
  CHECK(!plain->grants.clock && !plain->grants.random && plain->grants.dir_count == 0);
}

static void check_kv(const spec *system, const char *guests) {
  const spec_cell *kv = &system->cells[spec_find_cell(system, "kv")];
  char expected[4096];
  snprintf(expected, sizeof expected, "%s/./hello.wasm", guests);
  CHECK(strcmp(kv->code_path, expected) == 0);
  CHECK(kv->arg_count == 2 && strcmp(kv->args[1], "-v") == 0);
  CHECK(kv->env_count == 2 && strcmp(kv->env[0], "A=1") == 0 && strcmp(kv->env[1], "B=") == 0);
  CHECK(kv->stdio[0] == STDIO_NULL && kv->stdio[1] == STDIO_NULL && kv->stdio[2] == STDIO_TERMINAL);
  CHECK(kv->end_count == 2 && kv->ends[0].writes && !kv->ends[1].writes);
  CHECK(strcmp(kv->ends[1].name, "control") == 0);
  CHECK(kv->limits.memory_bytes == 16u << 20 && kv->limits.cpu_time_ns == 2000000000ull);
  CHECK(kv->limits.init_timeout_ns == 250000000ull && kv->limits.descriptors == 32);
  CHECK(kv->grants.dir_count == 2 && !kv->grants.dirs[0].read_only && kv->grants.dirs[1].read_only);
  snprintf(expected, sizeof expected, "%s/.", guests);
  CHECK(strcmp(kv->grants.dirs[0].host_path, expected) == 0);
  CHECK(strcmp(kv->grants.dirs[0].guest_path, "/data") == 0);
  CHECK(strcmp(kv->grants.dirs[1].host_path, "/tmp") == 0);
  CHECK(strcmp(kv->grants.dirs[1].guest_path, "/tmp") == 0);
  CHECK(kv->grants.connect_count == 1 && kv->grants.connect[0].prefix_bits == 8);
  CHECK(kv->grants.clock && !kv->grants.random);
  CHECK(kv->restart.policy == RESTART_ALWAYS && kv->restart.max_restarts == 3);
  CHECK(kv->restart.window_ns == 60000000000ull && kv->restart.backoff_initial_ns == 1000000);
  CHECK(kv->restart.backoff_max_ns == 2000000000ull);
}

static void check_channels(const spec *system) {
  CHECK(system->channel_count == 2);
  const spec_channel *loop = &system->channels[0], *jobs = &system->channels[1];
  long kv = spec_find_cell(system, "kv");
  CHECK(strcmp(loop->name, "kv.events->kv.control") == 0 && loop->capacity == 4096);
  CHECK(loop->from.cell == (size_t)kv && loop->from.slot == SLOT_END && loop->from.end == 0);
  CHECK(loop->to.cell == (size_t)kv && loop->to.slot == SLOT_END && loop->to.end == 1);
  CHECK(jobs->from.cell == 0 && jobs->from.slot == SLOT_STDOUT && jobs->capacity == 0);
  CHECK(jobs->to.slot == SLOT_TRIGGER && jobs->to.cell == (size_t)spec_find_cell(system, "job"));
  CHECK(spec_find_channel(system, "jobs") == 1 && spec_find_channel(system, "nope") == -1);
  CHECK(spec_find_cell(system, "nope") == -1);
}

static void check_triggers(const spec *system) {
  const spec_cell *web = &system->cells[spec_find_cell(system, "web")];
  const spec_cell *any = &system->cells[spec_find_cell(system, "any")];
  const spec_cell *job = &system->cells[spec_find_cell(system, "job")];
  struct sockaddr_storage address;
  socklen_t length;
  CHECK(web->trigger.kind == TRIGGER_TCP && web->trigger.port == 7000);
  CHECK(strcmp(web->trigger.listen, "[::1]:7000") == 0 && web->trigger.concurrency == 8);
  CHECK(web->trigger.backlog == 128);
  CHECK(spec_trigger_address(&web->trigger, &address, &length));
  const struct sockaddr_in6 *ipv6 = (const struct sockaddr_in6 *)&address;
  CHECK(length == sizeof *ipv6 && ipv6->sin6_family == AF_INET6 && ntohs(ipv6->sin6_port) == 7000);
  CHECK(IN6_IS_ADDR_LOOPBACK(&ipv6->sin6_addr));
  CHECK(strcmp(any->trigger.listen, ":7001") == 0 && any->trigger.port == 7001);
  CHECK(spec_trigger_address(&any->trigger, &address, &length));
  const struct sockaddr_in *ipv4 = (const struct sockaddr_in *)&address;
  CHECK(length == sizeof *ipv4 && ipv4->sin_family == AF_INET && ntohs(ipv4->sin_port) == 7001);
  CHECK(ipv4->sin_addr.s_addr == htonl(INADDR_ANY));
  CHECK(job->trigger.kind == TRIGGER_CHANNEL && strcmp(job->trigger.channel, "jobs") == 0);
  CHECK(job->trigger.backlog == 0 && job->trigger.concurrency == 64);
  CHECK(!spec_trigger_address(&job->trigger, &address, &length));
}

static void check_full(const char *guests) {
  char path[4096];
  snprintf(path, sizeof path, "%s/system.json", guests);
  spec_problems problems = {0};
  spec *system = spec_load_text(full_spec, strlen(full_spec), path, &problems);
  if (!system) {
    spec_problems_print(&problems, path, stderr);
    spec_problems_free(&problems);
    failures++;
    return;
  }
  CHECK(problems.count == 0 && system->cell_count == 5);
  CHECK(strcmp(system->path, path) == 0 && strcmp(system->directory, guests) == 0);
  CHECK(system->grace_ns == 100000000ull);
  snprintf(path, sizeof path, "%s/out.log", guests);
  CHECK(strcmp(system->log_path, path) == 0);
  check_defaults(system);
  check_kv(system, guests);
  check_channels(system);
  check_triggers(system);
  spec_free(system);
}

/* Problems come sorted by position, with their paths, and the spec is
 * not returned. */
static void check_problems(const char *guests) {
  static const char text[] =
      "{\"cells\": {\"a\": {\"code\": \"hello.wasm\", \"limits\": {\"memory\": 1}},\n"
      "\"b\": {\"code\": \"missing.wasm\"}}, \"grace\": \"x\"}";
  char path[4096];
  snprintf(path, sizeof path, "%s/bad.json", guests);
  spec_problems problems = {0};
  CHECK(spec_load_text(text, strlen(text), path, &problems) == NULL);
  CHECK(problems.count == 3);
  if (problems.count == 3) {
    CHECK(strcmp(problems.items[0].path, "cells.a.limits.memory") == 0);
    CHECK(problems.items[0].at.line == 1 && problems.items[0].at.column == 61);
    CHECK(strcmp(problems.items[1].path, "cells.b.code") == 0 && problems.items[1].at.line == 2);
    CHECK(strcmp(problems.items[2].path, "grace") == 0);
    CHECK(problems.items[2].at.line == 2 && problems.items[2].at.column == 42);
  }
  spec_problems_free(&problems);
  CHECK(spec_load_file("/nonexistent/spec.json", &problems) == NULL && problems.count == 1);
  if (problems.count == 1) CHECK(strstr(problems.items[0].message, "cannot read") != NULL);
  spec_problems_free(&problems);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: spec_load_test GUESTS_DIR\n");
    return 2;
  }
  char *guests = realpath(argv[1], NULL);
  if (!guests) return 2;
  check_full(guests);
  check_problems(guests);
  free(guests);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("spec loading: all checks passed\n");
  return 0;
}
