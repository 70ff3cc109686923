/* SPDX-License-Identifier: Apache-2.0 */
/* A service manager's notify socket, for tests of minos up under systemd:
 * binds a datagram socket at PATH and prints every message it gets (one
 * line per assignment), for SECONDS. A PATH starting with '@' is a name
 * in the abstract namespace, as systemd's NOTIFY_SOCKET may say.
 *   notify_listener PATH SECONDS */
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: notify_listener PATH SECONDS\n");
    return 2;
  }
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  snprintf(address.sun_path, sizeof address.sun_path, "%s", argv[1]);
  socklen_t size = sizeof address;
  if (argv[1][0] == '@') { /* abstract: a NUL first, and no more than the name */
    address.sun_path[0] = '\0';
    size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(argv[1]));
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&address, size) != 0) {
    perror("notify_listener");
    return 1;
  }
  time_t until = time(NULL) + atoi(argv[2]);
  char message[4096];
  while (time(NULL) < until) {
    struct pollfd readable = {.fd = fd, .events = POLLIN};
    if (poll(&readable, 1, 200) != 1) continue;
    ssize_t got = recv(fd, message, sizeof message - 1, 0);
    if (got <= 0) continue;
    message[got] = '\0';
    printf("%s\n", message);
    fflush(stdout);
  }
  return 0;
}
