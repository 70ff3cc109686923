/* SPDX-License-Identifier: Apache-2.0 */
/* libminos-guest.a: the guest API (include/minos.h) for native programs.
 *
 * In a native cell, a descriptor is a real one: a channel end is a pipe's
 * side, a connection a socket. pipe, write, read, wclose and rclose are
 * therefore the process's own; cnew, wpass, rpass, cstart, ckill and cwait
 * are asked of the runtime over the control socket a cell that may create
 * cells is given (src/native/control_protocol.h), with the same semantics
 * and errors as in a wasm cell. A pass moves the end: the caller's
 * descriptor is closed once the child has it. Writes to a pipe whose
 * reader is gone fail with MINOS_ECLOSED, not a signal: the library
 * ignores SIGPIPE at its first write. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fd_message.h"
#include "native/control_protocol.h"

/* ---- errors ---------------------------------------------------------- */

static int32_t failure(minos_status status) { return -(int32_t)status; }

static int32_t from_errno(int error) {
  switch (error) {
  case EBADF: return failure(MINOS_EBADF);
  case EPIPE: case ECONNRESET: return failure(error == EPIPE ? MINOS_ECLOSED : MINOS_ERESET);
  case EAGAIN: return failure(MINOS_EAGAIN);
  case EPERM: case EACCES: return failure(MINOS_EPERM);
  case EINVAL: return failure(MINOS_EINVAL);
  case EFAULT: return failure(MINOS_EFAULT);
  case ENOMEM: case ENOBUFS: return failure(MINOS_ENOMEM);
  case EMFILE: case ENFILE: return failure(MINOS_ELIMIT);
  case ECONNREFUSED: case ENETUNREACH: case EHOSTUNREACH: case ETIMEDOUT:
    return failure(MINOS_ECLOSED);
  default: return failure(MINOS_EIO);
  }
}

/* ---- channels: the process's own pipes ------------------------------- */

static pthread_once_t sigpipe_once = PTHREAD_ONCE_INIT;
static void ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

int32_t minos_pipe(uint32_t capacity, int32_t ends[2]) {
  if (capacity > MINOS_CHANNEL_MAX_CAPACITY) return failure(MINOS_EINVAL);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return from_errno(errno);
  if (capacity) fcntl(fds[1], F_SETPIPE_SZ, (int)capacity); /* a hint: the kernel rounds it */
  ends[0] = fds[1];
  ends[1] = fds[0];
  return 0;
}

int32_t minos_write(int32_t wfd, const void *data, uint32_t length) {
  if (length == 0) return failure(MINOS_EINVAL);
  pthread_once(&sigpipe_once, ignore_sigpipe);
  ssize_t written;
  do written = write(wfd, data, length);
  while (written < 0 && errno == EINTR);
  return written < 0 ? from_errno(errno) : (int32_t)written;
}

/* Fair among the ends: the scan starts one further each time. */
static _Atomic uint32_t rotation;

