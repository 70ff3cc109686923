/* SPDX-License-Identifier: Apache-2.0 */
/* The calls a native cell's filter hands to the runtime: see broker.h. */
#include "native/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* Calls answered per turn of the reactor: a cell whose threads call in a
 * loop must not keep the reactor from everyone else's sockets. */
#define CALLS_PER_TURN 64
/* Blocking connections being made at once, per cell. */
#define MAX_PENDING 64

typedef struct pending_connect pending_connect;

struct call_broker {
  reactor *loop;
  int listener, pidfd;
  reactor_watch *watch;
  const net_rule *connect_rules, *listen_rules;
  size_t connect_rule_count, listen_rule_count;
  struct seccomp_notif *call; /* the reactor thread's buffer, of the kernel's size */
  size_t call_size;
  pthread_mutex_t lock;
  char refused[64];          /* under lock */
  pending_connect *pending;  /* under lock */
  size_t pending_count;
};

/* A blocking connect whose connection is on its way. */
struct pending_connect {
  call_broker *broker;
  uint64_t id;
  int target_fd;
  bool close_on_exec;
  int socket; /* ours, -1 once handed over */
  reactor_watch *watch;
  bool finished; /* under the broker's lock */
  pending_connect *next;
};

/* ---- answers ----------------------------------------------------------- */

static void reply(call_broker *self, uint64_t id, int error, uint32_t flags) {
  struct seccomp_notif_resp answer = {.id = id, .error = -error, .flags = flags};
  ioctl(self->listener, SECCOMP_IOCTL_NOTIF_SEND, &answer);
}

/* Whether the calling thread is still in this call: a pid read before
 * this may since have been reused. */
static bool still_waiting(call_broker *self, uint64_t id) {
  return ioctl(self->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* Puts our socket at the program's descriptor number, in place of what
 * was there: 0 or an errno. */
static int install(call_broker *self, uint64_t id, int socket, int target_fd, bool close_on_exec) {
  struct seccomp_notif_addfd added = {.id = id,
                                      .flags = SECCOMP_ADDFD_FLAG_SETFD,
                                      .srcfd = (uint32_t)socket,
                                      .newfd = (uint32_t)target_fd,
                                      .newfd_flags = close_on_exec ? O_CLOEXEC : 0};
  return ioctl(self->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &added) < 0 ? errno : 0;
}

/* Hands a made socket over and lets the call return 0 (or `error`). */
static void hand_over(call_broker *self, uint64_t id, int socket, int target_fd,
                      bool close_on_exec, bool nonblocking, int error) {
  int flags = fcntl(socket, F_GETFL);
  if (flags >= 0) fcntl(socket, F_SETFL, nonblocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
  int failed = install(self, id, socket, target_fd, close_on_exec);
  if (failed != ENOENT) reply(self, id, failed ? failed : error, 0); /* ENOENT: it is gone */
  close(socket);
}

/* ---- the program's side ------------------------------------------------ */

/* The address the call names, copied once from the program's memory. */
static int read_address(const struct seccomp_notif *call, uint64_t pointer, uint64_t length,
                        struct sockaddr_storage *address) {
  if (length < sizeof(sa_family_t) || length > sizeof *address) return EINVAL;
  *address = (struct sockaddr_storage){0};
  struct iovec ours = {.iov_base = address, .iov_len = (size_t)length};
  struct iovec theirs = {.iov_base = (void *)(uintptr_t)pointer, .iov_len = (size_t)length};
  ssize_t got = process_vm_readv((pid_t)call->pid, &ours, 1, &theirs, 1, 0);
  return got == (ssize_t)length ? 0 : EFAULT;
}

/* A pidfd for the process whose thread `pid` is (pidfd_open takes only a
 * process's first thread before Linux 6.9). */
static int process_pidfd(pid_t pid) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0 || errno != EINVAL) return pidfd;
  char path[64], line[128];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *status = fopen(path, "re");
  int group = -1;
  while (status && group < 0 && fgets(line, sizeof line, status))
    if (sscanf(line, "Tgid: %d", &group) != 1) group = -1;
  if (status) fclose(status);
  return group > 0 ? (int)syscall(SYS_pidfd_open, group, 0) : -1;
}

/* The descriptor's close-on-exec flag, as /proc shows it. */
static bool close_on_exec_of(pid_t pid, int fd) {
  char path[64], line[128];
  snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)pid, fd);
  FILE *info = fopen(path, "re");
  unsigned flags = 0;
  bool found = false;
  while (info && !found && fgets(line, sizeof line, info))
    found = sscanf(line, "flags: %o", &flags) == 1;
  if (info) fclose(info);
  return (flags & O_CLOEXEC) != 0;
}

