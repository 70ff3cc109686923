/* SPDX-License-Identifier: Apache-2.0 */
/* The guest API's network calls (minos_connect, minos_listen,
 * minos_accept), from inside a cell. Commands:
 *
 *   net errors PORT        grants: --connect tcp:127.0.0.1:PORT
 *                          --connect udp:127.0.0.1:PORT --listen tcp:127.0.0.1:PORT
 *       every error (EPERM outside the grants, EINVAL, EFAULT, EBADF,
 *       EAGAIN, ETIMEDOUT, ECLOSED when refused, EIO when in use), then a
 *       connection to itself: both ways, ends of stream, a peer gone
 *       midway, poll on a listener, the port free again after close, and
 *       200 connect/accept/close cycles.
 *   net serve PORT N       echo server for N connections, one at a time
 *   net client PORT        sends messages of many sizes, checks the echo
 *   net sink PORT          accepts one connection, reads it slowly to its
 *                          end, checks the pattern, answers the count
 *   net source PORT SIZE   sends SIZE bytes of the pattern, checks the count
 *   net listen-exit PORT   listens, then exits without closing anything
 *   net cycles PORT N      N connect/accept/exchange/close cycles, quietly
 *   net unix PATH          the same over a Unix socket (grants for unix:PATH):
 *                          its file goes with the listener, so listening
 *                          there again works
 *
 * A server that finds its port in use exits with 3, so that the script
 * running it can pick another port. Waits use a read timeout on a private
 * pipe, so the guest needs no clock. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_common.h"

#define EXIT_PORT_IN_USE 3
#define BAD_POINTER ((const void *)0xfffffff0u)

static char address_text[64];

static const char *tcp(int port) {
  snprintf(address_text, sizeof address_text, "tcp:127.0.0.1:%d", port);
  return address_text;
}

static int32_t connect_to(const char *address, int32_t ends[2]) {
  return minos_connect(address, (uint32_t)strlen(address), ends);
}

static int32_t listen_on(const char *address) {
  return minos_listen(address, (uint32_t)strlen(address));
}

static void sleep_ms(int ms) {
  static int32_t idle[2] = {-1, -1};
  if (idle[0] < 0) REQUIRE(minos_pipe(0, idle) == 0);
  char byte;
  int32_t from;
  minos_read_timeout(&idle[1], 1, &byte, 1, &from, (int64_t)ms * 1000000);
}

/* A listener, or exit 3 if the port is taken. */
static int32_t listen_or_exit(int port) {
  int32_t listener = listen_on(tcp(port));
  if (listener == -MINOS_EIO) {
    fprintf(stderr, "port %d in use\n", port);
    exit(EXIT_PORT_IN_USE);
  }
  if (listener < 0) {
    fprintf(stderr, "FAIL listen on %d = %d %s\n", port, listener, status_name(listener));
    exit(1);
  }
  return listener;
}

/* Connects, retrying for a few seconds while nobody listens yet. */
static void connect_retrying(int port, int32_t ends[2]) {
  int32_t rc = -MINOS_ECLOSED;
  for (int attempt = 0; attempt < 500 && rc == -MINOS_ECLOSED; attempt++) {
    rc = connect_to(tcp(port), ends);
    if (rc == -MINOS_ECLOSED) sleep_ms(10);
  }
  if (rc != 0) {
    fprintf(stderr, "FAIL connect to %d = %d %s\n", port, rc, status_name(rc));
    exit(1);
  }
}

static unsigned char pattern(uint32_t at) { return (unsigned char)(at * 7 + (at >> 16)); }

