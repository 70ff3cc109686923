/* SPDX-License-Identifier: Apache-2.0 */
/* A native cell's network (src/native/broker.c): the runtime makes every
 * connection and listening socket from its own copy of the address, so
 *   - a granted destination works with an unmodified blocking or
 *     non-blocking connect, over IPv4 and ::ffff:127.0.0.1;
 *   - an ungranted one fails with EPERM and no packet leaves, whatever
 *     the address's form;
 *   - another thread rewriting the address during connect never reaches
 *     an ungranted port (2,000 connects against a thread flipping it);
 *   - UDP and Unix-socket connections are refused;
 *   - listening works on a granted port only.
 * A listener on the ungranted port counts what reaches it: nothing may.
 *   native_network_test NET_PROBE */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "native_harness.h"
#include "net/rule.h"

typedef struct server {
  int fd, port;
  atomic_int accepted;
  pthread_t thread;
} server;

/* Echoes one line per connection: "echo: LINE". */
static void *serve(void *argument) {
  server *self = argument;
  for (;;) {
    int client = accept(self->fd, NULL, NULL);
    if (client < 0) return NULL;
    atomic_fetch_add(&self->accepted, 1);
    char line[256];
    size_t used = 0;
    while (used + 1 < sizeof line && read(client, line + used, 1) == 1 && line[used] != '\n')
      used++;
    line[used] = '\0';
    char reply[300];
    int length = snprintf(reply, sizeof reply, "echo: %s\n", line);
    if (write(client, reply, (size_t)length) < 0) perror("write");
    close(client);
  }
}

static int listening_socket(int *port) {
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t size = sizeof address;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&address, size) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, (struct sockaddr *)&address, &size) != 0)
    exit(1);
  *port = ntohs(address.sin_port);
  return fd;
}

static void start_server(server *self) {
  self->fd = listening_socket(&self->port);
  pthread_create(&self->thread, NULL, serve, self);
}

/* A port nothing listens on now. */
static int free_port(void) {
  int port, fd = listening_socket(&port);
  close(fd);
  return port;
}

/* tcp:127.0.0.1:PORT */
static net_rule rule(int port) {
  char text[128], error[128];
  net_rule parsed;
  snprintf(text, sizeof text, "tcp:127.0.0.1:%d", port);
  if (!net_rule_parse(text, &parsed, error, sizeof error)) {
    printf("bad rule %s: %s\n", text, error);
    exit(1);
  }
  return parsed;
}

typedef struct client {
  int port;
  char got[64];
  pthread_t thread;
} client;

/* Connects to the cell's listening socket as soon as it is there. */
static void *connect_to_cell(void *argument) {
  client *self = argument;
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)self->port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  for (int tries = 0; tries < 500; tries++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) {
      ssize_t got = read(fd, self->got, sizeof self->got - 1);
      if (got > 0) self->got[got] = '\0';
      close(fd);
      return NULL;
    }
    close(fd);
    usleep(10000);
  }
  return NULL;
}

