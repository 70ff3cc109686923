/* SPDX-License-Identifier: Apache-2.0 */
// recovery_native SERVICE K CRASHES
//
// The baseline of bench/recovery: the classic way to keep a service up.
// This process is both its supervisor and its client. It starts SERVICE
// (service.c built as a static native program) with posix_spawn, its stdin
// and stdout on two pipes, and sends it requests one at a time
// (exchange.h). SERVICE --crash-every K crashes (SIGILL) on reading every
// Kth request: the reply read then ends (the pipe's writer is gone), the
// request is lost, and the supervisor reaps the dead process with waitpid
// and starts a new one on new pipes, which serves the next request. Prints
// exchange.h's result line on stdout.
//
// Core dumps are switched off (RLIMIT_CORE 0, inherited by the service):
// writing one would measure the disk, and minos writes none either.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "exchange.h"

extern char **environ;

static char *service_argv[4];
static pid_t service_pid;
static int to_service = -1;
static line_reader replies = {.fd = -1};

static void start_service(void) {
  int requests[2], answers[2];
  if (pipe2(requests, O_CLOEXEC) != 0 || pipe2(answers, O_CLOEXEC) != 0)
    exchange_fail("pipe: errno", errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, requests[0], 0);
  posix_spawn_file_actions_adddup2(&actions, answers[1], 1);
  int rc = posix_spawn(&service_pid, service_argv[0], &actions, NULL, service_argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) exchange_fail("posix_spawn: errno", rc);
  close(requests[0]);
  close(answers[1]);
  to_service = requests[1];
  replies = (line_reader){.fd = answers[0]};
}

/* The service died: reap it (it must have crashed, as it was told to),
 * close its pipes, start a new one. */
static void restart_service(void) {
  int status;
  while (waitpid(service_pid, &status, 0) != service_pid)
    if (errno != EINTR) exchange_fail("waitpid: errno", errno);
  if (!WIFSIGNALED(status)) exchange_fail("the service ended without crashing: status", status);
  close(to_service);
  close(replies.fd);
  start_service();
}

static void send_request(const char *request, size_t length) {
  if (write(to_service, request, length) != (ssize_t)length)
    exchange_fail("cannot send a request: errno", errno);
}

static reply_kind receive_reply(char **line) {
  int got = read_line(&replies, line);
  if (got > 0) return REPLY_LINE;
  if (got == 0) return REPLY_LOST; /* the service is gone with the request */
  exchange_fail("cannot read a reply: errno", errno);
}

int main(int argc, char **argv) {
  long crashes = argc == 4 ? atol(argv[3]) : 0;
  if (crashes <= 0 || atol(argv[2]) <= 0) {
    fprintf(stderr, "usage: recovery_native SERVICE K CRASHES\n");
    return 2;
  }
  service_argv[0] = argv[1];
  service_argv[1] = "--crash-every";
  service_argv[2] = argv[2];
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(SIGPIPE, SIG_IGN); /* a write to a dead service fails instead */
  start_service();
  exchange_ops ops = {.send = send_request, .receive = receive_reply, .after_lost = restart_service};
  exchange_run(&ops, crashes, crashes * 1000 + 1000, stdout);
  close(to_service); /* the last service sees the end of its input and exits */
  int status;
  waitpid(service_pid, &status, 0);
  return 0;
}