static void check_errors_outside_grants(int port) {
  int32_t ends[2] = {-1, -1};
  char text[64];
  /* EPERM: not granted, however well formed. */
  snprintf(text, sizeof text, "tcp:127.0.0.1:%d", port + 1);
  CHECK_ERR(connect_to(text, ends), MINOS_EPERM);
  CHECK_ERR(listen_on(text), MINOS_EPERM);
  snprintf(text, sizeof text, "tcp:10.1.2.3:%d", port);
  CHECK_ERR(connect_to(text, ends), MINOS_EPERM);
  CHECK_ERR(listen_on(text), MINOS_EPERM);
  snprintf(text, sizeof text, "tcp:[::1]:%d", port);
  CHECK_ERR(connect_to(text, ends), MINOS_EPERM);
  CHECK_ERR(connect_to("unix:/tmp/minos-net-test.sock", ends), MINOS_EPERM);
  CHECK_ERR(listen_on("unix:/tmp/minos-net-test.sock"), MINOS_EPERM);
  snprintf(text, sizeof text, "udp:127.0.0.1:%d", port);
  CHECK_ERR(listen_on(text), MINOS_EPERM);
  /* EINVAL: not one address. */
  static const char *const malformed[] = {
      "tcp:", "tcp:127.0.0.1", "tcp:127.0.0.1:", "tcp:127.0.0.1:0", "tcp:127.0.0.1:65536",
      "tcp:127.0.0.1:80x", "tcp:127.0.0.1:-1", "tcp:[::1:80", "tcp:::1:80", "tcp:[]:80",
      "tcp:example.com:80", "tcp:127.0.0.0/8:80", "tcp:*:80", "http://127.0.0.1:80",
      "unix:relative/path", "unix:", "TCP:127.0.0.1:80"};
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    CHECK_ERR(connect_to(malformed[i], ends), MINOS_EINVAL);
    CHECK_ERR(listen_on(malformed[i]), MINOS_EINVAL);
  }
  CHECK_ERR(minos_connect("", 0, ends), MINOS_EINVAL);
  snprintf(text, sizeof text, "tcp:127.0.0.1:%d", port);
  CHECK_ERR(minos_connect(text, (uint32_t)strlen(text) + 1, ends), MINOS_EINVAL); /* the NUL */
  char long_text[400];
  memset(long_text, '1', sizeof long_text);
  memcpy(long_text, "unix:/", 6);
  CHECK_ERR(minos_connect(long_text, sizeof long_text, ends), MINOS_EINVAL);
  /* UDP is granted here, but channels cannot carry datagrams. */
  snprintf(text, sizeof text, "udp:127.0.0.1:%d", port);
  CHECK_ERR(connect_to(text, ends), MINOS_EINVAL);
  /* EFAULT: pointers outside the cell's memory. */
  snprintf(text, sizeof text, "tcp:127.0.0.1:%d", port);
  CHECK_ERR(minos_connect(BAD_POINTER, 32, ends), MINOS_EFAULT);
  CHECK_ERR(minos_connect(text, (uint32_t)strlen(text), (int32_t *)BAD_POINTER), MINOS_EFAULT);
  CHECK_ERR(minos_connect(text, 0xffffffffu, ends), MINOS_EFAULT);
  CHECK_ERR(minos_listen(BAD_POINTER, 32), MINOS_EFAULT);
  CHECK_EQ(ends[0], -1); /* nothing was stored */
}

static void check_exchange(int32_t listener, int port) {
  int32_t client[2], server[2], from;
  char buffer[4096];
  REQUIRE(connect_to(tcp(port), client) == 0);
  REQUIRE(minos_accept(listener, server, MINOS_WAIT_FOREVER) == 0);
  /* ends[0] writes, ends[1] reads, as a pipe's; reading a write end or
   * writing a read end is the wrong direction. */
  CHECK_EQ(write_all(client[0], "hello", 5), 5);
  CHECK_EQ(minos_read(&server[1], 1, buffer, sizeof buffer, &from), 5);
  CHECK_EQ(memcmp(buffer, "hello", 5), 0);
  CHECK_EQ(from, server[1]);
  CHECK_EQ(write_all(server[0], "world!", 6), 6);
  CHECK_EQ(read_all(client[1], buffer, 6), 6);
  CHECK_EQ(memcmp(buffer, "world!", 6), 0);
  CHECK_ERR(minos_write(client[1], "x", 1), MINOS_EPERM);
  CHECK_ERR(minos_read(&client[0], 1, buffer, 1, &from), MINOS_EPERM);
  CHECK_ERR(minos_try_read(&client[1], 1, buffer, sizeof buffer, &from), MINOS_EAGAIN);
  /* Closing the write end is end of file for the peer; the other way
   * still works (a half close). */
  CHECK_EQ(minos_wclose(client[0]), 0);
  CHECK_EQ(read_all(server[1], buffer, sizeof buffer), 0);
  CHECK_EQ(write_all(server[0], "still here", 10), 10);
  CHECK_EQ(minos_wclose(server[0]), 0);
  CHECK_EQ(read_all(client[1], buffer, sizeof buffer), 10);
  CHECK_EQ(minos_read(&client[1], 1, buffer, sizeof buffer, &from), 0);
  CHECK_EQ(minos_rclose(client[1]), 0);
  CHECK_EQ(minos_rclose(server[1]), 0);
}

