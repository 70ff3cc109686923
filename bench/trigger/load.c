/* SPDX-License-Identifier: Apache-2.0 */
// trigger_load: the load generator of bench/trigger.
//
//   trigger_load PORT CONCURRENCY SECONDS
//     Keeps CONCURRENCY connections to 127.0.0.1:PORT in flight for about
//     SECONDS (after a short warm-up that is not counted). Each one:
//     connect, write a 32-byte line, shutdown(SHUT_WR), read the echo to
//     the end of the stream, check it, close; then the slot starts the
//     next. Prints one line:
//       connections=<n> ns=<elapsed> p50_ns=<x> p99_ns=<y> errors=<e>
//         connect=<a> io=<b> mismatch=<c> timeout=<d> total=<t>   (one line)
//     latency being connect to end of stream, n and the percentiles
//     counting the measured connections only, t all that succeeded (for
//     the server's CPU time per connection). The first error of each kind
//     is also described on stderr. Exits 0 even with errors: the runner
//     reports them.
//   trigger_load --free-port
//     Prints a loopback port that was free a moment ago.
//   trigger_load --wait PORT SECONDS
//     Exits 0 once 127.0.0.1:PORT accepts a connection, 1 if it did not
//     within SECONDS.
//
// One thread and one epoll set: a client has little to do per connection,
// and one thread leaves the other core to the server. Every connection has
// a deadline, so a server that hangs one costs a timeout, not the run.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/tsc.h"

#define LINE "trigger bench: hello, echo me!!\n" /* 32 bytes with its newline */
#define LINE_LENGTH (sizeof LINE - 1)
#define WARM_UP_NS 200000000LL       /* connections that start earlier are not counted */
#define TIMEOUT_NS 2000000000LL      /* a connection taking longer counts as an error */
#define DRAIN_NS TIMEOUT_NS          /* after SECONDS, how long in-flight ones may finish */

enum error_kind { ERROR_CONNECT, ERROR_IO, ERROR_MISMATCH, ERROR_TIMEOUT, ERROR_KINDS };
static const char *const error_names[ERROR_KINDS] = {"connect", "io", "mismatch", "timeout"};

typedef struct slot {
  int fd;             /* -1: idle */
  bool sent;          /* the line is written and the sending side shut */
  int64_t started_ns;
  size_t received;
  char reply[64];
} slot;

static struct sockaddr_in server;
static int epoll_fd;
static uint64_t errors[ERROR_KINDS];
static int64_t *latencies;
static size_t latency_count, latency_capacity;
static uint64_t completed; /* every good connection, warm-up and drain included */

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

static void count_error(enum error_kind kind, const char *what, int code) {
  if (errors[kind]++ == 0)
    fprintf(stderr, "trigger_load: first %s error: %s%s%s\n", error_names[kind], what,
            code ? ": " : "", code ? strerror(code) : "");
}

static void record(int64_t latency_ns) {
  if (latency_count == latency_capacity) {
    latency_capacity = latency_capacity ? latency_capacity * 2 : 1 << 16;
    latencies = realloc(latencies, latency_capacity * sizeof *latencies);
    if (!latencies) {
      fprintf(stderr, "trigger_load: out of memory\n");
      exit(1);
    }
  }
  latencies[latency_count++] = latency_ns;
}

static void finish(slot *s) {
  close(s->fd); /* also takes it out of the epoll set */
  s->fd = -1;
}

static void start(slot *s, int64_t now) {
  s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) {
    count_error(ERROR_CONNECT, "socket", errno);
    return;
  }
  s->sent = false;
  s->received = 0;
  s->started_ns = now;
  if (connect(s->fd, (struct sockaddr *)&server, sizeof server) != 0 && errno != EINPROGRESS) {
    count_error(ERROR_CONNECT, "connect", errno);
    finish(s);
    return;
  }
  // Edge-triggered, registered once: writable means connected (or
  // failed), then readable means the echo. No epoll_ctl per step keeps the
  // generator's own cost per connection low.
  struct epoll_event event = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = s};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s->fd, &event) != 0) {
    count_error(ERROR_CONNECT, "epoll_ctl", errno);
    finish(s);
  }
}

static void send_line(slot *s) {
  // 32 bytes always fit in a fresh socket's buffer: one write or an error
  // (a failed connect shows here: ECONNREFUSED, ENOTCONN...).
  ssize_t wrote = write(s->fd, LINE, LINE_LENGTH);
  if (wrote != (ssize_t)LINE_LENGTH) {
    int code = wrote < 0 ? errno : EIO;
    count_error(code == EPIPE || code == EIO ? ERROR_IO : ERROR_CONNECT, "write", code);
    finish(s);
    return;
  }
  if (shutdown(s->fd, SHUT_WR) != 0) {
    count_error(ERROR_IO, "shutdown", errno);
    finish(s);
    return;
  }
  s->sent = true;
}

