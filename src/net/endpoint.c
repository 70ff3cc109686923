/* SPDX-License-Identifier: Apache-2.0 */
#include "net/endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

/* "1".."65535", digits only. */
static bool parse_port(const char *text, uint16_t *port) {
  if (!*text || strlen(text) > 5) return false;
  unsigned long value = 0;
  for (const char *digit = text; *digit; digit++) {
    if (*digit < '0' || *digit > '9') return false;
    value = value * 10 + (unsigned long)(*digit - '0');
  }
  if (value == 0 || value > 65535) return false;
  *port = (uint16_t)value;
  return true;
}

static bool parse_ipv6(const char *host, uint16_t port, net_endpoint *out) {
  struct sockaddr_in6 *address = (struct sockaddr_in6 *)&out->address;
  address->sin6_family = AF_INET6;
  address->sin6_port = htons(port);
  out->length = sizeof *address;
  return inet_pton(AF_INET6, host, &address->sin6_addr) == 1;
}

static bool parse_ipv4(const char *host, uint16_t port, net_endpoint *out) {
  struct sockaddr_in *address = (struct sockaddr_in *)&out->address;
  address->sin_family = AF_INET;
  address->sin_port = htons(port);
  out->length = sizeof *address;
  if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
  return inet_pton(AF_INET, host, &address->sin_addr) == 1;
}

/* "HOST:PORT", HOST being "[v6]", IPv4 or localhost. Edits text. */
static bool parse_internet(char *text, net_endpoint *out) {
  char *colon = strrchr(text, ':');
  uint16_t port;
  if (!colon || !parse_port(colon + 1, &port)) return false;
  *colon = '\0';
  size_t host_length = strlen(text);
  if (text[0] == '[') {
    if (host_length < 3 || text[host_length - 1] != ']') return false;
    text[host_length - 1] = '\0';
    return parse_ipv6(text + 1, port, out);
  }
  return !strchr(text, ':') && parse_ipv4(text, port, out);
}

static bool parse_unix(const char *path, net_endpoint *out) {
  struct sockaddr_un *address = (struct sockaddr_un *)&out->address;
  size_t length = strlen(path);
  if (path[0] != '/' || length >= sizeof address->sun_path) return false;
  address->sun_family = AF_UNIX;
  memcpy(address->sun_path, path, length + 1);
  out->length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + 1);
  return true;
}

bool net_endpoint_parse(const char *text, size_t length, net_endpoint *out) {
  memset(out, 0, sizeof *out);
  if (length == 0 || length >= NET_ENDPOINT_TEXT_MAX || memchr(text, '\0', length)) return false;
  char copy[NET_ENDPOINT_TEXT_MAX];
  memcpy(copy, text, length);
  copy[length] = '\0';
  if (strncmp(copy, "unix:", 5) == 0) {
    out->protocol = NET_UNIX;
    return parse_unix(copy + 5, out);
  }
  if (strncmp(copy, "tcp:", 4) == 0) out->protocol = NET_TCP;
  else if (strncmp(copy, "udp:", 4) == 0) out->protocol = NET_UDP;
  else return false;
  return parse_internet(copy + 4, out);
}

bool net_endpoint_allowed(const net_endpoint *endpoint, const net_rule *rules, size_t count) {
  return net_rules_allow(rules, count, endpoint->protocol,
                         (const struct sockaddr *)&endpoint->address, endpoint->length);
}

/* Failures of socket(), connect() and bind() that are the host's state,
 * not the cell's doing. */
static minos_status status_for_host_errno(int error) {
  switch (error) {
  case EMFILE:
  case ENFILE: return MINOS_ELIMIT;
  case ENOMEM:
  case ENOBUFS: return MINOS_ENOMEM;
  default: return MINOS_EIO;
  }
}

static int open_socket(const net_endpoint *endpoint) {
  return socket(endpoint->address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* A connection still in progress may in fact be decided already: on
 * loopback the kernel answers within connect() itself, so a refusal is
 * reported by the call rather than later. */
static bool failed_already(int fd) {
  struct pollfd watched = {.fd = fd, .events = POLLOUT};
  return poll(&watched, 1, 0) == 1 && (watched.revents & (POLLERR | POLLHUP));
}

static minos_status start_connection(const net_endpoint *endpoint, int *fd_out) {
  int fd = open_socket(endpoint);
  if (fd < 0) return status_for_host_errno(errno);
  int result = connect(fd, (const struct sockaddr *)&endpoint->address, endpoint->length);
  bool going = result == 0 || errno == EINPROGRESS || errno == EINTR;
  if (going && result != 0 && failed_already(fd)) going = false;
  if (!going) {
    int error = errno;
    close(fd);
    bool resources = error == EMFILE || error == ENFILE || error == ENOMEM || error == ENOBUFS;
    return resources ? status_for_host_errno(error) : MINOS_ECLOSED;
  }
  *fd_out = fd;
  return MINOS_OK;
}

minos_status net_connect(reactor *sockets, const net_endpoint *endpoint, channel_end **from_peer,
                         channel_end **to_peer) {
  if (endpoint->protocol == NET_UDP) return MINOS_EINVAL;
  int fd;
  minos_status status = start_connection(endpoint, &fd);
  if (status != MINOS_OK) return status;
  status = reactor_attach_socket(sockets, fd, from_peer, to_peer);
  if (status != MINOS_OK) close(fd);
  return status;
}

minos_status net_listen_socket(const net_endpoint *endpoint, int *fd_out) {
  if (endpoint->protocol == NET_UDP) return MINOS_EINVAL;
  int fd = open_socket(endpoint);
  if (fd < 0) return status_for_host_errno(errno);
  int yes = 1;
  /* So that the next cell can listen where one ended, past TIME_WAIT. */
  if (endpoint->protocol == NET_TCP)
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (bind(fd, (const struct sockaddr *)&endpoint->address, endpoint->length) != 0 ||
      listen(fd, SOMAXCONN) != 0) {
    int error = errno;
    close(fd);
    errno = error;
    return error == EACCES || error == EPERM ? MINOS_EPERM : status_for_host_errno(error);
  }
  *fd_out = fd;
  return MINOS_OK;
}