/* The peer goes midway: what it sent arrives, then the end of the stream,
 * and writing to it fails with ECLOSED, not a signal. */
static void check_peer_gone(int32_t listener, int port) {
  int32_t client[2], server[2];
  static char buffer[65536];
  REQUIRE(connect_to(tcp(port), client) == 0);
  REQUIRE(minos_accept(listener, server, MINOS_WAIT_FOREVER) == 0);
  memset(buffer, 'm', 1000);
  CHECK_EQ(write_all(client[0], buffer, 1000), 1000);
  CHECK_EQ(minos_rclose(client[1]), 0);
  CHECK_EQ(minos_wclose(client[0]), 0);
  CHECK_EQ(read_all(server[1], buffer, sizeof buffer), 1000);
  int32_t wrote = 0;
  for (int attempt = 0; attempt < 1000 && wrote >= 0; attempt++) {
    wrote = minos_write(server[0], buffer, sizeof buffer);
    if (wrote >= 0) sleep_ms(1);
  }
  CHECK_ERR(wrote, MINOS_ECLOSED);
  CHECK_EQ(minos_wclose(server[0]), 0);
  CHECK_EQ(minos_rclose(server[1]), 0);
}

/* poll() on a listener: readable while a connection waits. */
static void check_poll(int32_t listener, int port) {
  struct pollfd watched = {.fd = listener, .events = POLLIN};
  CHECK_EQ(poll(&watched, 1, 0), 0);
  int32_t client[2], server[2];
  REQUIRE(connect_to(tcp(port), client) == 0);
  CHECK_EQ(poll(&watched, 1, 5000), 1);
  CHECK_EQ(watched.revents & POLLIN, POLLIN);
  REQUIRE(minos_accept(listener, server, MINOS_NO_WAIT) == 0);
  CHECK_EQ(poll(&watched, 1, 0), 0);
  int32_t ends[4] = {client[0], client[1], server[0], server[1]};
  for (int i = 0; i < 4; i++) CHECK_EQ(close(ends[i]), 0); /* close() works on ends too */
}

static void check_listener_errors(int32_t listener, int port) {
  int32_t ends[2] = {-1, -1}, from;
  char byte;
  CHECK_ERR(listen_on(tcp(port)), MINOS_EIO); /* in use, by this very cell */
  CHECK_ERR(minos_accept(listener, ends, MINOS_NO_WAIT), MINOS_EAGAIN);
  CHECK_ERR(minos_accept(listener, ends, 20 * 1000000), MINOS_ETIMEDOUT);
  CHECK_ERR(minos_accept(0, ends, MINOS_NO_WAIT), MINOS_EBADF);
  CHECK_ERR(minos_accept(-1, ends, MINOS_NO_WAIT), MINOS_EBADF);
  CHECK_ERR(minos_accept(999, ends, MINOS_NO_WAIT), MINOS_EBADF);
  CHECK_ERR(minos_accept(listener, (int32_t *)BAD_POINTER, MINOS_NO_WAIT), MINOS_EFAULT);
  CHECK_ERR(minos_read(&listener, 1, &byte, 1, &from), MINOS_EBADF);
  CHECK_ERR(minos_write(listener, "x", 1), MINOS_EBADF);
  CHECK_ERR(minos_wclose(listener), MINOS_EBADF);
  CHECK_EQ(ends[0], -1);
  CHECK_EQ(write(listener, "x", 1), -1); /* WASI may not use it either */
}