/* Reads what is there; at the end of the stream, checks and records. */
static void receive(slot *s, int64_t counted_from) {
  for (;;) {
    char buffer[64];
    ssize_t got = read(s->fd, buffer, sizeof buffer);
    if (got < 0 && errno == EAGAIN) return;
    if (got < 0) {
      count_error(ERROR_IO, "read", errno);
      finish(s);
      return;
    }
    if (got == 0) break;
    if (s->received + (size_t)got > sizeof s->reply) {
      count_error(ERROR_MISMATCH, "reply longer than the line sent", 0);
      finish(s);
      return;
    }
    memcpy(s->reply + s->received, buffer, (size_t)got);
    s->received += (size_t)got;
  }
  int64_t now = bench_now_ns();
  if (s->received != LINE_LENGTH || memcmp(s->reply, LINE, LINE_LENGTH) != 0) {
    count_error(ERROR_MISMATCH, "reply differs from the line sent", 0);
  } else {
    completed++;
    if (s->started_ns >= counted_from) record(now - s->started_ns);
  }
  finish(s);
}

static int compare(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int64_t percentile(double fraction) {
  if (latency_count == 0) return 0;
  size_t index = (size_t)(fraction * (double)(latency_count - 1) + 0.5);
  return latencies[index];
}

static int run_load(int port, int concurrency, double seconds) {
  server = loopback(port);
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  slot *slots = calloc((size_t)concurrency, sizeof *slots);
  struct epoll_event *events = calloc((size_t)concurrency, sizeof *events);
  if (epoll_fd < 0 || !slots || !events) {
    fprintf(stderr, "trigger_load: cannot set up\n");
    return 1;
  }
  int64_t begin = bench_now_ns();
  int64_t counted_from = begin + WARM_UP_NS;
  int64_t stop_starting = counted_from + (int64_t)(seconds * 1e9);
  int64_t give_up = stop_starting + DRAIN_NS;
  int64_t last_end = counted_from;
  for (int i = 0; i < concurrency; i++) start(&slots[i], begin);
  for (;;) {
    int64_t now = bench_now_ns();
    bool starting = now < stop_starting;
    int live = 0;
    for (int i = 0; i < concurrency; i++) {
      slot *s = &slots[i];
      if (s->fd >= 0 && now - s->started_ns > TIMEOUT_NS) {
        char what[80];
        snprintf(what, sizeof what, "%s after %.0f s (%zu of %zu bytes back)",
                 s->sent ? "no end of stream" : "no connection", TIMEOUT_NS / 1e9, s->received,
                 LINE_LENGTH);
        count_error(ERROR_TIMEOUT, what, 0);
        finish(s);
      }
      if (s->fd < 0 && starting) start(s, now);
      live += s->fd >= 0;
    }
    if (live == 0 || now > give_up) break;
    int ready = epoll_wait(epoll_fd, events, concurrency, 100);
    for (int i = 0; i < ready; i++) {
      slot *s = events[i].data.ptr;
      if (s->fd >= 0 && !s->sent) send_line(s);
      // The reply may already be there with the writable edge: read until
      // EAGAIN either way, as edge triggering requires.
      if (s->fd >= 0 && s->sent) {
        receive(s, counted_from);
        if (s->fd < 0 && s->started_ns >= counted_from) last_end = bench_now_ns();
      }
    }
    // Refill the slots that finished in this round now, not after the
    // next wait.
    if (starting) {
      now = bench_now_ns();
      for (int i = 0; i < concurrency; i++)
        if (slots[i].fd < 0) start(&slots[i], now);
    }
  }
  for (int i = 0; i < concurrency; i++)
    if (slots[i].fd >= 0) {
      count_error(ERROR_TIMEOUT, "still open at the end", 0);
      finish(&slots[i]);
    }
  qsort(latencies, latency_count, sizeof *latencies, compare);
  uint64_t total_errors = 0;
  for (int k = 0; k < ERROR_KINDS; k++) total_errors += errors[k];
  printf("connections=%zu ns=%lld p50_ns=%lld p99_ns=%lld errors=%llu", latency_count,
         (long long)(last_end - counted_from), (long long)percentile(0.50),
         (long long)percentile(0.99), (unsigned long long)total_errors);
  for (int k = 0; k < ERROR_KINDS; k++)
    printf(" %s=%llu", error_names[k], (unsigned long long)errors[k]);
  printf(" total=%llu\n", (unsigned long long)completed);
  return 0;
}

static int free_port(void) {
  struct sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0 ||
      getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
    perror("trigger_load: free port");
    return 1;
  }
  printf("%u\n", ntohs(address.sin_port));
  close(fd);
  return 0;
}

static int wait_for(int port, double seconds) {
  struct sockaddr_in address = loopback(port);
  int64_t deadline = bench_now_ns() + (int64_t)(seconds * 1e9);
  do {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&address, sizeof address);
    if (fd >= 0) close(fd);
    if (rc == 0) return 0;
    usleep(10000);
  } while (bench_now_ns() < deadline);
  fprintf(stderr, "trigger_load: nothing accepts on port %d after %g s\n", port, seconds);
  return 1;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--free-port") == 0) return free_port();
  if (argc == 4 && strcmp(argv[1], "--wait") == 0) return wait_for(atoi(argv[2]), atof(argv[3]));
  if (argc == 4) return run_load(atoi(argv[1]), atoi(argv[2]), atof(argv[3]));
  fprintf(stderr,
          "usage: trigger_load PORT CONCURRENCY SECONDS\n"
          "       trigger_load --free-port\n"
          "       trigger_load --wait PORT SECONDS\n");
  return 2;
}
