/* SPDX-License-Identifier: Apache-2.0 */
/* A loopback client for trigger tests: opens `count` connections, `parallel`
 * at a time; on each it sends MESSAGE and a newline, closes its sending
 * side, reads the reply to its end and checks it is `expect` (default: the
 * message and newline, an echo).
 *
 *   tcp_client PORT MESSAGE [COUNT [PARALLEL [EXPECT]]]
 *
 * Prints "N of COUNT replies as expected" and exits 0 only if all were.
 *
 *   tcp_client --hold PORT COUNT
 *
 * opens COUNT connections at once and keeps them open, sending nothing;
 * after a moment, prints how many the server closed at once ("N refused")
 * and how many it kept ("N held"). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct connection {
  int fd;
  size_t received;
  char reply[4096];
} connection;

static int open_connection(int port, const char *message) {
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    perror("tcp_client: connect");
    if (fd >= 0) close(fd);
    return -1;
  }
  char line[1024];
  int length = snprintf(line, sizeof line, "%s\n", message);
  if (write(fd, line, (size_t)length) != length) perror("tcp_client: write");
  shutdown(fd, SHUT_WR);
  return fd;
}

static int hold(int port, int count) {
  int *fds = calloc((size_t)count, sizeof *fds);
  if (!fds) return 2;
  for (int i = 0; i < count; i++) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fds[i], (struct sockaddr *)&address, sizeof address) != 0) perror("connect");
  }
  usleep(500 * 1000);
  int refused = 0;
  for (int i = 0; i < count; i++) {
    struct pollfd watched = {.fd = fds[i], .events = POLLIN};
    char byte;
    if (poll(&watched, 1, 0) == 1 && read(fds[i], &byte, 1) <= 0) refused++;
  }
  printf("%d refused\n%d held\n", refused, count - refused);
  for (int i = 0; i < count; i++) close(fds[i]);
  free(fds);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--hold") == 0) return hold(atoi(argv[2]), atoi(argv[3]));
  if (argc < 3) {
    fprintf(stderr, "usage: tcp_client PORT MESSAGE [COUNT [PARALLEL [EXPECT]]]\n");
    return 2;
  }
  int port = atoi(argv[1]);
  const char *message = argv[2];
  int count = argc > 3 ? atoi(argv[3]) : 1, parallel = argc > 4 ? atoi(argv[4]) : 1;
  char expected[1100];
  snprintf(expected, sizeof expected, "%s\n", argc > 5 ? argv[5] : message);
  if (parallel < 1) parallel = 1;
  connection *open = calloc((size_t)parallel, sizeof *open);
  struct pollfd *watched = calloc((size_t)parallel, sizeof *watched);
  if (!open || !watched) return 2;
  int started = 0, finished = 0, good = 0, active = 0;
  for (int i = 0; i < parallel; i++) open[i].fd = -1;
  while (finished < count) {
    for (int i = 0; i < parallel && started < count; i++)
      if (open[i].fd < 0) {
        open[i] = (connection){.fd = open_connection(port, message)};
        started++;
        if (open[i].fd < 0) finished++;
        else active++;
      }
    if (!active) continue;
    for (int i = 0; i < parallel; i++) watched[i] = (struct pollfd){.fd = open[i].fd, .events = POLLIN};
    if (poll(watched, (nfds_t)parallel, 10000) <= 0) {
      fprintf(stderr, "tcp_client: no reply within 10 s\n");
      break;
    }
    for (int i = 0; i < parallel; i++) {
      if (open[i].fd < 0 || !(watched[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      connection *c = &open[i];
      ssize_t got = read(c->fd, c->reply + c->received, sizeof c->reply - 1 - c->received);
      if (got > 0) {
        c->received += (size_t)got;
        continue;
      }
      c->reply[c->received] = '\0';
      if (strcmp(c->reply, expected) == 0) good++;
      else fprintf(stderr, "tcp_client: reply '%s'\n", c->reply);
      close(c->fd);
      c->fd = -1;
      active--;
      finished++;
    }
  }
  free(open);
  free(watched);
  printf("%d of %d replies as expected\n", good, count);
  return good == count ? 0 : 1;
}