/* Connect, accept, one byte each way, close: `cycles` times. */
static int run_cycles(int32_t listener, int port, int cycles) {
  int failed = 0;
  for (int i = 0; i < cycles; i++) {
    int32_t client[2], server[2], from;
    char byte = (char)i;
    if (connect_to(tcp(port), client) != 0 ||
        minos_accept(listener, server, MINOS_WAIT_FOREVER) != 0) {
      failed++;
      continue;
    }
    failed += minos_write(client[0], &byte, 1) != 1;
    failed += minos_read(&server[1], 1, &byte, 1, &from) != 1 || byte != (char)i;
    failed += minos_write(server[0], &byte, 1) != 1;
    failed += minos_read(&client[1], 1, &byte, 1, &from) != 1;
    /* Closed in a different order each time. */
    int32_t order[4] = {client[0], client[1], server[0], server[1]};
    for (int k = 0; k < 4; k++) failed += close(order[(k + i) % 4]) != 0;
  }
  return failed;
}

static int errors(int port) {
  check_errors_outside_grants(port);
  int32_t ends[2] = {-1, -1};
  /* The port is ours (or the script picks another); once the listener is
   * closed, a connection is refused, reported by the call itself. */
  int32_t listener = listen_or_exit(port);
  CHECK_EQ(close(listener), 0);
  CHECK_ERR(connect_to(tcp(port), ends), MINOS_ECLOSED);
  listener = listen_on(tcp(port));
  REQUIRE(listener >= 3);
  check_listener_errors(listener, port);
  check_exchange(listener, port);
  check_peer_gone(listener, port);
  check_poll(listener, port);
  CHECK_EQ(run_cycles(listener, port, 200), 0);
  /* Closed after all that traffic, the port is free at once. */
  CHECK_EQ(close(listener), 0);
  CHECK_ERR(minos_accept(listener, ends, MINOS_NO_WAIT), MINOS_EBADF);
  CHECK_ERR(connect_to(tcp(port), ends), MINOS_ECLOSED);
  listener = listen_on(tcp(port));
  REQUIRE(listener >= 3);
  CHECK_EQ(run_cycles(listener, port, 3), 0);
  api_exit("net errors");
}

static int serve(int port, int count) {
  int32_t listener = listen_or_exit(port);
  printf("listening on %d\n", port);
  fflush(stdout);
  static char buffer[65536];
  for (int served = 0; served < count; served++) {
    int32_t ends[2], from;
    REQUIRE(minos_accept(listener, ends, MINOS_WAIT_FOREVER) == 0);
    for (;;) {
      int32_t got = minos_read(&ends[1], 1, buffer, sizeof buffer, &from);
      if (got <= 0) {
        CHECK_EQ(got, 0);
        break;
      }
      CHECK_EQ(write_all(ends[0], buffer, (uint32_t)got), got);
    }
    CHECK_EQ(minos_wclose(ends[0]), 0);
    CHECK_EQ(minos_rclose(ends[1]), 0);
  }
  printf("served %d\n", count);
  api_exit("net serve");
}

static int client(int port) {
  int32_t ends[2];
  connect_retrying(port, ends);
  static unsigned char sent[200000], echoed[200000];
  static const uint32_t sizes[] = {1, 2, 100, 1500, 4096, 65535, 65536, 65537, 199999};
  for (size_t m = 0; m < sizeof sizes / sizeof sizes[0]; m++) {
    for (uint32_t i = 0; i < sizes[m]; i++) sent[i] = pattern(i + (uint32_t)m);
    CHECK_EQ(write_all(ends[0], sent, sizes[m]), sizes[m]);
    CHECK_EQ(read_all(ends[1], echoed, sizes[m]), sizes[m]);
    CHECK_EQ(memcmp(sent, echoed, sizes[m]), 0);
  }
  CHECK_EQ(minos_wclose(ends[0]), 0);
  CHECK_EQ(read_all(ends[1], echoed, sizeof echoed), 0); /* the server closed after us */
  printf("client ok\n");
  api_exit("net client");
}

