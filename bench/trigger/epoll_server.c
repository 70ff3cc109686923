/* SPDX-License-Identifier: Apache-2.0 */
// trigger_epoll PORT THREADS
//
// The baseline of bench/trigger: a plain epoll echo server doing the work
// of the cell minos starts per connection. For each connection: read what
// arrives, write it back, and close once the peer has finished sending and
// everything is written back.
//
// Each of THREADS threads has its own listening socket on the port
// (SO_REUSEPORT, so the kernel spreads connections among them) and its own
// epoll set, level-triggered; it accepts until EAGAIN and serves its
// connections to the end. Nothing is shared between threads, so with one
// thread per core this is the usual shape of a fast C server. Runs until
// killed.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER 4096
#define EVENTS 256

typedef struct connection {
  int fd;
  bool peer_done;     /* the peer shut its sending side */
  size_t pending;     /* bytes of buffer not written back yet */
  uint32_t watching;  /* the events epoll watches for it now */
  char buffer[BUFFER];
} connection;

static int port;

static int listen_on_port(void) {
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int yes = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes) != 0 ||
      bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 4096) != 0) {
    perror("trigger_epoll: listen");
    exit(1);
  }
  return fd;
}

/* Only when the interest changes: an epoll_ctl per event would be a
 * system call the server does not need. */
static void watch(int epoll_fd, connection *c, uint32_t events, int operation) {
  if (operation == EPOLL_CTL_MOD && c->watching == events) return;
  struct epoll_event event = {.events = events, .data.ptr = c};
  if (epoll_ctl(epoll_fd, operation, c->fd, &event) != 0) {
    perror("trigger_epoll: epoll_ctl");
    exit(1);
  }
  c->watching = events;
}

static void drop(connection *c) {
  close(c->fd);
  free(c);
}

/* Writes back what is pending; false if the connection failed. */
static bool flush(connection *c) {
  size_t done = 0;
  while (done < c->pending) {
    ssize_t wrote = write(c->fd, c->buffer + done, c->pending - done);
    if (wrote < 0 && errno == EAGAIN) break;
    if (wrote <= 0) return false;
    done += (size_t)wrote;
  }
  memmove(c->buffer, c->buffer + done, c->pending - done);
  c->pending -= done;
  return true;
}

static void serve(int epoll_fd, connection *c) {
  // Reads only while nothing is pending: a peer that does not read its
  // echo gets backpressure, not an ever-growing buffer.
  while (c->pending == 0 && !c->peer_done) {
    ssize_t got = read(c->fd, c->buffer, sizeof c->buffer);
    if (got < 0 && errno == EAGAIN) break;
    if (got < 0) {
      drop(c);
      return;
    }
    if (got == 0) c->peer_done = true;
    c->pending = (size_t)got;
    if (!flush(c)) {
      drop(c);
      return;
    }
  }
  if (c->pending == 0 && c->peer_done) {
    drop(c);
    return;
  }
  watch(epoll_fd, c, c->pending ? EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
}

static void accept_all(int epoll_fd, int listening_fd) {
  for (;;) {
    int fd = accept4(listening_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        perror("trigger_epoll: accept");
      return;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    connection *c = malloc(sizeof *c);
    if (!c) {
      close(fd);
      continue;
    }
    c->fd = fd;
    c->peer_done = false;
    c->pending = 0;
    // The request is often there already: serve it before asking epoll.
    watch(epoll_fd, c, EPOLLIN, EPOLL_CTL_ADD);
    serve(epoll_fd, c);
  }
}

static void *server_thread(void *unused) {
  (void)unused;
  int listening_fd = listen_on_port();
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  static connection listener_marker; /* data.ptr of the listening socket */
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = &listener_marker};
  if (epoll_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listening_fd, &event) != 0) {
    perror("trigger_epoll: epoll");
    exit(1);
  }
  struct epoll_event events[EVENTS];
  for (;;) {
    int ready = epoll_wait(epoll_fd, events, EVENTS, -1);
    for (int i = 0; i < ready; i++) {
      if (events[i].data.ptr == &listener_marker) accept_all(epoll_fd, listening_fd);
      else serve(epoll_fd, events[i].data.ptr);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3 || atoi(argv[1]) <= 0 || atoi(argv[2]) <= 0) {
    fprintf(stderr, "usage: trigger_epoll PORT THREADS\n");
    return 2;
  }
  port = atoi(argv[1]);
  int threads = atoi(argv[2]);
  for (int i = 1; i < threads; i++) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, server_thread, NULL) != 0) {
      fprintf(stderr, "trigger_epoll: cannot start a thread\n");
      return 1;
    }
  }
  server_thread(NULL);
  return 0;
}
