/* SPDX-License-Identifier: Apache-2.0 */
/* A raw client of a system's control socket, for tests that must send
 * what minos's own commands never would.
 *
 *   control_client SOCKET
 *       prints the greeting, then for each line of stdin sends it and
 *       prints the reply line; "<closed>" if the system closed the
 *       connection instead.
 *   control_client SOCKET --long BYTES
 *       sends one line of BYTES bytes; prints the reply and "<closed>" if
 *       the connection was then closed.
 *   control_client SOCKET --flood COUNT
 *       sends COUNT list requests and reads nothing for 3 s, then says
 *       whether the system dropped the connection ("dropped" or "kept").
 *   control_client SOCKET --stream SECONDS REQUEST
 *       sends REQUEST and prints every line that comes for SECONDS.
 *   control_client SOCKET --silent SECONDS
 *       connects, sends and reads nothing, for SECONDS.
 *   control_client SOCKET --stall SECONDS REQUEST
 *       sends REQUEST (subscribe, say) and reads nothing for SECONDS.
 *   control_client SOCKET --raw
 *       sends stdin as it is (NUL bytes, no last newline...), then ends its
 *       output (shutdown), and prints every line that comes, then
 *       "<closed>" if the system closed the connection.
 *   control_client SOCKET --partial
 *       sends half a request line and nothing more; prints what comes
 *       within 15 s, then "<closed>" or "<open>".
 *   control_client SOCKET --hold COUNT SECONDS
 *       opens COUNT connections, each sending half a request line, holds
 *       them SECONDS, then prints how many the system closed with an
 *       error line ("closed N"). */
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void on_alarm(int number) {
  (void)number;
  _exit(0); /* --stream's time is up: every line printed was flushed */
}

static int connect_to(const char *path) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  snprintf(address.sun_path, sizeof address.sun_path, "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    printf("connect: %s\n", strerror(errno));
    exit(1);
  }
  return fd;
}

/* One line from fd into line (without its newline): false at EOF or after
 * timeout_ms of silence. */
static bool read_line_within(int fd, char *line, size_t size, int timeout_ms) {
  size_t length = 0;
  for (;;) {
    struct pollfd readable = {.fd = fd, .events = POLLIN};
    char byte;
    if (poll(&readable, 1, timeout_ms) != 1 || recv(fd, &byte, 1, 0) != 1) return false;
    if (byte == '\n') break;
    if (length + 1 < size) line[length++] = byte;
  }
  line[length] = '\0';
  return true;
}

static bool read_line(int fd, char *line, size_t size) {
  return read_line_within(fd, line, size, 5000);
}

static void send_all(int fd, const char *bytes, size_t length) {
  while (length) {
    ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL);
    if (sent <= 0) return;
    bytes += sent;
    length -= (size_t)sent;
  }
}

static bool closed_soon(int fd) {
  char buffer[4096];
  for (;;) {
    struct pollfd readable = {.fd = fd, .events = POLLIN};
    if (poll(&readable, 1, 3000) != 1) return false;
    ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return true;
  }
}

/* Whether the peer has closed fd (now, without waiting). */
static bool closed_now(int fd) {
  char byte;
  ssize_t got = recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
  return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static int hold(const char *path, int count, int seconds) {
  int *fds = calloc((size_t)count, sizeof *fds);
  static char line[65536];
  for (int i = 0; i < count; i++) {
    fds[i] = connect_to(path);
    send_all(fds[i], "{\"request\":", 11);
  }
  sleep((unsigned)seconds);
  int closed = 0;
  for (int i = 0; i < count; i++) {
    /* the greeting, then the timeout's error line, then the end */
    bool said = read_line_within(fds[i], line, sizeof line, 100) &&
                read_line_within(fds[i], line, sizeof line, 100) &&
                strstr(line, "\"error\":\"request not finished in time");
    closed += said && closed_soon(fds[i]);
    close(fds[i]);
  }
  printf("closed %d\n", closed);
  free(fds);
  return 0;
}

static int send_raw(int fd) {
  static char input[1 << 20], line[1 << 20];
  size_t length = fread(input, 1, sizeof input, stdin);
  send_all(fd, input, length);
  shutdown(fd, SHUT_WR);
  while (read_line(fd, line, sizeof line)) printf("%s\n", line);
  printf("%s\n", closed_now(fd) ? "<closed>" : "<open>");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: control_client SOCKET [--long BYTES | --flood COUNT]\n");
    return 2;
  }
  static char line[1 << 20];
  if (argc == 5 && strcmp(argv[2], "--hold") == 0) return hold(argv[1], atoi(argv[3]), atoi(argv[4]));
  int fd = connect_to(argv[1]);
  if (argc == 4 && strcmp(argv[2], "--silent") == 0) {
    sleep((unsigned)atoi(argv[3]));
    return 0;
  }
  if (!read_line(fd, line, sizeof line)) {
    printf("<closed>\n");
    return 0;
  }
  printf("%s\n", line);
  if (argc == 3 && strcmp(argv[2], "--raw") == 0) return send_raw(fd);
  if (argc == 5 && strcmp(argv[2], "--stall") == 0) {
    int small = 4096; /* the kernel holds little for it: the system holds the rest */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    send_all(fd, argv[4], strlen(argv[4]));
    send_all(fd, "\n", 1);
    sleep((unsigned)atoi(argv[3]));
    return 0;
  }
  if (argc == 3 && strcmp(argv[2], "--partial") == 0) {
    send_all(fd, "{\"request\":", 11);
    while (read_line_within(fd, line, sizeof line, 15000)) printf("%s\n", line);
    printf("%s\n", closed_now(fd) ? "<closed>" : "<open>");
    return 0;
  }
  if (argc == 5 && strcmp(argv[2], "--stream") == 0) {
    send_all(fd, argv[4], strlen(argv[4]));
    send_all(fd, "\n", 1);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)atoi(argv[3]));
    while (read_line(fd, line, sizeof line)) {
      printf("%s\n", line);
      fflush(stdout);
    }
    return 0;
  }
  if (argc == 4 && strcmp(argv[2], "--long") == 0) {
    size_t bytes = (size_t)atol(argv[3]);
    char *request = malloc(bytes + 1);
    memset(request, 'x', bytes);
    request[bytes] = '\n';
    send_all(fd, request, bytes + 1);
    free(request);
    if (read_line(fd, line, sizeof line)) printf("%s\n", line);
    printf("%s\n", closed_soon(fd) ? "<closed>" : "<open>");
    return 0;
  }
  if (argc == 4 && strcmp(argv[2], "--flood") == 0) {
    static const char request[] = "{\"request\":\"list\"}\n";
    int count = atoi(argv[3]);
    for (int i = 0; i < count; i++) {
      struct pollfd writable = {.fd = fd, .events = POLLOUT};
      if (poll(&writable, 1, 3000) != 1) break; /* the system stopped reading us */
      if (send(fd, request, sizeof request - 1, MSG_NOSIGNAL) < 0) break;
    }
    sleep(3);
    /* Dropped: the system closed its side (reads end, after what was queued). */
    printf("%s\n", closed_soon(fd) ? "dropped" : "kept");
    return 0;
  }
  while (fgets(line, sizeof line, stdin)) {
    send_all(fd, line, strlen(line));
    if (!read_line(fd, line, sizeof line)) {
      printf("<closed>\n");
      return 0;
    }
    printf("%s\n", line);
  }
  return 0;
}
