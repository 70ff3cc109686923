/* SPDX-License-Identifier: Apache-2.0 */
/* Sandboxes made ahead of demand: see sandbox_pool.h and launch.h.
 *
 * The namespaces are the slow part of a sandbox (a network namespace alone
 * costs more than a whole posix_spawn); a keeper thread keeps a few made,
 * by a zygote, a small copy of the runtime that holds nothing open but its
 * socket. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fd_message.h"
#include "native/launch.h"
#include "native/sandbox_pool.h"

/* The runtime's pid, set before the zygote's fork: the zygote and the
 * sandboxes (its children, CLONE_PARENT) end when their parent does. */
static pid_t runtime_pid;

/* Dies with the thread that made the zygote (the keeper, which lives as
 * long as the runtime's process). If that happened already, the zygote
 * sees another parent, and a sandbox (whose parent, in another PID
 * namespace, reads as 0) sees its socket's end, its holders gone. */
void sandbox_die_with_runtime(bool check_parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (check_parent && getppid() != runtime_pid) _exit(127);
}

/* How a sandbox gets its ids, decided by the runtime before the zygote's
 * fork. A runtime that is not root maps its own uid and gid to
 * NATIVE_INSIDE_ID in a new user namespace, where the sandbox keeps the
 * capabilities its mounts need. A root runtime makes no user namespace:
 * the sandbox builds its root as real root (it reaches every program and
 * grant by path, whatever the directories above them allow nobody), then
 * becomes nobody before anything of the cell's runs (launch.c). Either way
 * a program is never root on the host's files, and never escapes
 * RLIMIT_NPROC, which is what ends a fork bomb in the cell. */
static bool runtime_is_root;
static char uid_map_text[64], gid_map_text[64];

static void make_id_maps(void) {
  runtime_is_root = geteuid() == 0;
  snprintf(uid_map_text, sizeof uid_map_text, "%d %d 1\n", NATIVE_INSIDE_ID, (int)geteuid());
  snprintf(gid_map_text, sizeof gid_map_text, "%d %d 1\n", NATIVE_INSIDE_ID, (int)getegid());
}

bool sandbox_is_root(void) { return runtime_is_root; }

/* /proc/PID/NAME, written in the zygote: no stdio there. */
static bool write_file(pid_t pid, const char *name, const char *text) {
  char path[64] = "/proc/", digits[16];
  size_t count = 0, at = strlen(path);
  for (unsigned value = (unsigned)pid; count == 0 || value; value /= 10)
    digits[count++] = (char)('0' + value % 10);
  while (count) path[at++] = digits[--count];
  path[at++] = '/';
  memcpy(path + at, name, strlen(name) + 1);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  bool written = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  if (fd >= 0) close(fd);
  return written;
}

static bool map_ids(pid_t pid) {
  if (runtime_is_root) return true;
  return write_file(pid, "uid_map", uid_map_text) && write_file(pid, "setgroups", "deny") &&
         write_file(pid, "gid_map", gid_map_text);
}

/* The sandbox is the runtime's child, not the zygote's (CLONE_PARENT):
 * the runtime reaps it and learns its end (waitid on its pidfd). */
static pid_t clone_child(int *pidfd) {
  struct clone_args arguments = {
      .flags = CLONE_PIDFD | CLONE_PARENT | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
               CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP |
               (runtime_is_root ? 0 : CLONE_NEWUSER),
      .pidfd = (uint64_t)(uintptr_t)pidfd,
  };
  return (pid_t)syscall(SYS_clone3, &arguments, sizeof arguments);
}

/* ---- the zygote: where sandboxes are made ----------------------------- */

/* Sandboxes are not forked from the runtime itself: one waiting for its
 * orders would share the runtime's memory copy-on-write, and every page
 * the runtime then wrote would be copied, with every CPU's TLB flushed
 * (measured: a fifth of all CPU time). The zygote is a copy of the
 * runtime made once, at the first native cell, holding nothing open but
 * its socket; it makes each sandbox as the runtime's child and hands
 * back its pidfd and socket. It ignores the terminal's signals, as the
 * sandboxes do until their init forwards them. */
typedef struct zygote_reply {
  int32_t pid;    /* -1: none made */
  int32_t status; /* minos_status */
  int32_t error;  /* errno of the step that failed */
  int32_t mapped; /* 0: its ids could not be mapped (the runtime reaps it) */
} zygote_reply;

static const int terminal_signals[] = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP};

static void ignore_terminal_signals(void) {
  struct sigaction ignore = {.sa_handler = SIG_IGN};
  for (size_t i = 0; i < sizeof terminal_signals / sizeof terminal_signals[0]; i++)
    sigaction(terminal_signals[i], &ignore, NULL);
}

