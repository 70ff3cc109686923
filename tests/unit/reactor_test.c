/* SPDX-License-Identifier: Apache-2.0 */
/* The reactor alone: sockets attached as channel ends, driven from host
 * threads (host waiters) on one side and plain socket calls on the other.
 * Both directions, end of stream each way, a reset, backpressure both
 * ways with 8 MiB byte-exact, listeners (and that none fires after its
 * close), a reactor freed with live sockets, and the process's descriptor
 * count flat over many attach/close cycles. Pipes too: both directions
 * and their ends, a reader gone (EPIPE for the writer), and a real
 * process (cat) fed and drained 8 MiB byte-exact through its stdio. And a
 * process's end seen through its pidfd, with none seen after the watch's
 * close. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/reactor.h"
#include "check.h"
#include "process_usage.h"

#define REQUIRE(condition)                                                   \
  do {                                                                       \
    if (!(condition)) {                                                      \
      printf("FAIL %s:%d: required %s\n", __FILE__, __LINE__, #condition);   \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

#define BIG (8u << 20)
#define SECONDS(n) deadline_after((uint64_t)(n) * 1000000000u)

static void pause_ms(long ms) {
  struct timespec wait = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&wait, NULL);
}

static int64_t read_end(channel_end *end, void *buffer, uint32_t size, uint64_t deadline) {
  waiter host;
  waiter_init_host(&host);
  uint32_t rotation = 0, which;
  return channel_read(&host, &end, 1, buffer, size, deadline, &rotation, &which);
}

static int64_t write_end(channel_end *end, const void *data, uint32_t length) {
  waiter host;
  waiter_init_host(&host);
  uint32_t done = 0;
  while (done < length) {
    int64_t wrote = channel_write(&host, end, (const char *)data + done, length - done, SECONDS(10));
    if (wrote < 0) return wrote;
    done += (uint32_t)wrote;
  }
  return done;
}

/* Reads an end until its stream ends (or size bytes): the count, or a
 * negative status. */
static int64_t drain_end(channel_end *end, uint8_t *buffer, uint32_t size) {
  uint32_t done = 0;
  for (;;) {
    int64_t got = read_end(end, buffer + done, size - done ? size - done : 1, SECONDS(10));
    if (got <= 0) return got < 0 ? got : done;
    done += (uint32_t)got;
    if (done == size) return done;
  }
}

static void write_fd_all(int fd, const void *data, size_t length) {
  const char *bytes = data;
  while (length) {
    ssize_t wrote = write(fd, bytes, length);
    REQUIRE(wrote > 0);
    bytes += wrote;
    length -= (size_t)wrote;
  }
}

static uint8_t pattern(size_t at) { return (uint8_t)(at * 7 + (at >> 16)); }

/* A socket pair, one side attached. */
typedef struct attached {
  int peer;
  channel_end *from_peer, *to_peer;
} attached;