static ran probe_run(const char *probe, const char *const arguments[],
                     const harness_options *options) {
  const char *argv[8] = {probe};
  for (int i = 0; arguments[i] && i < 6; i++) argv[i + 1] = arguments[i];
  return harness_run(argv, NULL, options);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: native_network_test NET_PROBE\n");
    return 2;
  }
  char *probe = realpath(argv[1], NULL);
  if (!probe) return 2;
  server granted = {0}, denied = {0};
  start_server(&granted);
  start_server(&denied);
  int serve_port = free_port(), closed_port = free_port();
  net_rule connect_rules[] = {rule(granted.port),
                              rule(closed_port)};
  net_rule listen_rules[] = {rule(serve_port)};
  harness_options options = {.connect_rules = connect_rules, .connect_rule_count = 2,
                             .listen_rules = listen_rules, .listen_rule_count = 1};
  char good[16], bad[16], closed[16], serving[16];
  snprintf(good, sizeof good, "%d", granted.port);
  snprintf(bad, sizeof bad, "%d", denied.port);
  snprintf(closed, sizeof closed, "%d", closed_port);
  snprintf(serving, sizeof serving, "%d", serve_port);

  ran result = probe_run(probe, (const char *[]){"connect", "127.0.0.1", good, "hello", NULL},
                         &options);
  show("granted", &result);
  if (result.started == MINOS_EUSAGE) {
    printf("SKIP: %s\n", result.error);
    return 77;
  }
  CHECK(exited_with(&result, 0) && strcmp(result.output, "reply: echo: hello\n") == 0);
  result = probe_run(probe, (const char *[]){"nonblocking", "127.0.0.1", good, "quick", NULL},
                     &options);
  show("non-blocking", &result);
  CHECK(strcmp(result.output, "reply: echo: quick\n") == 0);
  result = probe_run(probe, (const char *[]){"connect", "::ffff:127.0.0.1", good, "mapped", NULL},
                     &options);
  show("mapped granted", &result);
  CHECK(strcmp(result.output, "reply: echo: mapped\n") == 0);
  result = probe_run(probe, (const char *[]){"connect", "127.0.0.1", closed, "x", NULL}, &options);
  show("granted, closed", &result);
  CHECK(strcmp(result.output, "connect: Connection refused\n") == 0);

  result = probe_run(probe, (const char *[]){"connect", "127.0.0.1", bad, "x", NULL}, &options);
  show("ungranted", &result);
  CHECK(strcmp(result.output, "connect: Operation not permitted\n") == 0);
  result = probe_run(probe, (const char *[]){"connect", "::ffff:127.0.0.1", bad, "x", NULL},
                     &options);
  show("mapped ungranted", &result);
  CHECK(strcmp(result.output, "connect: Operation not permitted\n") == 0);
  result = probe_run(probe, (const char *[]){"nonblocking", "127.0.0.1", bad, "x", NULL},
                     &options);
  show("non-blocking ungranted", &result);
  CHECK(strcmp(result.output, "connect: Operation not permitted\n") == 0);
  result = probe_run(probe, (const char *[]){"connect", "127.0.0.1", bad, "x", NULL}, NULL);
  show("no grants", &result);
  CHECK(strcmp(result.output, "connect: Operation not permitted\n") == 0);

  result = probe_run(probe, (const char *[]){"race", "127.0.0.1", good, bad, "2000", NULL},
                     &options);
  show("race", &result);
  int connected = -1, refused = -1, other = -1, port = -1;
  CHECK(sscanf(result.output, "race: %d connected to %d, %d refused, %d other", &connected, &port,
               &refused, &other) == 4);
  CHECK(other == 0 && connected + refused == 2000 && connected > 0);

  result = probe_run(probe, (const char *[]){"udp", "127.0.0.1", good, NULL}, &options);
  show("udp", &result);
  CHECK(strcmp(result.output, "udp: Operation not permitted\n") == 0);
  result = probe_run(probe, (const char *[]){"unix", "/run/anything.sock", NULL}, &options);
  show("unix", &result);
  CHECK(strcmp(result.output, "unix: Operation not permitted\n") == 0);

  client visitor = {.port = serve_port};
  pthread_create(&visitor.thread, NULL, connect_to_cell, &visitor);
  result = probe_run(probe, (const char *[]){"serve", "127.0.0.1", serving, NULL}, &options);
  pthread_join(visitor.thread, NULL);
  show("serve", &result);
  CHECK(strcmp(result.output, "listening\nserved one\n") == 0);
  CHECK(strcmp(visitor.got, "served\n") == 0);
  result = probe_run(probe, (const char *[]){"serve", "127.0.0.1", bad, NULL}, &options);
  show("serve ungranted", &result);
  CHECK(strcmp(result.output, "bind: Operation not permitted\n") == 0);

  printf("denied listener accepted %d\n", atomic_load(&denied.accepted));
  CHECK(atomic_load(&denied.accepted) == 0);
  harness_free();
  free(probe);
  printf("native_network_test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