/* In the zygote: one sandbox, its ids mapped, told so. */
static void make_sandbox(int zygote_socket) {
  int pair[2] = {-1, -1}, pidfd = -1;
  zygote_reply reply = {.pid = -1, .status = MINOS_EIO};
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) reply.error = errno;
  else if ((reply.pid = clone_child(&pidfd)) == 0) sandbox_main(pair[1]);
  else if (reply.pid < 0) {
    reply.error = errno;
    reply.status = reply.error == EPERM || reply.error == ENOSPC || reply.error == EINVAL
                       ? MINOS_EUSAGE
                       : MINOS_EIO;
  } else if (!map_ids(reply.pid) || send(pair[0], "m", 1, MSG_NOSIGNAL) != 1) {
    reply.error = errno;
    kill(reply.pid, SIGKILL);
  } else {
    reply.mapped = 1;
    reply.status = MINOS_OK;
  }
  if (pair[1] >= 0) close(pair[1]);
  int fds[2] = {pidfd, pair[0]};
  fd_message_send_many(zygote_socket, &reply, sizeof reply, fds, pidfd >= 0 ? 2 : 0, 0);
  if (pidfd >= 0) close(pidfd);
  if (pair[0] >= 0) close(pair[0]);
}

static _Noreturn void zygote_main(int socket) {
  sandbox_die_with_runtime(true);
  if (socket > 0) syscall(SYS_close_range, 0u, (unsigned)socket - 1, 0);
  syscall(SYS_close_range, (unsigned)socket + 1, ~0u, 0);
  ignore_terminal_signals();
  prctl(PR_SET_NAME, "minos-zygote", 0, 0, 0);
  for (;;) {
    char request;
    ssize_t got = recv(socket, &request, 1, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) _exit(0); /* the runtime has gone */
    make_sandbox(socket);
  }
}

static struct {
  pthread_mutex_t lock;
  pid_t pid;
  int socket;
} zygote = {.lock = PTHREAD_MUTEX_INITIALIZER, .pid = -1, .socket = -1};

/* Under zygote.lock. */
static bool start_zygote(char *error, size_t error_size) {
  int pair[2];
  if (!native_filter()) { /* before the fork: the sandboxes install the zygote's copy */
    snprintf(error, error_size, "cannot build the seccomp filter");
    return false;
  }
  make_id_maps();
  runtime_pid = getpid();
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    snprintf(error, error_size, "cannot make the zygote's socket: %s", strerror(errno));
    return false;
  }
  struct clone_args arguments = {.exit_signal = SIGCHLD};
  pid_t pid = (pid_t)syscall(SYS_clone3, &arguments, sizeof arguments);
  if (pid == 0) zygote_main(pair[1]);
  close(pair[1]);
  if (pid < 0) {
    snprintf(error, error_size, "cannot start the zygote: %s", strerror(errno));
    close(pair[0]);
    return false;
  }
  zygote.pid = pid;
  zygote.socket = pair[0];
  return true;
}

static void stop_zygote(void) {
  close(zygote.socket);
  kill(zygote.pid, SIGKILL);
  waitpid(zygote.pid, NULL, 0);
  zygote.pid = zygote.socket = -1;
}

/* One request and its reply; false if the zygote has gone. */
static bool ask_zygote(zygote_reply *reply, int fds[2]) {
  size_t count = 0;
  fds[0] = fds[1] = -1;
  if (send(zygote.socket, "b", 1, MSG_NOSIGNAL) != 1 ||
      fd_message_receive_many(zygote.socket, reply, sizeof *reply, fds, 2, &count, 0) !=
          (ssize_t)sizeof *reply) {
    for (size_t i = 0; i < count; i++) close(fds[i]);
    return false;
  }
  return reply->pid < 0 || count == 2;
}

/* A sandbox, made now by the zygote (started, or restarted if it died). */
static minos_status make_blank(blank *made, char *error, size_t error_size) {
  zygote_reply reply;
  int fds[2];
  error[0] = '\0';
  pthread_mutex_lock(&zygote.lock);
  bool asked = false;
  for (int attempt = 0; !asked && attempt < 2; attempt++) {
    if (zygote.socket < 0 && !start_zygote(error, error_size)) break;
    if (!(asked = ask_zygote(&reply, fds))) stop_zygote();
  }
  pthread_mutex_unlock(&zygote.lock);
  if (!asked) {
    if (!error[0]) snprintf(error, error_size, "the zygote making sandboxes failed");
    return MINOS_EIO;
  }
  *made = (blank){.pid = reply.pid, .pidfd = fds[0], .socket = fds[1]};
  if (reply.status == MINOS_OK) return MINOS_OK;
  if (reply.pid < 0)
    snprintf(error, error_size, "native cells need user namespaces, which this kernel refuses: %s",
             strerror(reply.error));
  else
    snprintf(error, error_size, "cannot map the sandbox's user ids: %s", strerror(reply.error));
  if (reply.pid > 0) {
    kill(reply.pid, SIGKILL);
    waitpid(reply.pid, NULL, 0);
    close(made->pidfd);
    close(made->socket);
  }
  return (minos_status)reply.status;
}