static int sink(int port) {
  int32_t listener = listen_or_exit(port);
  printf("listening on %d\n", port);
  fflush(stdout);
  int32_t ends[2], from;
  REQUIRE(minos_accept(listener, ends, MINOS_WAIT_FOREVER) == 0);
  static unsigned char buffer[65536];
  uint32_t total = 0, wrong = 0;
  for (int reads = 0;; reads++) {
    /* Slow at first, in small reads: the source must be held back. */
    uint32_t size = reads < 200 ? 1000 : sizeof buffer;
    int32_t got = minos_read(&ends[1], 1, buffer, size, &from);
    if (got <= 0) {
      CHECK_EQ(got, 0);
      break;
    }
    for (int32_t i = 0; i < got; i++) wrong += buffer[i] != pattern(total + (uint32_t)i);
    total += (uint32_t)got;
    if (reads < 200) sleep_ms(1);
  }
  CHECK_EQ(wrong, 0);
  char reply[32];
  int length = snprintf(reply, sizeof reply, "%u", total);
  CHECK_EQ(write_all(ends[0], reply, (uint32_t)length), length);
  CHECK_EQ(minos_wclose(ends[0]), 0);
  printf("sink got %u bytes\n", total);
  api_exit("net sink");
}

static int source(int port, uint32_t size) {
  int32_t ends[2];
  connect_retrying(port, ends);
  static unsigned char chunk[100000];
  for (uint32_t sent = 0; sent < size;) {
    uint32_t length = size - sent < sizeof chunk ? size - sent : sizeof chunk;
    for (uint32_t i = 0; i < length; i++) chunk[i] = pattern(sent + i);
    int32_t wrote = write_all(ends[0], chunk, length);
    CHECK_EQ(wrote, length);
    if (wrote < 0) break;
    sent += length;
  }
  CHECK_EQ(minos_wclose(ends[0]), 0);
  char reply[32] = "";
  int32_t got = read_all(ends[1], reply, sizeof reply - 1);
  CHECK_EQ(got > 0, 1);
  CHECK_EQ(strtoul(reply, NULL, 10), size);
  printf("source ok\n");
  api_exit("net source");
}

static int unix_socket(const char *path) {
  char address[128];
  snprintf(address, sizeof address, "unix:%s", path);
  int32_t client[2], server[2], from;
  char buffer[16];
  for (int round = 0; round < 2; round++) {
    int32_t listener = listen_on(address);
    REQUIRE(listener >= 0);
    REQUIRE(connect_to(address, client) == 0);
    REQUIRE(minos_accept(listener, server, MINOS_WAIT_FOREVER) == 0);
    CHECK_EQ(write_all(client[0], "over unix", 9), 9);
    CHECK_EQ(minos_wclose(client[0]), 0);
    CHECK_EQ(read_all(server[1], buffer, sizeof buffer), 9);
    CHECK_EQ(memcmp(buffer, "over unix", 9), 0);
    CHECK_EQ(write_all(server[0], "back", 4), 4);
    CHECK_EQ(minos_wclose(server[0]), 0);
    CHECK_EQ(minos_read(&client[1], 1, buffer, sizeof buffer, &from), 4);
    CHECK_EQ(minos_read(&client[1], 1, buffer, sizeof buffer, &from), 0);
    CHECK_EQ(close(client[1]), 0);
    CHECK_EQ(close(server[1]), 0);
    CHECK_EQ(close(listener), 0);
    CHECK_ERR(connect_to(address, client), MINOS_ECLOSED); /* the file is gone */
  }
  api_exit("net unix");
}

int main(int argc, char **argv) {
  const char *command = argc > 1 ? argv[1] : "";
  int port = argc > 2 ? atoi(argv[2]) : 0;
  if (strcmp(command, "errors") == 0 && port) return errors(port);
  if (strcmp(command, "serve") == 0 && argc > 3) return serve(port, atoi(argv[3]));
  if (strcmp(command, "client") == 0 && port) return client(port);
  if (strcmp(command, "sink") == 0 && port) return sink(port);
  if (strcmp(command, "source") == 0 && argc > 3) return source(port, (uint32_t)atol(argv[3]));
  if (strcmp(command, "unix") == 0 && argc > 2) return unix_socket(argv[2]);
  if (strcmp(command, "listen-exit") == 0 && port) return listen_on(tcp(port)) >= 0 ? 0 : 1;
  if (strcmp(command, "cycles") == 0 && argc > 3) {
    int32_t listener = listen_on(tcp(port));
    if (listener < 0) return listener == -MINOS_EIO ? EXIT_PORT_IN_USE : 1;
    return run_cycles(listener, port, atoi(argv[3])) == 0 ? 0 : 1;
  }
  fprintf(stderr, "usage: net errors|serve|client|sink|source|listen-exit|cycles PORT [N]\n"
                  "       net unix PATH\n");
  return 2;
}