static attached attach_pair(reactor *sockets) {
  int pair[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  attached made = {.peer = pair[1]};
  REQUIRE(reactor_attach_socket(sockets, pair[0], &made.from_peer, &made.to_peer) == MINOS_OK);
  return made;
}

/* Both directions and both ends of stream. */
static void test_both_ways(reactor *sockets) {
  attached pair = attach_pair(sockets);
  char buffer[64] = "";
  write_fd_all(pair.peer, "ping", 4);
  CHECK(read_end(pair.from_peer, buffer, sizeof buffer, SECONDS(5)) == 4);
  CHECK(memcmp(buffer, "ping", 4) == 0);
  CHECK(write_end(pair.to_peer, "pong!", 5) == 5);
  CHECK(read(pair.peer, buffer, sizeof buffer) == 5 && memcmp(buffer, "pong!", 5) == 0);
  /* Nothing there yet: no wait means MINOS_EAGAIN. */
  CHECK(read_end(pair.from_peer, buffer, sizeof buffer, DEADLINE_NOW) == -MINOS_EAGAIN);
  /* Closing to_peer is end of file for the peer, after what was written. */
  CHECK(write_end(pair.to_peer, "last", 4) == 4);
  channel_end_close(pair.to_peer);
  CHECK(read(pair.peer, buffer, 4) == 4 && memcmp(buffer, "last", 4) == 0);
  CHECK(read(pair.peer, buffer, sizeof buffer) == 0);
  /* The peer can still send (half close), then closes: end of stream. */
  write_fd_all(pair.peer, "bye", 3);
  shutdown(pair.peer, SHUT_WR);
  CHECK(drain_end(pair.from_peer, (uint8_t *)buffer, sizeof buffer) == 3);
  CHECK(read_end(pair.from_peer, buffer, sizeof buffer, SECONDS(5)) == 0);
  channel_end_close(pair.from_peer);
  close(pair.peer);
}

/* The peer goes: the reader sees the end of the stream, a writer
 * MINOS_ECLOSED (once the reactor has found out, on its next send). */
static void test_peer_gone(reactor *sockets) {
  attached pair = attach_pair(sockets);
  close(pair.peer);
  char buffer[16];
  CHECK(read_end(pair.from_peer, buffer, sizeof buffer, SECONDS(5)) == 0);
  int64_t wrote = 0;
  uint64_t deadline = SECONDS(5);
  while (wrote >= 0 && monotonic_ns() < deadline) {
    wrote = write_end(pair.to_peer, "x", 1);
    pause_ms(1);
  }
  CHECK(wrote == -MINOS_ECLOSED);
  channel_end_close(pair.from_peer);
  channel_end_close(pair.to_peer);
}

static int tcp_listener(uint16_t *port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  REQUIRE(fd >= 0 && bind(fd, (struct sockaddr *)&address, sizeof address) == 0);
  REQUIRE(listen(fd, 64) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd, (struct sockaddr *)&address, &length) == 0);
  *port = ntohs(address.sin_port);
  return fd;
}

static int tcp_connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  REQUIRE(fd >= 0 && connect(fd, (struct sockaddr *)&address, sizeof address) == 0);
  return fd;
}

/* A TCP reset: the reader sees the end of the stream and the writer
 * MINOS_ECLOSED, without either of them having to close anything. */