typedef struct their_socket {
  int fd; /* our duplicate of it */
  int domain, type;
  bool nonblocking, close_on_exec, connected;
} their_socket;

/* Our duplicate of the program's descriptor `fd` and what it is: 0 or
 * an errno for the call. */
static int take_socket(call_broker *self, const struct seccomp_notif *call, int fd,
                       their_socket *out) {
  int pidfd = process_pidfd((pid_t)call->pid);
  if (pidfd < 0) return ESRCH;
  if (!still_waiting(self, call->id)) {
    close(pidfd);
    return ESRCH;
  }
  out->fd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
  close(pidfd);
  if (out->fd < 0) return errno == EBADF ? EBADF : ESRCH;
  socklen_t size = sizeof out->domain;
  int accepting = 0;
  socklen_t accepting_size = sizeof accepting;
  if (getsockopt(out->fd, SOL_SOCKET, SO_DOMAIN, &out->domain, &size) != 0 ||
      getsockopt(out->fd, SOL_SOCKET, SO_TYPE, &out->type, &size) != 0) {
    int error = errno == ENOTSOCK ? ENOTSOCK : EBADF;
    close(out->fd);
    return error;
  }
  getsockopt(out->fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &accepting_size);
  struct sockaddr_storage peer;
  socklen_t peer_size = sizeof peer;
  out->connected = accepting || getpeername(out->fd, (struct sockaddr *)&peer, &peer_size) == 0;
  out->nonblocking = (fcntl(out->fd, F_GETFL) & O_NONBLOCK) != 0;
  out->close_on_exec = close_on_exec_of((pid_t)call->pid, fd);
  return 0;
}

/* The options a program sets before connect or bind carry over to the
 * socket made for it. */
static void copy_options(int from, int to, int domain) {
  static const struct {
    int level, name;
  } options[] = {{SOL_SOCKET, SO_REUSEADDR}, {SOL_SOCKET, SO_REUSEPORT},
                 {SOL_SOCKET, SO_KEEPALIVE}, {IPPROTO_TCP, TCP_NODELAY},
                 {IPPROTO_IPV6, IPV6_V6ONLY}};
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    if (options[i].level == IPPROTO_IPV6 && domain != AF_INET6) continue;
    int value = 0;
    socklen_t size = sizeof value;
    if (getsockopt(from, options[i].level, options[i].name, &value, &size) == 0)
      setsockopt(to, options[i].level, options[i].name, &value, size);
  }
}

/* Whether the runtime makes this socket's connections: TCP over IP. */
static int check_brokered(const their_socket *socket, const struct sockaddr_storage *address) {
  if ((socket->domain != AF_INET && socket->domain != AF_INET6) || socket->type != SOCK_STREAM)
    return EPERM;
  return address->ss_family == socket->domain ? 0 : EAFNOSUPPORT;
}

/* ---- connect ----------------------------------------------------------- */

static void reap_finished(call_broker *self);

