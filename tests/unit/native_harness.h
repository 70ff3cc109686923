/* SPDX-License-Identifier: Apache-2.0 */
/* Runs a native program in the sandbox (src/native/launch.c) with the
 * runtime's broker answering its filter's calls (src/native/broker.c), as
 * minos does, for tests of the layers beneath the cell. */
#ifndef MINOS_TESTS_NATIVE_HARNESS_H
#define MINOS_TESTS_NATIVE_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/reactor.h"
#include "native/broker.h"
#include "native/launch.h"

typedef struct ran {
  char output[4096];
  int status; /* as waitpid says */
  minos_status started;
  char error[512];
  char refused[64]; /* the call the broker refused, if any */
} ran;

typedef struct harness_options {
  const cell_grant *grants;
  size_t grant_count;
  const net_rule *connect_rules, *listen_rules;
  size_t connect_rule_count, listen_rule_count;
  uint64_t cpu_seconds, memory_bytes;
} harness_options;

static reactor *harness_reactor;
static const char *const harness_environment[] = {"PATH=/usr/bin:/bin", NULL};

/* Runs the program with `input` on its stdin; its stdout and status. */
static ran harness_run(const char *const argv[], const char *input, const harness_options *options) {
  ran result = {.status = -1};
  int in[2], out[2];
  if ((!harness_reactor && reactor_create(&harness_reactor) != MINOS_OK) || pipe(in) != 0 ||
      pipe(out) != 0)
    exit(1);
  harness_options none = {0};
  if (!options) options = &none;
  native_launch launch = {.program = argv[0], .argv = argv, .envp = harness_environment,
                          .grants = options->grants, .grant_count = options->grant_count,
                          .stdio = {in[0], out[1], -1}, .cpu_seconds = options->cpu_seconds,
                          .memory_bytes = options->memory_bytes ? options->memory_bytes
                                                                : (uint64_t)1 << 30};
  native_process process;
  call_broker *broker = NULL;
  result.started = native_start(&launch, &process, result.error, sizeof result.error);
  close(in[0]);
  close(out[1]);
  if (result.started == MINOS_OK) {
    call_broker_config config = {.listener = process.listener, .pidfd = process.pidfd,
                                 .connect_rules = options->connect_rules,
                                 .connect_rule_count = options->connect_rule_count,
                                 .listen_rules = options->listen_rules,
                                 .listen_rule_count = options->listen_rule_count};
    if (call_broker_start(harness_reactor, &config, &broker) != MINOS_OK) exit(1);
    if (input && write(in[1], input, strlen(input)) < 0) perror("write");
    close(in[1]);
    size_t used = 0;
    ssize_t got;
    while (used + 1 < sizeof result.output &&
           (got = read(out[0], result.output + used, sizeof result.output - 1 - used)) > 0)
      used += (size_t)got;
    result.output[used] = '\0';
    siginfo_t init_end = {0};
    waitid(P_PID, (id_t)process.pid, &init_end, WEXITED);
    call_broker_refused_call(broker, result.refused, sizeof result.refused);
    call_broker_stop(broker);
    native_end end = native_read_end(&process, &init_end);
    result.status = end.signalled ? end.code : end.code << 8; /* as waitpid would say */
    close(process.pidfd);
    close(process.ends);
  } else {
    close(in[1]);
  }
  close(out[0]);
  return result;
}

static void harness_free(void) {
  if (harness_reactor) reactor_free(harness_reactor);
  harness_reactor = NULL;
}

static bool exited_with(const ran *result, int code) {
  return result->started == MINOS_OK && WIFEXITED(result->status) &&
         WEXITSTATUS(result->status) == code;
}

static void show(const char *what, const ran *result) {
  printf("%s: started %s%s%s, status %#x%s%s, output: %s", what,
         minos_status_name(result->started), result->error[0] ? ": " : "", result->error,
         result->status, result->refused[0] ? ", refused " : "", result->refused,
         result->output);
  if (!result->output[0] || result->output[strlen(result->output) - 1] != '\n') printf("\n");
}

#endif