static int poll_timeout(int64_t timeout_ns) {
  if (timeout_ns < 0) return -1;
  int64_t ms = (timeout_ns + 999999) / 1000000;
  return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

int32_t minos_read_timeout(const int32_t *rfds, uint32_t count, void *buffer, uint32_t size,
                           int32_t *from, int64_t timeout_ns) {
  if (count == 0 || count > 64 || size == 0) return failure(MINOS_EINVAL);
  struct pollfd waiting[64];
  for (uint32_t i = 0; i < count; i++) waiting[i] = (struct pollfd){.fd = rfds[i], .events = POLLIN};
  int ready;
  do ready = poll(waiting, count, poll_timeout(timeout_ns));
  while (ready < 0 && errno == EINTR);
  if (ready < 0) return from_errno(errno);
  if (ready == 0) return failure(timeout_ns == 0 ? MINOS_EAGAIN : MINOS_ETIMEDOUT);
  uint32_t start = rotation++ % count;
  for (uint32_t step = 0; step < count; step++) {
    uint32_t index = (start + step) % count;
    if (waiting[index].revents & POLLNVAL) return failure(MINOS_EBADF);
    if (!waiting[index].revents) continue;
    *from = rfds[index];
    ssize_t got;
    do got = read(rfds[index], buffer, size);
    while (got < 0 && errno == EINTR);
    return got < 0 ? from_errno(errno) : (int32_t)got;
  }
  return failure(MINOS_EAGAIN);
}

int32_t minos_wclose(int32_t wfd) { return close(wfd) == 0 ? 0 : from_errno(errno); }
int32_t minos_rclose(int32_t rfd) { return close(rfd) == 0 ? 0 : from_errno(errno); }

/* ---- cells: asked of the runtime ------------------------------------- */

static pthread_mutex_t control_lock = PTHREAD_MUTEX_INITIALIZER;

/* The control socket, or -1: a cell without the spawn grant has none. */
static int control_socket(void) {
  const char *text = getenv(MINOS_CONTROL_VARIABLE);
  char *end;
  long fd = text ? strtol(text, &end, 10) : -1;
  return text && *text && *end == '\0' && fd >= 3 && fd < 65536 ? (int)fd : -1;
}

static int32_t send_request(int control, const control_request *request, int fd) {
  ssize_t sent = fd_message_send(control, request, sizeof *request, fd, 0);
  return sent == (ssize_t)sizeof *request ? 0 : failure(MINOS_EIO);
}

/* One request and its reply (requests of several threads take turns). */
static int32_t ask(control_operation operation, int32_t cid, const minos_arch_spec *spec, int fd,
                   control_reply *reply) {
  int control = control_socket();
  if (control < 0) return failure(MINOS_EPERM); /* not granted: no socket */
  control_request request = {.operation = operation, .cid = cid};
  if (spec) request.spec = *spec;
  pthread_mutex_lock(&control_lock);
  int32_t result = send_request(control, &request, fd);
  ssize_t got = -1;
  if (result == 0) {
    do got = recv(control, reply, sizeof *reply, 0);
    while (got < 0 && errno == EINTR);
  }
  pthread_mutex_unlock(&control_lock);
  if (result != 0) return result;
  return got == (ssize_t)sizeof *reply ? reply->result : failure(MINOS_EIO);
}

int32_t minos_cnew(int32_t code_rfd, const minos_arch_spec *spec, uint32_t spec_size) {
  if (!spec || spec_size < 8 || spec_size > sizeof *spec || spec->size != spec_size)
    return failure(MINOS_EINVAL);
  minos_arch_spec copy = {0};
  memcpy(&copy, spec, spec_size);
  control_reply reply;
  int32_t cid = ask(CONTROL_CNEW, 0, &copy, code_rfd, &reply);
  if (cid >= 0) close(code_rfd); /* consumed, as in a wasm cell */
  return cid;
}

static int32_t pass(control_operation operation, int32_t fd, int32_t cid) {
  control_reply reply;
  int32_t number = ask(operation, cid, NULL, fd, &reply);
  if (number >= 0) close(fd); /* the child has it now */
  return number;
}

int32_t minos_wpass(int32_t wfd, int32_t cid) { return pass(CONTROL_WPASS, wfd, cid); }
int32_t minos_rpass(int32_t rfd, int32_t cid) { return pass(CONTROL_RPASS, rfd, cid); }

int32_t minos_cstart(int32_t cid) {
  control_reply reply;
  return ask(CONTROL_CSTART, cid, NULL, -1, &reply);
}

int32_t minos_ckill(int32_t cid) {
  control_reply reply;
  return ask(CONTROL_CKILL, cid, NULL, -1, &reply);
}

int32_t minos_cwait(int32_t cid, minos_cell_status *status) {
  control_reply reply;
  int32_t result = ask(CONTROL_CWAIT, cid, NULL, -1, &reply);
  if (result == 0 && status) *status = reply.status;
  return result;
}

/* ---- network: sockets, which the runtime makes (its grants) ----------- */

/* "tcp:HOST:PORT", HOST an IPv4 address, [IPv6] or localhost. */
static int32_t parse_address(const char *text, uint32_t length, struct sockaddr_storage *out,
                             socklen_t *size) {
  char copy[256];
  if (length < 5 || length >= sizeof copy || memcmp(text, "tcp:", 4) != 0)
    return failure(MINOS_EINVAL);
  memcpy(copy, text + 4, length - 4);
  copy[length - 4] = '\0';
  char *colon = strrchr(copy, ':');
  char *end;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  if (!colon || *end || port < 0 || port > 65535) return failure(MINOS_EINVAL);
  *colon = '\0';
  char *host = copy;
  if (host[0] == '[' && colon[-1] == ']') {
    colon[-1] = '\0';
    host++;
  }
  if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
  memset(out, 0, sizeof *out);
  struct sockaddr_in *v4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    *size = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    *size = sizeof *v6;
  } else {
    return failure(MINOS_EINVAL);
  }
  return 0;
}

/* A connection's two ends: ends[0] writes to the peer, ends[1] reads. */
static int32_t connection_ends(int fd, int32_t ends[2]) {
  int writer = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (writer < 0) {
    int32_t result = from_errno(errno);
    close(fd);
    return result;
  }
  ends[0] = writer;
  ends[1] = fd;
  return 0;
}

int32_t minos_connect(const char *address, uint32_t length, int32_t ends[2]) {
  struct sockaddr_storage peer;
  socklen_t size;
  int32_t result = parse_address(address, length, &peer, &size);
  if (result != 0) return result;
  int fd = socket(peer.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return from_errno(errno);
  if (connect(fd, (struct sockaddr *)&peer, size) != 0) {
    result = from_errno(errno);
    close(fd);
    return result;
  }
  return connection_ends(fd, ends);
}

int32_t minos_listen(const char *address, uint32_t length) {
  struct sockaddr_storage local;
  socklen_t size;
  int32_t result = parse_address(address, length, &local, &size);
  if (result != 0) return result;
  int fd = socket(local.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
  if (fd < 0) return from_errno(errno);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(fd, (struct sockaddr *)&local, size) != 0 || listen(fd, 128) != 0) {
    result = errno == EADDRINUSE ? failure(MINOS_EIO) : from_errno(errno);
    close(fd);
    return result;
  }
  return fd;
}

int32_t minos_accept(int32_t listener, int32_t ends[2], int64_t timeout_ns) {
  struct pollfd waiting = {.fd = listener, .events = POLLIN};
  int ready;
  do ready = poll(&waiting, 1, poll_timeout(timeout_ns));
  while (ready < 0 && errno == EINTR);
  if (ready < 0 || (waiting.revents & POLLNVAL)) return failure(MINOS_EBADF);
  if (ready == 0) return failure(timeout_ns == 0 ? MINOS_EAGAIN : MINOS_ETIMEDOUT);
  int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) return errno == ENOTSOCK || errno == EINVAL ? failure(MINOS_EBADF) : from_errno(errno);
  return connection_ends(fd, ends);
}