static void connection_made(void *context) {
  pending_connect *pending = context;
  call_broker *self = pending->broker;
  int error = 0;
  socklen_t size = sizeof error;
  if (getsockopt(pending->socket, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
  if (error) {
    reply(self, pending->id, error, 0);
    close(pending->socket);
  } else {
    hand_over(self, pending->id, pending->socket, pending->target_fd, pending->close_on_exec,
              false, 0);
  }
  pending->socket = -1;
  pthread_mutex_lock(&self->lock);
  pending->finished = true;
  pthread_mutex_unlock(&self->lock);
}

/* A blocking connect on its way: answered when the reactor sees it made. */
static int wait_for_connection(call_broker *self, uint64_t id, int socket,
                               const their_socket *theirs, int target_fd) {
  pending_connect *pending = calloc(1, sizeof *pending);
  if (!pending) return ENOMEM;
  *pending = (pending_connect){.broker = self, .id = id, .target_fd = target_fd,
                               .close_on_exec = theirs->close_on_exec, .socket = socket};
  pthread_mutex_lock(&self->lock);
  bool room = self->pending_count < MAX_PENDING;
  if (room) {
    pending->next = self->pending;
    self->pending = pending;
    self->pending_count++;
  }
  pthread_mutex_unlock(&self->lock);
  if (!room) {
    free(pending);
    return ENOBUFS;
  }
  if (reactor_watch_writable_once(self->loop, socket, connection_made, pending,
                                  &pending->watch) != MINOS_OK) {
    pthread_mutex_lock(&self->lock);
    pending->finished = true; /* reaped with no watch */
    pthread_mutex_unlock(&self->lock);
    pending->socket = -1;
    return ENOMEM; /* the caller closes the socket */
  }
  return 0;
}

/* connect's and bind's arguments, taken once. */
typedef struct socket_call {
  struct sockaddr_storage address; /* our copy */
  socklen_t length;
  int target_fd;
  their_socket theirs;
} socket_call;

static int read_socket_call(call_broker *self, const struct seccomp_notif *call,
                            socket_call *out) {
  out->target_fd = (int)call->data.args[0];
  out->length = (socklen_t)call->data.args[2];
  int error = read_address(call, call->data.args[1], out->length, &out->address);
  return error ? error : take_socket(self, call, out->target_fd, &out->theirs);
}

/* The socket the runtime makes for the call, if the rules admit its
 * address (*ours): 0 or an errno. Our duplicate of theirs is closed. */
static int socket_for(const socket_call *made, const net_rule *rules, size_t count,
                      int in_use_error, int flags, int *ours) {
  int error = check_brokered(&made->theirs, &made->address);
  if (!error && made->theirs.connected) error = in_use_error;
  if (!error && !net_rules_allow(rules, count, NET_TCP,
                                 (const struct sockaddr *)&made->address, made->length))
    error = EPERM;
  *ours = error ? -1 : socket(made->theirs.domain, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (!error && *ours < 0) error = errno;
  if (!error) copy_options(made->theirs.fd, *ours, made->theirs.domain);
  close(made->theirs.fd);
  return error;
}

static int connect_call(call_broker *self, const struct seccomp_notif *call) {
  socket_call made;
  int ours, error = read_socket_call(self, call, &made);
  if (error || (error = socket_for(&made, self->connect_rules, self->connect_rule_count, EISCONN,
                                   SOCK_NONBLOCK, &ours)))
    return error;
  const their_socket *theirs = &made.theirs;
  if (connect(ours, (const struct sockaddr *)&made.address, made.length) == 0) {
    hand_over(self, call->id, ours, made.target_fd, theirs->close_on_exec, theirs->nonblocking, 0);
    return -1;
  }
  error = errno;
  if (error == EINPROGRESS && theirs->nonblocking) {
    hand_over(self, call->id, ours, made.target_fd, theirs->close_on_exec, true, EINPROGRESS);
    return -1;
  }
  if (error == EINPROGRESS) error = wait_for_connection(self, call->id, ours, theirs, made.target_fd);
  if (error) close(ours);
  return error ? error : -1;
}

/* ---- bind -------------------------------------------------------------- */

/* A TCP bind on a granted address becomes a listening socket of the
 * host's (listening at once: a bound socket that is neither listening
 * nor connected is one the program could connect anywhere). */
static int bind_call(call_broker *self, const struct seccomp_notif *call) {
  socket_call made;
  int ours, error = read_socket_call(self, call, &made);
  if (error) return error;
  if (made.theirs.domain != AF_INET && made.theirs.domain != AF_INET6) {
    /* Its own network's or file system's: nothing of the host's. */
    close(made.theirs.fd);
    reply(self, call->id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
    return -1;
  }
  error = socket_for(&made, self->listen_rules, self->listen_rule_count, EINVAL, 0, &ours);
  if (!error && (bind(ours, (const struct sockaddr *)&made.address, made.length) != 0 ||
                 listen(ours, SOMAXCONN) != 0))
    error = errno;
  if (error) {
    if (ours >= 0) close(ours);
    return error;
  }
  hand_over(self, call->id, ours, made.target_fd, made.theirs.close_on_exec,
            made.theirs.nonblocking, 0);
  return -1;
}

/* ---- refused calls ----------------------------------------------------- */

static void refuse(call_broker *self, const struct seccomp_notif *call) {
  char *name = seccomp_syscall_resolve_num_arch(call->data.arch, call->data.nr);
  pthread_mutex_lock(&self->lock);
  if (!self->refused[0])
    snprintf(self->refused, sizeof self->refused, "%s", name ? name : "unknown");
  pthread_mutex_unlock(&self->lock);
  free(name);
  /* Killing the first process ends its PID namespace: every process of
   * the cell. The call is never answered, so never executed. */
  if (syscall(SYS_pidfd_send_signal, self->pidfd, SIGKILL, NULL, 0) != 0)
    reply(self, call->id, EPERM, 0);
}

/* ---- the loop ---------------------------------------------------------- */

/* PER_LINUX and the query change nothing; any other persona is a trick
 * (no address randomisation, executable data). The argument is a
 * register's copy: nothing the program can change under the answer. */
static bool harmless_personality(const struct seccomp_notif *call) {
  return call->data.args[0] == 0 || call->data.args[0] == 0xffffffffu;
}

static void answer(call_broker *self, const struct seccomp_notif *call) {
  int error;
  if (call->data.arch == AUDIT_ARCH_X86_64 && call->data.nr == __NR_personality &&
      harmless_personality(call))
    return reply(self, call->id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
  if (call->data.arch == AUDIT_ARCH_X86_64 && call->data.nr == __NR_connect)
    error = connect_call(self, call);
  else if (call->data.arch == AUDIT_ARCH_X86_64 && call->data.nr == __NR_bind)
    error = bind_call(self, call);
  else
    return refuse(self, call);
  if (error == ESRCH) return; /* its thread is gone */
  if (error >= 0) reply(self, call->id, error, 0);
}

static bool call_waiting(int listener) {
  struct pollfd waiting = {.fd = listener, .events = POLLIN};
  return poll(&waiting, 1, 0) == 1 && (waiting.revents & POLLIN);
}

static void calls_waiting(void *context) {
  call_broker *self = context;
  reap_finished(self);
  for (int taken = 0; taken < CALLS_PER_TURN; taken++) {
    if (!call_waiting(self->listener)) return;
    memset(self->call, 0, self->call_size);
    if (ioctl(self->listener, SECCOMP_IOCTL_NOTIF_RECV, self->call) != 0) {
      if (errno == ENOENT || errno == EINTR) continue; /* its thread was killed meanwhile */
      return;
    }
    answer(self, self->call);
  }
  reactor_watch_rearm(self->watch); /* more wait: on the next turn */
}

/* Pending connections answered since: their watches go (not from their
 * own callbacks, which marked them). */
static void reap_finished(call_broker *self) {
  pending_connect *done = NULL;
  pthread_mutex_lock(&self->lock);
  for (pending_connect **link = &self->pending; *link;) {
    pending_connect *each = *link;
    if (!each->finished) {
      link = &each->next;
      continue;
    }
    *link = each->next;
    self->pending_count--;
    each->next = done;
    done = each;
  }
  pthread_mutex_unlock(&self->lock);
  while (done) {
    pending_connect *next = done->next;
    if (done->watch) reactor_watch_close(done->watch);
    free(done);
    done = next;
  }
}

minos_status call_broker_start(reactor *loop, const call_broker_config *config,
                               call_broker **out) {
  struct seccomp_notif_sizes sizes;
  call_broker *self = calloc(1, sizeof *self);
  if (!self || syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    free(self);
    close(config->listener);
    return self ? MINOS_EIO : MINOS_ENOMEM;
  }
  *self = (call_broker){.loop = loop, .listener = config->listener, .pidfd = config->pidfd,
                        .connect_rules = config->connect_rules,
                        .connect_rule_count = config->connect_rule_count,
                        .listen_rules = config->listen_rules,
                        .listen_rule_count = config->listen_rule_count};
  self->call_size = sizes.seccomp_notif > sizeof *self->call ? sizes.seccomp_notif
                                                             : sizeof *self->call;
  pthread_mutex_init(&self->lock, NULL);
  minos_status status = MINOS_ENOMEM;
  if ((self->call = calloc(1, self->call_size)))
    status = reactor_watch_readable(loop, self->listener, calls_waiting, self, &self->watch);
  if (status != MINOS_OK) {
    self->watch = NULL;
    call_broker_stop(self);
    return status;
  }
  /* Calls made before the watch began raised no edge. */
  reactor_watch_rearm(self->watch);
  *out = self;
  return MINOS_OK;
}

void call_broker_refused_call(call_broker *self, char *name, size_t size) {
  pthread_mutex_lock(&self->lock);
  snprintf(name, size, "%s", self->refused);
  pthread_mutex_unlock(&self->lock);
}

void call_broker_stop(call_broker *self) {
  if (self->watch) reactor_watch_close(self->watch);
  pthread_mutex_lock(&self->lock);
  pending_connect *pending = self->pending;
  self->pending = NULL;
  pthread_mutex_unlock(&self->lock);
  while (pending) {
    pending_connect *next = pending->next;
    if (pending->watch) reactor_watch_close(pending->watch);
    if (pending->socket >= 0) close(pending->socket);
    free(pending);
    pending = next;
  }
  close(self->listener);
  pthread_mutex_destroy(&self->lock);
  free(self->call);
  free(self);
}
