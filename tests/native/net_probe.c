/* SPDX-License-Identifier: Apache-2.0 */
/* Probes a native cell's network from inside: every connection and
 * listening socket is the runtime's to make (src/native/broker.h).
 *   net_probe connect ADDRESS PORT WORD   connects (blocking), sends WORD
 *                                         and a newline, prints "reply: "
 *                                         and the line that comes back, or
 *                                         "connect: ERROR"
 *   net_probe nonblocking ADDRESS PORT WORD   the same with a non-blocking
 *                                         connect (EINPROGRESS, then poll)
 *   net_probe race ADDRESS GOOD BAD N     connects N times while another
 *                                         thread flips the port in the very
 *                                         address being connected between
 *                                         GOOD and BAD: "race: C connected
 *                                         to GOOD, R refused, O other"
 *   net_probe serve ADDRESS PORT          binds, listens, prints "listening",
 *                                         serves "served\n" to one client, or
 *                                         "bind: ERROR"
 *   net_probe udp ADDRESS PORT            "udp: ERROR" for a UDP connect
 *   net_probe unix PATH                   "unix: ERROR" for a Unix connect
 * ADDRESS is IPv4 or IPv6 (::ffff:127.0.0.1 included). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t address_of(const char *text, int port, struct sockaddr_storage *out) {
  memset(out, 0, sizeof *out);
  struct sockaddr_in *v4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    return sizeof *v4;
  }
  if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    return sizeof *v6;
  }
  fprintf(stderr, "net_probe: not an address: %s\n", text);
  exit(64);
}

static void talk(int fd, const char *word) {
  char line[256];
  snprintf(line, sizeof line, "%s\n", word);
  if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
    printf("write: %s\n", strerror(errno));
    return;
  }
  size_t used = 0;
  ssize_t got;
  while (used + 1 < sizeof line && (got = read(fd, line + used, 1)) == 1 && line[used] != '\n')
    used++;
  line[used] = '\0';
  printf("reply: %s\n", line);
}

static int connect_to(const char *text, int port, bool nonblocking) {
  struct sockaddr_storage address;
  socklen_t length = address_of(text, port, &address);
  int fd = socket(address.ss_family, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&address, length) == 0) return fd;
  if (!nonblocking || errno != EINPROGRESS) {
    int error = errno;
    close(fd);
    errno = error;
    return -1;
  }
  struct pollfd waiting = {.fd = fd, .events = POLLOUT};
  int error = 0;
  socklen_t size = sizeof error;
  if (poll(&waiting, 1, 10000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 ||
      error) {
    close(fd);
    errno = error ? error : ETIMEDOUT;
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

static struct sockaddr_storage raced;
static atomic_bool racing = true;
static int good_port, bad_port;

static void *flip(void *unused) {
  (void)unused;
  volatile uint16_t *port = raced.ss_family == AF_INET
                                ? &((struct sockaddr_in *)&raced)->sin_port
                                : &((struct sockaddr_in6 *)&raced)->sin6_port;
  while (atomic_load_explicit(&racing, memory_order_relaxed)) {
    *port = htons((uint16_t)good_port);
    *port = htons((uint16_t)bad_port);
  }
  return NULL;
}

static void race(const char *text, int count) {
  socklen_t length = address_of(text, good_port, &raced);
  pthread_t flipper;
  pthread_create(&flipper, NULL, flip, NULL);
  int connected = 0, refused = 0, other = 0;
  for (int i = 0; i < count; i++) {
    int fd = socket(raced.ss_family, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&raced, length) == 0) {
      struct sockaddr_storage peer;
      socklen_t size = sizeof peer;
      getpeername(fd, (struct sockaddr *)&peer, &size);
      int port = ntohs(peer.ss_family == AF_INET ? ((struct sockaddr_in *)&peer)->sin_port
                                                 : ((struct sockaddr_in6 *)&peer)->sin6_port);
      if (port == good_port) connected++;
      else other++;
    } else if (errno == EPERM) {
      refused++;
    } else {
      other++;
      printf("race: connect: %s\n", strerror(errno));
    }
    close(fd);
  }
  atomic_store(&racing, false);
  pthread_join(flipper, NULL);
  printf("race: %d connected to %d, %d refused, %d other\n", connected, good_port, refused, other);
}

static void serve(const char *text, int port) {
  struct sockaddr_storage address;
  socklen_t length = address_of(text, port, &address);
  int fd = socket(address.ss_family, SOCK_STREAM, 0), on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(fd, (struct sockaddr *)&address, length) != 0) {
    printf("bind: %s\n", strerror(errno));
    return;
  }
  if (listen(fd, 8) != 0) {
    printf("listen: %s\n", strerror(errno));
    return;
  }
  printf("listening\n");
  fflush(stdout);
  int client = accept(fd, NULL, NULL);
  if (client < 0 || write(client, "served\n", 7) != 7) printf("accept: %s\n", strerror(errno));
  else printf("served one\n");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 5 && (strcmp(argv[1], "connect") == 0 || strcmp(argv[1], "nonblocking") == 0)) {
    int fd = connect_to(argv[2], atoi(argv[3]), argv[1][0] == 'n');
    if (fd < 0) printf("connect: %s\n", strerror(errno));
    else talk(fd, argv[4]);
  } else if (argc == 6 && strcmp(argv[1], "race") == 0) {
    good_port = atoi(argv[3]);
    bad_port = atoi(argv[4]);
    race(argv[2], atoi(argv[5]));
  } else if (argc == 4 && strcmp(argv[1], "serve") == 0) {
    serve(argv[2], atoi(argv[3]));
  } else if (argc == 4 && strcmp(argv[1], "udp") == 0) {
    struct sockaddr_storage address;
    socklen_t length = address_of(argv[2], atoi(argv[3]), &address);
    int fd = socket(address.ss_family, SOCK_DGRAM, 0);
    if (connect(fd, (struct sockaddr *)&address, length) == 0) printf("udp: connected\n");
    else printf("udp: %s\n", strerror(errno));
  } else if (argc == 3 && strcmp(argv[1], "unix") == 0) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s", argv[2]);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) printf("unix: connected\n");
    else printf("unix: %s\n", strerror(errno));
  } else {
    return 64;
  }
  return 0;
}