static void test_reset(reactor *sockets) {
  uint16_t port;
  int listening = tcp_listener(&port);
  int client = tcp_connect(port);
  int server = accept(listening, NULL, NULL);
  REQUIRE(server >= 0);
  channel_end *from_peer, *to_peer;
  REQUIRE(reactor_attach_socket(sockets, server, &from_peer, &to_peer) == MINOS_OK);
  struct linger reset = {.l_onoff = 1, .l_linger = 0};
  setsockopt(client, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(client);
  char buffer[16];
  CHECK(read_end(from_peer, buffer, sizeof buffer, SECONDS(5)) == 0);
  CHECK(write_end(to_peer, "late", 4) == -MINOS_ECLOSED);
  channel_end_close(from_peer);
  channel_end_close(to_peer);
  close(listening);
}

typedef struct transfer {
  int fd;
  channel_end *end;
  uint8_t *data;
  int64_t result;
} transfer;

static void *write_big_to_end(void *argument) {
  transfer *work = argument;
  work->result = write_end(work->end, work->data, BIG);
  channel_end_close(work->end);
  return NULL;
}

static void *write_big_to_fd(void *argument) {
  transfer *work = argument;
  write_fd_all(work->fd, work->data, BIG);
  shutdown(work->fd, SHUT_WR);
  return NULL;
}

/* 8 MiB each way to a slow reader: everything arrives, in order, and the
 * writer is held back instead of the bytes piling up somewhere. */
static void test_backpressure(reactor *sockets) {
  uint8_t *data = malloc(BIG), *received = malloc(BIG + 1);
  REQUIRE(data && received);
  for (size_t i = 0; i < BIG; i++) data[i] = pattern(i);
  attached pair = attach_pair(sockets);

  transfer out = {.end = pair.to_peer, .data = data};
  pthread_t writer;
  REQUIRE(pthread_create(&writer, NULL, write_big_to_end, &out) == 0);
  size_t got = 0;
  for (int reads = 0;; reads++) {
    ssize_t n = read(pair.peer, received + got, reads < 64 ? 4096 : 65536);
    if (n <= 0) break;
    got += (size_t)n;
    if (reads < 64) pause_ms(2); /* slow at first, so the writer must wait */
  }
  pthread_join(writer, NULL);
  CHECK(out.result == BIG);
  CHECK(got == BIG && memcmp(received, data, BIG) == 0);

  transfer in = {.fd = pair.peer, .data = data};
  REQUIRE(pthread_create(&writer, NULL, write_big_to_fd, &in) == 0);
  got = 0;
  for (int reads = 0;; reads++) {
    int64_t n = read_end(pair.from_peer, received + got, reads < 64 ? 4096 : (uint32_t)(BIG + 1 - got),
                         SECONDS(10));
    if (n <= 0) break;
    got += (size_t)n;
    if (reads < 64) pause_ms(2);
  }
  pthread_join(writer, NULL);
  CHECK(got == BIG && memcmp(received, data, BIG) == 0);
  channel_end_close(pair.from_peer);
  close(pair.peer);
  free(data);
  free(received);
}

typedef struct accepted {
  pthread_mutex_t lock;
  int count;
  int fds[16];
} accepted;

static void on_accept(void *context, int fd) {
  accepted *seen = context;
  pthread_mutex_lock(&seen->lock);
  if (seen->count < 16) seen->fds[seen->count++] = fd;
  else close(fd);
  pthread_mutex_unlock(&seen->lock);
}

static int accepted_count(accepted *seen) {
  pthread_mutex_lock(&seen->lock);
  int count = seen->count;
  pthread_mutex_unlock(&seen->lock);
  return count;
}

static bool wait_for_count(accepted *seen, int count) {
  uint64_t deadline = SECONDS(5);
  while (accepted_count(seen) < count && monotonic_ns() < deadline) pause_ms(1);
  return accepted_count(seen) == count;
}

/* Accepted connections reach on_accept, attachable from there; after the
 * listener's close, none does. */
static void test_listener(reactor *sockets) {
  uint16_t port;
  int listening = tcp_listener(&port);
  accepted seen = {.lock = PTHREAD_MUTEX_INITIALIZER};
  reactor_listener *listener;
  REQUIRE(reactor_listen(sockets, listening, on_accept, &seen, &listener) == MINOS_OK);
  int clients[3];
  for (int i = 0; i < 3; i++) clients[i] = tcp_connect(port);
  CHECK(wait_for_count(&seen, 3));
  channel_end *from_peer, *to_peer;
  REQUIRE(reactor_attach_socket(sockets, seen.fds[0], &from_peer, &to_peer) == MINOS_OK);
  write_fd_all(clients[0], "hello", 5);
  char buffer[8];
  CHECK(read_end(from_peer, buffer, sizeof buffer, SECONDS(5)) == 5);
  channel_end_close(from_peer);
  channel_end_close(to_peer);
  CHECK(read(clients[0], buffer, sizeof buffer) == 0); /* closed: end of file */
  reactor_listener_close(listener);
  int late = tcp_connect(port); /* completes in the backlog */
  pause_ms(50);
  CHECK(accepted_count(&seen) == 3);
  close(late);
  close(listening);
  for (int i = 0; i < 3; i++) close(clients[i]);
  for (int i = 1; i < 3; i++) close(seen.fds[i]);
}

/* The count once it has not changed for 50 ms: sockets of earlier tests
 * may still be closing. */
static int stable_fd_count(void) {
  int count = open_fd_count();
  for (int same = 0; same < 50; same++) {
    pause_ms(1);
    int now = open_fd_count();
    if (now != count) same = 0;
    count = now;
  }
  return count;
}

/* The reactor closes a socket on its own thread, a moment after its ends
 * were closed. */
static int settled_fd_count(int wanted) {
  uint64_t deadline = SECONDS(5);
  int count;
  while ((count = open_fd_count()) != wanted && monotonic_ns() < deadline) pause_ms(1);
  return count;
}

/* Many cycles, closing in every order, with and without traffic: the
 * descriptor count comes back to where it was. */
static void test_cycles(reactor *sockets) {
  int before = stable_fd_count();
  for (int cycle = 0; cycle < 3000; cycle++) {
    attached pair = attach_pair(sockets);
    char byte = 'x';
    if (cycle % 3 == 0) {
      write_fd_all(pair.peer, &byte, 1);
      CHECK(read_end(pair.from_peer, &byte, 1, SECONDS(5)) == 1);
      CHECK(write_end(pair.to_peer, &byte, 1) == 1);
    }
    if (cycle % 2) {
      channel_end_close(pair.from_peer);
      channel_end_close(pair.to_peer);
    } else {
      channel_end_close(pair.to_peer);
      channel_end_close(pair.from_peer);
    }
    if (cycle % 5 == 0) pause_ms(0);
    close(pair.peer);
  }
  int after = settled_fd_count(before);
  if (after != before) printf("fds: %d before, %d after\n", before, after);
  CHECK(after == before);
}

/* Ends held by their cells while the peer stays idle: closing both lets
 * the socket go, without waiting for the peer. */
static void test_idle_peer_close(reactor *sockets) {
  int before = stable_fd_count();
  attached pair = attach_pair(sockets);
  channel_end_close(pair.to_peer);
  char buffer[4];
  CHECK(read(pair.peer, buffer, sizeof buffer) == 0); /* end of file: shut down */
  channel_end_close(pair.from_peer);
  CHECK(settled_fd_count(before + 1) == before + 1); /* only the peer's own is left */
  close(pair.peer);
}

/* Freeing the reactor closes what it still has: the peers see end of
 * file, the ends' holders the end of the stream. */
static void test_free_with_live_sockets(void) {
  reactor *sockets;
  REQUIRE(reactor_create(&sockets) == MINOS_OK);
  attached pair = attach_pair(sockets);
  write_fd_all(pair.peer, "a", 1);
  char buffer[4];
  CHECK(read_end(pair.from_peer, buffer, sizeof buffer, SECONDS(5)) == 1);
  reactor_free(sockets);
  CHECK(read(pair.peer, buffer, sizeof buffer) == 0);
  CHECK(read_end(pair.from_peer, buffer, sizeof buffer, SECONDS(5)) == 0);
  CHECK(write_end(pair.to_peer, "b", 1) == -MINOS_ECLOSED);
  channel_end_close(pair.from_peer);
  channel_end_close(pair.to_peer);
  close(pair.peer);
}

static void test_pipes(reactor *sockets) {
  int in[2], out[2];
  REQUIRE(pipe(in) == 0 && pipe(out) == 0);
  channel_end *from = NULL, *to = NULL;
  REQUIRE(reactor_attach_pipes(sockets, in[0], out[1], &from, &to) == MINOS_OK);
  char buffer[16];
  write_fd_all(in[1], "hello", 5);
  CHECK(read_end(from, buffer, sizeof buffer, SECONDS(5)) == 5 && memcmp(buffer, "hello", 5) == 0);
  CHECK(write_end(to, "world", 5) == 5);
  CHECK(read(out[0], buffer, sizeof buffer) == 5 && memcmp(buffer, "world", 5) == 0);
  channel_end_close(to); /* the process reads the end of its input */
  CHECK(read(out[0], buffer, sizeof buffer) == 0);
  close(in[1]); /* and its output ends */
  CHECK(read_end(from, buffer, sizeof buffer, SECONDS(5)) == 0);
  channel_end_close(from);
  close(out[0]);
  /* One direction only, its reader gone: the writer gets EPIPE. */
  REQUIRE(pipe(in) == 0);
  REQUIRE(reactor_attach_pipes(sockets, in[0], -1, &from, &to) == MINOS_OK);
  CHECK(to == NULL && from != NULL);
  channel_end_close(from);
  ssize_t wrote = 0;
  for (int i = 0; i < 500 && wrote >= 0; i++) {
    wrote = write(in[1], "x", 1);
    if (wrote >= 0) pause_ms(2);
  }
  CHECK(wrote < 0 && errno == EPIPE);
  close(in[1]);
  CHECK(reactor_attach_pipes(sockets, -1, -1, &from, &to) == MINOS_EINVAL);
}

typedef struct feed {
  channel_end *to;
  uint8_t *data;
} feed;

static void *feed_process(void *argument) {
  feed *given = argument;
  CHECK(write_end(given->to, given->data, BIG) == BIG);
  channel_end_close(given->to);
  return NULL;
}

static void test_process(reactor *sockets) {
  int input[2], output[2];
  REQUIRE(pipe(input) == 0 && pipe(output) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    dup2(input[0], 0);
    dup2(output[1], 1);
    close(input[0]), close(input[1]), close(output[0]), close(output[1]);
    execl("/bin/cat", "cat", (char *)NULL);
    _exit(127);
  }
  close(input[0]);
  close(output[1]);
  channel_end *from, *to;
  REQUIRE(reactor_attach_pipes(sockets, output[0], input[1], &from, &to) == MINOS_OK);
  feed given = {to, malloc(BIG)};
  uint8_t *back = malloc(BIG);
  REQUIRE(given.data && back);
  for (size_t i = 0; i < BIG; i++) given.data[i] = pattern(i);
  pthread_t feeder;
  REQUIRE(pthread_create(&feeder, NULL, feed_process, &given) == 0);
  CHECK(drain_end(from, back, BIG) == BIG);
  CHECK(memcmp(back, given.data, BIG) == 0);
  pthread_join(feeder, NULL);
  uint8_t after;
  CHECK(read_end(from, &after, 1, SECONDS(10)) == 0); /* cat saw its input end */
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  channel_end_close(from);
  free(given.data);
  free(back);
}

static void on_exit_seen(void *context) { atomic_fetch_add((atomic_int *)context, 1); }

static bool wait_for_flag(atomic_int *flag, int at_least) {
  for (int i = 0; i < 1000; i++) {
    if (atomic_load(flag) >= at_least) return true;
    pause_ms(5);
  }
  return false;
}

static void test_process_end(reactor *sockets) {
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    pause_ms(50);
    _exit(3);
  }
  int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  REQUIRE(pidfd >= 0);
  atomic_int seen = 0;
  reactor_watch *watch;
  REQUIRE(reactor_watch_readable(sockets, pidfd, on_exit_seen, &seen, &watch) == MINOS_OK);
  CHECK(wait_for_flag(&seen, 1));
  reactor_watch_close(watch);
  siginfo_t info = {0};
  CHECK(waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) == 0 && info.si_status == 3);
  close(pidfd);
  /* Closed before its process ends: never called. */
  child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    pause_ms(50);
    _exit(0);
  }
  pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  atomic_int late = 0;
  REQUIRE(reactor_watch_readable(sockets, pidfd, on_exit_seen, &late, &watch) == MINOS_OK);
  reactor_watch_close(watch);
  CHECK(waitpid(child, NULL, 0) == child);
  pause_ms(50);
  CHECK(atomic_load(&late) == 0);
  close(pidfd);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* the tests' own writes to pipes whose reader went */
  reactor *sockets;
  REQUIRE(reactor_create(&sockets) == MINOS_OK);
  test_both_ways(sockets);
  test_peer_gone(sockets);
  test_reset(sockets);
  test_backpressure(sockets);
  test_listener(sockets);
  test_cycles(sockets);
  test_idle_peer_close(sockets);
  test_pipes(sockets);
  test_process(sockets);
  test_process_end(sockets);
  reactor_free(sockets);
  test_free_with_live_sockets();
  if (failures) {
    printf("reactor_test: %d failures\n", failures);
    return 1;
  }
  printf("reactor_test: all passed\n");
  return 0;
}