/* The sandboxes ready for the next programs, made by one thread of their
 * own, started with the first native cell. Only that thread starts the
 * zygote: the zygote and every sandbox die with it (PR_SET_PDEATHSIG is
 * tied to the thread that made the zygote), and it lives as long as the
 * runtime's process, so a runtime killed by SIGKILL leaves no cell behind.
 * A sandbox costs a process and its namespaces, nothing more, until it is
 * given a program. */
#define READY_SANDBOXES 2

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wanted;  /* the keeper waits here */
  pthread_cond_t changed; /* takers wait here */
  blank sandboxes[READY_SANDBOXES];
  size_t count;
  size_t waiting; /* takers waiting for a sandbox */
  bool started;
  bool paused;       /* the last attempt failed: try again when someone waits */
  uint64_t failures; /* attempts that failed, with the last one's error: */
  minos_status status;
  char error[256];
} ready = {.lock = PTHREAD_MUTEX_INITIALIZER,
           .wanted = PTHREAD_COND_INITIALIZER,
           .changed = PTHREAD_COND_INITIALIZER};

void sandbox_discard(const blank *sandbox) {
  kill(sandbox->pid, SIGKILL);
  waitpid(sandbox->pid, NULL, 0);
  close(sandbox->pidfd);
  close(sandbox->socket);
}

/* A ready sandbox that was killed meanwhile (its pidfd readable). */
static bool ended(const blank *sandbox) {
  struct pollfd process = {.fd = sandbox->pidfd, .events = POLLIN};
  return poll(&process, 1, 0) != 0;
}

static void *keep_ready(void *unused) {
  (void)unused;
  pthread_mutex_lock(&ready.lock);
  for (;;) {
    while (!ready.waiting && (ready.count == READY_SANDBOXES || ready.paused))
      pthread_cond_wait(&ready.wanted, &ready.lock);
    pthread_mutex_unlock(&ready.lock);
    blank made;
    char error[sizeof ready.error];
    minos_status status = make_blank(&made, error, sizeof error);
    pthread_mutex_lock(&ready.lock);
    if (status == MINOS_OK && ready.count < READY_SANDBOXES) {
      ready.sandboxes[ready.count++] = made;
      ready.paused = false;
    } else if (status == MINOS_OK) {
      sandbox_discard(&made);
    } else {
      ready.failures++;
      ready.status = status;
      memcpy(ready.error, error, sizeof error);
      ready.paused = true;
    }
    pthread_cond_broadcast(&ready.changed);
  }
  return NULL;
}

/* The keeper blocks every signal: they are for the runtime's own threads. */
static bool start_keeper(void) {
  pthread_t thread;
  pthread_attr_t attributes;
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  ready.started = pthread_create(&thread, &attributes, keep_ready, NULL) == 0;
  pthread_attr_destroy(&attributes);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  return ready.started;
}

/* A ready sandbox, alive; the keeper makes its replacement meanwhile, or
 * it now if none is ready (and says why it could not). */
minos_status sandbox_take(blank *taken, char *error, size_t error_size) {
  pthread_mutex_lock(&ready.lock);
  if (!ready.started && !start_keeper()) {
    pthread_mutex_unlock(&ready.lock);
    snprintf(error, error_size, "cannot start the thread that makes sandboxes");
    return MINOS_EIO;
  }
  uint64_t failures = ready.failures;
  bool have = false;
  ready.waiting++;
  while (!have) {
    pthread_cond_signal(&ready.wanted);
    while (!ready.count && ready.failures == failures)
      pthread_cond_wait(&ready.changed, &ready.lock);
    if (!ready.count) break;
    *taken = ready.sandboxes[--ready.count];
    if (!(have = !ended(taken))) sandbox_discard(taken);
  }
  ready.waiting--;
  pthread_cond_signal(&ready.wanted);
  minos_status status = have ? MINOS_OK : ready.status;
  if (!have) snprintf(error, error_size, "%s", ready.error);
  pthread_mutex_unlock(&ready.lock);
  return status;
}

