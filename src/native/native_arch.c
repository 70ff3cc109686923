/* SPDX-License-Identifier: Apache-2.0 */
/* The native arch: cells whose code is an x86-64 Linux executable, run as
 * a sandboxed process (launch.h). The cell itself is a small coroutine on
 * a worker: it has the process started off the worker, hands its stdio to
 * the runtime's reactor (pipes pumped as channel ends), and parks until the
 * process ends, which the reactor sees through its pidfd. So no worker
 * ever waits for a process, and the cell is killed, timed out and reaped
 * like any other: killing it kills its process (and with it the process's
 * PID namespace). */
#include "native/native_arch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cell.h"
#include "core/channel.h"
#include "core/log.h"
#include "core/offload.h"
#include "core/reactor.h"
#include "core/runtime.h"
#include "core/scheduler.h"
#include "native/broker.h"
#include "native/control.h"
#include "native/control_protocol.h"
#include "native/elf.h"
#include "native/launch.h"
#include "net/rule.h"

#define NATIVE_CELL_STACK_BYTES ((size_t)256 * 1024)
#define MAX_NAMED_ENDS 64
#define MAX_LAUNCHES_AT_ONCE 16

static unsigned launch_threads(void) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores < 1 ? 1 : cores > MAX_LAUNCHES_AT_ONCE ? MAX_LAUNCHES_AT_ONCE : (unsigned)cores;
}

/* Starting a process (building its sandbox, exec) takes milliseconds and
 * may wait on a slow file system: never on a worker. */
static offload_pool launch_pool = OFFLOAD_POOL_INITIALIZER(launch_threads);

/* A prepared program: its path, shared by the cells made from it. Code
 * that came as bytes (cnew) is a file of minos's own, removed with the
 * last reference. */
typedef struct program_file {
  atomic_uint references;
  bool owned; /* written by minos from bytes */
  /* The files its loading opens, found once at prepare: every launch
   * binds these (elf.h). */
  elf_closure closure;
  char path[];
} program_file;

/* Takes the closure. */
static program_file *new_program_file(const char *path, bool owned, elf_closure *closure) {
  program_file *made = malloc(sizeof *made + strlen(path) + 1);
  if (!made) return NULL;
  atomic_init(&made->references, 1);
  made->owned = owned;
  made->closure = *closure;
  *closure = (elf_closure){0};
  strcpy(made->path, path);
  return made;
}

static program_file *hold_program(program_file *program) {
  atomic_fetch_add(&program->references, 1);
  return program;
}

static void drop_program(program_file *program) {
  if (!program || atomic_fetch_sub(&program->references, 1) != 1) return;
  if (program->owned) unlink(program->path);
  elf_closure_free(&program->closure);
  free(program);
}

/* What a cell keeps of its configuration, owned. */
typedef struct native_cell {
  cell *cell;
  program_file *program;
  char **argv, **envp; /* NULL-terminated */
  cell_grant *grants;
  size_t grant_count;
  channel_end *stdio[3];
  /* Named ends, at 3 + grant_count + i in the program: the numbers a
   * supervisor promises in MINOS_END_<NAME>, as for wasm cells, whose
   * granted directories come first. */
  channel_end *named[MAX_NAMED_ENDS];
  size_t named_count;
  net_rule *connect_rules, *listen_rules; /* TCP only */
  size_t connect_rule_count, listen_rule_count;
  uint64_t memory_bytes, cpu_time_ns;
  uint32_t descriptors, denied_grants;
  /* A cell that may create cells gets a control socket (control.h), as
   * one more descriptor after its named ends, named in MINOS_CONTROL. */
  bool spawns;
  int control_fd; /* ours, once started; -1 otherwise */
  atomic_bool control_ready;
  char *control_variable;
  char **started_envp; /* envp and control_variable, borrowed */
  bool random;
  bool wait_for_start, start_requested; /* under the cell's end_lock */
  atomic_bool exited;
  atomic_int pid; /* its init's, while it runs; 0 otherwise (usage) */
  int end_signal; /* FAULT_SIGNAL's, for describe_end */
  char refused_call[64]; /* FAULT_BLOCKED_CALL's: "mount", or "" for another arch's */
} native_cell;

/* ---- copies -------------------------------------------------------------- */

static void free_strings(char **strings) {
  for (char **each = strings; each && *each; each++) free(*each);
  free(strings);
}

static char **copy_strings(const char *const *strings, size_t count) {
  char **copy = calloc(count + 1, sizeof *copy);
  for (size_t i = 0; copy && i < count; i++)
    if (!(copy[i] = strdup(strings[i]))) {
      free_strings(copy);
      return NULL;
    }
  return copy;
}

static void free_grants(cell_grant *grants, size_t count) {
  for (size_t i = 0; grants && i < count; i++) {
    free((char *)grants[i].host_path);
    free((char *)grants[i].guest_path);
  }
  free(grants);
}

static cell_grant *copy_grants(const cell_grant *grants, size_t count) {
  cell_grant *copy = calloc(count + 1, sizeof *copy);
  for (size_t i = 0; copy && i < count; i++) {
    const char *guest = grants[i].guest_path ? grants[i].guest_path : grants[i].host_path;
    copy[i] = (cell_grant){strdup(grants[i].host_path), strdup(guest), grants[i].read_only};
    if (!copy[i].host_path || !copy[i].guest_path) {
      free_grants(copy, i + 1);
      return NULL;
    }
  }
  return copy;
}

static void free_native(native_cell *native) {
  drop_program(native->program);
  free(native->control_variable);
  free(native->started_envp);
  if (native->control_fd >= 0) close(native->control_fd);
  free_strings(native->argv);
  free_strings(native->envp);
  free_grants(native->grants, native->grant_count);
  free(native->connect_rules);
  free(native->listen_rules);
  for (int slot = 0; slot < 3; slot++)
    if (native->stdio[slot]) channel_end_close(native->stdio[slot]);
  for (size_t i = 0; i < native->named_count; i++)
    if (native->named[i]) channel_end_close(native->named[i]);
  free(native);
}

/* ---- starting the process, off the worker ---------------------------- */

typedef struct launch_job {
  /* Its own copies of what the launch reads: a job outlives a cell that
   * ends while its process is being started (core/offload.h). */
  char **argv, **envp;
  cell_grant *grants;
  program_file *program;
  native_launch launch;
  int child_fds[3]; /* the process's sides of its stdio pipes, owned */
  int child_named[MAX_NAMED_ENDS + 1]; /* and of its named ends' (and control socket) */
  bool ran; /* run_launch took it (and closed the child's sides) */
  native_process process;
  minos_status status;
  char error[512];
} launch_job;

static void close_fds(int fds[], size_t count);

static size_t count_of(const char *const *strings) {
  size_t count = 0;
  while (strings && strings[count]) count++;
  return count;
}

/* Makes the job's launch point at copies of its own. */
static bool own_launch_data(launch_job *job, native_cell *native) {
  job->argv = copy_strings(job->launch.argv, count_of(job->launch.argv));
  job->envp = copy_strings(job->launch.envp, count_of(job->launch.envp));
  job->grants = copy_grants(native->grants, native->grant_count);
  job->program = hold_program(native->program);
  job->launch.argv = (const char *const *)job->argv;
  job->launch.envp = (const char *const *)job->envp;
  job->launch.grants = job->grants;
  job->launch.program = job->program->path;
  job->launch.closure = &job->program->closure;
  return job->argv && job->envp && job->grants;
}

static void free_job(launch_job *job) {
  if (!job) return;
  free_strings(job->argv);
  free_strings(job->envp);
  free_grants(job->grants, job->launch.grant_count);
  drop_program(job->program);
  free(job);
}

static void run_launch(void *argument) {
  launch_job *job = argument;
  job->ran = true;
  for (int slot = 0; slot < 3; slot++) job->launch.stdio[slot] = job->child_fds[slot];
  job->launch.extra = job->child_named;
  job->status = native_start(&job->launch, &job->process, job->error, sizeof job->error);
  for (int slot = 0; slot < 3; slot++)
    if (job->child_fds[slot] >= 0) close(job->child_fds[slot]);
  for (size_t i = 0; i < job->launch.extra_count; i++) close(job->child_named[i]);
  job->launch.extra_count = 0;
}

/* A launch whose cell let go: its process, if it started, goes too. */
static void release_launch(void *argument) {
  launch_job *job = argument;
  if (!job->ran) {
    close_fds(job->child_fds, 3);
    close_fds(job->child_named, job->launch.extra_count);
  }
  if (job->status == MINOS_OK && job->process.pidfd >= 0) {
    syscall(SYS_pidfd_send_signal, job->process.pidfd, SIGKILL, NULL, 0);
    waitpid(job->process.pid, NULL, 0);
    close(job->process.pidfd);
    close(job->process.listener);
    close(job->process.ends);
  }
  free_job(job);
}

/* A pipe for an end: the process reads what the cell's read end would
 * have read, or writes what its write end would have written. */
static bool make_pipe(bool process_reads, int *child, int *ours) {
  int fds[2];
  *child = *ours = -1;
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  *child = process_reads ? fds[0] : fds[1];
  *ours = process_reads ? fds[1] : fds[0];
  return true;
}

/* The pipes of the process's stdio and named ends: the child's sides in
 * job, the runtime's in ours[] (stdio first; -1 where the cell has no such
 * end). */
static bool make_pipes(const native_cell *native, launch_job *job, int ours[]) {
  for (int slot = 0; slot < 3; slot++) {
    job->child_fds[slot] = ours[slot] = -1;
    if (native->stdio[slot] && !make_pipe(slot == 0, &job->child_fds[slot], &ours[slot]))
      return false;
  }
  for (size_t i = 0; i < native->named_count; i++) {
    if (!make_pipe(!native->named[i]->writes, &job->child_named[i], &ours[3 + i])) return false;
    job->launch.extra_count = i + 1;
  }
  return true;
}

/* The control socket, after the named ends, and the variable naming it. */
static bool make_control(native_cell *native, launch_job *job, int ours[]) {
  if (!native->spawns) return true;
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return false;
  size_t index = native->named_count;
  job->child_named[index] = pair[1];
  ours[3 + index] = pair[0];
  job->launch.extra_count = index + 1;
  size_t count = 0;
  while (native->envp[count]) count++;
  free(native->control_variable);
  free(native->started_envp);
  native->started_envp = calloc(count + 2, sizeof *native->started_envp);
  if (!native->started_envp ||
      asprintf(&native->control_variable, "%s=%d", MINOS_CONTROL_VARIABLE,
               job->launch.first_extra + (int)index) < 0) {
    native->control_variable = NULL;
    return false;
  }
  memcpy(native->started_envp, native->envp, count * sizeof *native->envp);
  native->started_envp[count] = native->control_variable;
  job->launch.envp = (const char *const *)native->started_envp;
  return true;
}

static void close_fds(int fds[], size_t count) {
  for (size_t i = 0; i < count; i++)
    if (fds[i] >= 0) close(fds[i]);
}

static launch_job *new_job(const native_cell *native) {
  launch_job *job = calloc(1, sizeof *job);
  if (!job) return NULL;
  job->process = (native_process){.pid = -1, .pidfd = -1, .listener = -1, .ends = -1};
  job->launch = (native_launch){
      .program = native->program->path, .closure = &native->program->closure, .argv = (const char *const *)native->argv,
      .envp = (const char *const *)native->envp, .grants = native->grants,
      .grant_count = native->grant_count, .random = native->random,
      .memory_bytes = native->memory_bytes, .first_extra = 3 + (int)native->grant_count,
      .cpu_seconds = native->cpu_time_ns ? (native->cpu_time_ns + 999999999u) / 1000000000u : 0,
      .descriptors = native->descriptors};
  return job;
}

/* ---- the cell ---------------------------------------------------------- */

static void give_up(cell *self, const char *why) {
  log_message(LOG_ERROR, self->name, "%s", why);
  cell_fault_now(self, FAULT_HOST_ERROR, 0);
}

/* One end and the runtime's side of its pipe to the reactor, which owns
 * both from then on. */
static bool wire(reactor *loop, channel_end **end, int *ours) {
  if (*ours < 0) return true;
  minos_status status = (*end)->writes ? reactor_attach_pipe_ends(loop, *ours, *end, -1, NULL)
                                       : reactor_attach_pipe_ends(loop, -1, NULL, *ours, *end);
  if (status != MINOS_OK) return false;
  *end = NULL;
  *ours = -1;
  return true;
}

static bool wire_ends(cell *self, native_cell *native, int ours[]) {
  reactor *loop;
  if (runtime_reactor(self->scheduler->runtime, &loop) != MINOS_OK) return false;
  for (int slot = 0; slot < 3; slot++)
    if (!wire(loop, &native->stdio[slot], &ours[slot])) return false;
  for (size_t i = 0; i < native->named_count; i++)
    if (!wire(loop, &native->named[i], &ours[3 + i])) return false;
  return true;
}

static void on_exit_seen(void *context) {
  native_cell *native = context;
  atomic_store(&native->exited, true);
  cell_wake(native->cell);
}

/* Parks until the process ends; an end requested meanwhile kills it. */
static void on_control_ready(void *context) {
  native_cell *native = context;
  atomic_store(&native->control_ready, true);
  cell_wake(native->cell);
}

/* Parks until the process ends, answering its control socket's requests
 * meanwhile; an end requested meanwhile kills it. */
static bool wait_for_process(cell *self, native_cell *native, int pidfd, siginfo_t *info) {
  reactor *loop;
  reactor_watch *watch, *control_watch = NULL;
  if (runtime_reactor(self->scheduler->runtime, &loop) != MINOS_OK ||
      reactor_watch_readable(loop, pidfd, on_exit_seen, native, &watch) != MINOS_OK)
    return false;
  if (native->control_fd >= 0 &&
      reactor_watch_readable(loop, native->control_fd, on_control_ready, native,
                             &control_watch) != MINOS_OK)
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  atomic_store(&native->control_ready, true); /* requests made before the watch */
  control_limits limits = {.descriptors = native->descriptors ? native->descriptors : 256,
                           .denied_grants = native->denied_grants};
  bool killed = false;
  while (!atomic_load(&native->exited)) {
    if (!killed && atomic_load(&self->end_request) != FAULT_NONE)
      killed = syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0;
    else if (control_watch && atomic_exchange(&native->control_ready, false)) {
      if (control_serve(self, native->control_fd, &limits)) { /* more: after the others */
        atomic_store(&native->control_ready, true);
        scheduler_yield(self);
      }
    } else
      scheduler_block(self);
  }
  if (control_watch) reactor_watch_close(control_watch);
  reactor_watch_close(watch);
  *info = (siginfo_t){0};
  return waitid(P_PIDFD, (id_t)pidfd, info, WEXITED) == 0;
}

/* The calls its filter hands to the runtime are answered from now on;
 * the broker takes the listener. */
static call_broker *start_broker(cell *self, const native_cell *native,
                                 const native_process *process) {
  reactor *loop;
  call_broker *broker = NULL;
  call_broker_config config = {.listener = process->listener, .pidfd = process->pidfd,
                               .connect_rules = native->connect_rules,
                               .connect_rule_count = native->connect_rule_count,
                               .listen_rules = native->listen_rules,
                               .listen_rule_count = native->listen_rule_count};
  if (runtime_reactor(self->scheduler->runtime, &loop) != MINOS_OK) close(process->listener);
  else if (call_broker_start(loop, &config, &broker) != MINOS_OK) broker = NULL;
  return broker;
}

static _Noreturn void end_as_process_did(cell *self, native_cell *native, const native_end *end) {
  /* The process's CPU time, not its coroutine's (0 if the init was killed). */
  if (end->cpu_ns > self->cpu_used_ns) self->cpu_used_ns = end->cpu_ns;
  cell_honour_end_request(self); /* killed or timed out by the runtime */
  if (native->refused_call[0]) cell_fault_now(self, FAULT_BLOCKED_CALL, 0);
  if (!end->signalled) cell_exit(self, (uint32_t)end->code);
  /* SIGXCPU at RLIMIT_CPU, or SIGKILL a second later if it caught that. */
  bool past_cpu_limit = native->cpu_time_ns && end->cpu_ns >= native->cpu_time_ns;
  if (end->code == SIGXCPU || (end->code == SIGKILL && past_cpu_limit))
    cell_fault_now(self, FAULT_CPU_LIMIT, 0);
  if (end->code == SIGSYS) cell_fault_now(self, FAULT_BLOCKED_CALL, 0);
  native->end_signal = end->code;
  cell_fault_now(self, FAULT_SIGNAL, 0);
}

static void run(cell *self) {
  native_cell *native = self->arch_data;
  if (native->wait_for_start) cell_wait_to_be_started(self, &native->start_requested);
  launch_job *job = new_job(native);
  int ours[3 + MAX_NAMED_ENDS + 1];
  size_t our_count = 3 + native->named_count + (native->spawns ? 1 : 0);
  for (size_t i = 0; i < our_count; i++) ours[i] = -1;
  if (!job || !make_pipes(native, job, ours) || !make_control(native, job, ours) ||
      !own_launch_data(job, native)) {
    if (job) {
      close_fds(job->child_fds, 3);
      close_fds(job->child_named, job->launch.extra_count);
    }
    close_fds(ours, our_count);
    free_job(job);
    give_up(self, "cannot start the program: out of memory or descriptors");
  }
  offload_outcome outcome =
      offload_run(&launch_pool, &self->waiter, run_launch, release_launch, job);
  if (outcome == OFFLOAD_ABANDONED) { /* the pool kills what it started */
    close_fds(ours, our_count);
    cell_honour_end_request(self);
    give_up(self, "its start was abandoned");
  }
  if (outcome == OFFLOAD_REFUSED || job->status != MINOS_OK) {
    char why[600];
    snprintf(why, sizeof why, "%s",
             outcome == OFFLOAD_REFUSED ? "cannot start the program: no thread" : job->error);
    close_fds(ours, our_count);
    if (outcome == OFFLOAD_REFUSED) {
      close_fds(job->child_fds, 3);
      close_fds(job->child_named, job->launch.extra_count);
    }
    free_job(job);
    give_up(self, why);
  }
  native_process process = job->process;
  free_job(job);
  if (native->spawns) { /* served by this coroutine, not pumped */
    native->control_fd = ours[3 + native->named_count];
    ours[3 + native->named_count] = -1;
  }
  siginfo_t info;
  atomic_store(&native->pid, process.pid);
  call_broker *broker = start_broker(self, native, &process);
  bool wired = broker && wire_ends(self, native, ours);
  close_fds(ours, our_count);
  if (!wired) syscall(SYS_pidfd_send_signal, process.pidfd, SIGKILL, NULL, 0);
  bool waited = wait_for_process(self, native, process.pidfd, &info);
  atomic_store(&native->pid, 0);
  if (broker) {
    call_broker_refused_call(broker, native->refused_call, sizeof native->refused_call);
    call_broker_stop(broker);
  }
  native_end end = waited ? native_read_end(&process, &info) : (native_end){0};
  close(process.pidfd);
  close(process.ends);
  if (!wired || !waited) give_up(self, "cannot follow the program's process");
  end_as_process_did(self, native, &end);
}

/* ---- usage, for operators ------------------------------------------- */

/* utime + stime (+ cutime + cstime: reaped children) of /proc/PID/stat,
 * in clock ticks. */
static uint64_t process_ticks(int pid) {
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t got = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
  if (fd >= 0) close(fd);
  if (got <= 0) return 0;
  text[got] = '\0';
  const char *at = strrchr(text, ')'); /* past the command's name */
  unsigned long long times[4] = {0};
  if (!at || sscanf(at + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
                    &times[0], &times[1], &times[2], &times[3]) != 4)
    return 0;
  return times[0] + times[1] + times[2] + times[3];
}

static uint64_t resident_bytes(int pid) {
  char path[64];
  unsigned long long size = 0, resident = 0;
  snprintf(path, sizeof path, "/proc/%d/statm", pid);
  FILE *statm = fopen(path, "re");
  if (statm && fscanf(statm, "%llu %llu", &size, &resident) != 2) resident = 0;
  if (statm) fclose(statm);
  return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t descriptor_count(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  DIR *listing = opendir(path);
  uint64_t count = 0;
  for (struct dirent *entry; listing && (entry = readdir(listing));)
    count += entry->d_name[0] != '.';
  if (listing) closedir(listing);
  return count;
}

/* The init and the processes it started (the program, and orphans it
 * adopted), from the host's /proc. */
static void usage(cell *self, cell_usage *out) {
  native_cell *native = self->arch_data;
  int init = atomic_load(&native->pid);
  *out = (cell_usage){.pid = init};
  if (!init) return;
  long ticks_per_second = sysconf(_SC_CLK_TCK);
  uint64_t ticks = process_ticks(init);
  out->resident_bytes = resident_bytes(init);
  char path[80];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", init, init);
  FILE *children = fopen(path, "re");
  for (int child; children && fscanf(children, "%d", &child) == 1;) {
    ticks += process_ticks(child);
    out->resident_bytes += resident_bytes(child);
    if (!out->descriptors) out->descriptors = descriptor_count(child); /* the program's */
  }
  if (children) fclose(children);
  out->cpu_ns = ticks_per_second > 0 ? ticks * (1000000000u / (uint64_t)ticks_per_second) : 0;
}

static cell_fault classify_fault(cell *self, uintptr_t address, uintptr_t pc) {
  (void)self, (void)address, (void)pc;
  return FAULT_NONE; /* the cell's own code is the runtime's */
}

/* "segmentation fault (SIGSEGV)", or the refused call's name. */
static void describe_end(cell *self) {
  native_cell *native = self->arch_data;
  if (self->outcome.faulted && self->outcome.fault == FAULT_BLOCKED_CALL)
    snprintf(self->outcome.where, sizeof self->outcome.where, "%s",
             native->refused_call[0] ? native->refused_call : "of another architecture");
  if (!self->outcome.faulted || self->outcome.fault != FAULT_SIGNAL) return;
  const char *description = sigdescr_np(native->end_signal);
  const char *name = sigabbrev_np(native->end_signal);
  char *where = self->outcome.where;
  snprintf(where, sizeof self->outcome.where, "%s (SIG%s)",
           description ? description : "unknown signal", name ? name : "?");
  if (where[0] >= 'A' && where[0] <= 'Z' && where[1] >= 'a' && where[1] <= 'z')
    where[0] = (char)(where[0] - 'A' + 'a');
}

/* The coroutine runs only the runtime's code: never preempted inside. */
static bool preemptible_at(cell *self, uintptr_t pc) {
  (void)self, (void)pc;
  return false;
}

/* Before the start: stdio in order, then named ends (numbered after the
 * granted directories, as a wasm cell's are). */
static int32_t install_end(cell *self, channel_end *end) {
  native_cell *native = self->arch_data;
  spinlock_lock(&self->end_lock);
  int32_t number = native->start_requested ? -MINOS_ECLOSED : -MINOS_ELIMIT;
  for (int i = 0; i < 3 && number < 0 && !native->start_requested; i++)
    if (!native->stdio[i]) {
      native->stdio[i] = end;
      number = i;
    }
  if (number < 0 && !native->start_requested && native->named_count < MAX_NAMED_ENDS) {
    native->named[native->named_count] = end;
    number = 3 + (int32_t)native->grant_count + (int32_t)native->named_count++;
  }
  spinlock_unlock(&self->end_lock);
  return number;
}

static void destroy(cell *self) { free_native(self->arch_data); }

static bool initialised(cell *self) {
  (void)self;
  return true; /* it has nothing to initialise before its start */
}

static void let_start(cell *self) {
  native_cell *native = self->arch_data;
  cell_request_start(self, &native->start_requested);
}

static const cell_arch native_arch = {
    .name = "native",
    .run = run,
    .classify_fault = classify_fault,
    .describe_end = describe_end,
    .preemptible_at = preemptible_at,
    .install_end = install_end,
    .destroy = destroy,
    .initialised = initialised,
    .let_start = let_start,
    .usage = usage,
};

/* ---- the arch's part in core/code.h ---------------------------------- */

static bool owns(const uint8_t *head, size_t length) {
  char ignored[160];
  return length >= 4 && memcmp(head, "\x7f" "ELF", 4) == 0 &&
         elf_describe_other(head, length, ignored, sizeof ignored) == NULL;
}

/* Where code that came as bytes is kept while cells run it: a directory
 * of this process's own, which only its owner lists (cells that run as
 * nobody, when minos is root, must still reach their program's file). */
static char code_directory[64];
static pthread_once_t code_directory_once = PTHREAD_ONCE_INIT;

/* Empty by then: each program's file goes with its last cell. */
static void remove_code_directory(void) { rmdir(code_directory); }

static void make_code_directory(void) {
  char made[] = "/tmp/minos-code-XXXXXX";
  if (!mkdtemp(made)) return;
  if (chmod(made, 0711) != 0) {
    rmdir(made);
    return;
  }
  snprintf(code_directory, sizeof code_directory, "%s", made);
  atexit(remove_code_directory);
}

/* The bytes as a file (read and execute only) whose path is *path. */
static minos_status store_bytes(const uint8_t *bytes, size_t length, char *path,
                                size_t path_size, code_report *report) {
  pthread_once(&code_directory_once, make_code_directory);
  int fd = -1;
  if (code_directory[0]) {
    snprintf(path, path_size, "%s/program-XXXXXX", code_directory);
    fd = mkostemp(path, O_CLOEXEC);
  }
  size_t written = 0;
  while (fd >= 0 && written < length) {
    ssize_t each = write(fd, bytes + written, length - written);
    if (each <= 0) break;
    written += (size_t)each;
  }
  bool stored = fd >= 0 && written == length && fchmod(fd, 0555) == 0;
  int error = errno;
  if (fd >= 0) close(fd);
  if (stored) return MINOS_OK;
  if (fd >= 0) unlink(path);
  snprintf(report->error, sizeof report->error, "cannot keep the program's bytes in a file: %s",
           strerror(error));
  return MINOS_EIO;
}

/* The program's files are looked for now, so that a missing library is
 * said before any cell starts. Bytes (cnew) become a file of minos's:
 * the sandbox binds files, and the dynamic loader reads them by path. */
static minos_status prepare(const char *name, const uint8_t *bytes, size_t length,
                            uint64_t memory_limit_bytes, void **prepared, code_report *report) {
  (void)memory_limit_bytes;
  char stored[128];
  if (bytes) {
    minos_status status = store_bytes(bytes, length, stored, sizeof stored, report);
    if (status != MINOS_OK) return status;
    name = stored;
  } else if (access(name, X_OK) != 0) {
    /* Said now, by minos check and before an upgrade switches to it,
     * rather than by every launch failing at its exec. */
    snprintf(report->error, sizeof report->error,
             "%s is an x86-64 program but cannot be executed: %s (chmod +x it)", name,
             strerror(errno));
    return MINOS_EPERM;
  }
  elf_closure closure;
  minos_status status = elf_load_closure(name, &closure, report->error, sizeof report->error);
  if (status == MINOS_OK && closure.count == 0)
    snprintf(report->summary, sizeof report->summary,
             "a static x86-64 executable: nothing to compile or load");
  else if (status == MINOS_OK)
    snprintf(report->summary, sizeof report->summary,
             "a dynamically linked x86-64 executable: nothing to compile; %zu files to load it "
             "with (its interpreter and libraries), bound read-only",
             closure.count);
  char *path = status == MINOS_OK ? realpath(name, NULL) : NULL;
  program_file *program = path ? new_program_file(path, bytes != NULL, &closure) : NULL;
  free(path);
  if (status == MINOS_OK) elf_closure_free(&closure);
  if (status == MINOS_OK && !program) {
    snprintf(report->error, sizeof report->error, "cannot read %s: %s", name, strerror(errno));
    status = MINOS_EIO;
  }
  if (status != MINOS_OK) {
    if (bytes) unlink(stored);
    return status;
  }
  *prepared = program;
  report->cache_hit = true; /* nothing to compile */
  return MINOS_OK;
}

static void release(void *prepared) { drop_program(prepared); }

static bool copy_rules(const net_rule *rules, size_t count, net_rule **out, size_t *out_count) {
  *out = calloc(count + 1, sizeof **out);
  if (!*out) return false;
  if (count) memcpy(*out, rules, count * sizeof *rules);
  *out_count = count;
  return true;
}

/* The runtime brokers TCP only (broker.h): a grant it cannot honour is
 * refused, never ignored. */
static bool takes_network_rule(const net_rule *rule, char *why, size_t why_size) {
  if (rule->protocol == NET_TCP) return true;
  char text[160];
  net_rule_format(rule, text, sizeof text);
  snprintf(why, why_size,
           "network grant %s: native cells get TCP grants only (UDP and Unix sockets are not "
           "brokered)",
           text);
  return false;
}

static bool rules_brokered(const net_rule *rules, size_t count, char *error, size_t error_size) {
  for (size_t i = 0; i < count; i++)
    if (!takes_network_rule(&rules[i], error, error_size)) return false;
  return true;
}

static native_cell *new_native(program_file *program, const cell_config *config) {
  native_cell *native = calloc(1, sizeof *native);
  if (!native) return NULL;
  native->program = hold_program(program);
  native->argv = copy_strings(config->args, config->arg_count);
  native->envp = copy_strings(config->env, config->env_count);
  native->grants = copy_grants(config->grants, config->grant_count);
  native->grant_count = config->grant_count;
  native->memory_bytes = config->memory_limit_bytes;
  native->cpu_time_ns = config->cpu_time_ns;
  native->descriptors = config->descriptor_limit;
  native->random = !(config->denied_grants & GRANT_BIT(GRANT_RANDOM));
  native->wait_for_start = config->wait_for_start;
  native->spawns = config->max_cells > 0;
  native->denied_grants = config->denied_grants;
  native->control_fd = -1;
  if (native->program && native->argv && native->envp && native->grants &&
      copy_rules(config->connect_rules, config->connect_rule_count, &native->connect_rules,
                 &native->connect_rule_count) &&
      copy_rules(config->listen_rules, config->listen_rule_count, &native->listen_rules,
                 &native->listen_rule_count))
    return native;
  free_native(native);
  return NULL;
}

static void close_config_stdio(const cell_config *config) {
  for (int slot = 0; slot < 3; slot++)
    if (config->stdio[slot]) channel_end_close(config->stdio[slot]);
}

static bool grants_placeable(const cell_config *config, char *error, size_t error_size) {
  for (size_t i = 0; i < config->grant_count; i++)
    if (!native_grant_placeable(&config->grants[i], error, error_size)) return false;
  return true;
}

static minos_status create(void *prepared, const cell_config *config, cell **out, char *error,
                           size_t error_size) {
  if (!rules_brokered(config->connect_rules, config->connect_rule_count, error, error_size) ||
      !rules_brokered(config->listen_rules, config->listen_rule_count, error, error_size) ||
      !grants_placeable(config, error, error_size)) {
    close_config_stdio(config);
    return MINOS_EUSAGE;
  }
  native_cell *native = new_native(prepared, config);
  if (!native) {
    snprintf(error, error_size, "out of memory");
    close_config_stdio(config);
    return MINOS_ENOMEM;
  }
  for (int slot = 0; slot < 3; slot++) native->stdio[slot] = config->stdio[slot];
  cell_limits limits = {.stack_bytes = NATIVE_CELL_STACK_BYTES,
                        .cpu_time_ns = 0, /* the process's own, through RLIMIT_CPU */
                        .host_fds = config->host_fds,
                        .max_cells = config->max_cells,
                        /* What its children may take (its own process is
                         * held to this by RLIMIT_AS, apart). */
                        .memory_bytes = config->memory_limit_bytes,
                        .parent_account = config->parent_account};
  cell *created;
  minos_status status = cell_create(config->name, &native_arch, native, &limits, &created);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "cannot create cell: %s", minos_status_name(status));
    free_native(native);
    return status;
  }
  native->cell = created;
  *out = created;
  return MINOS_OK;
}

/* What a program needs cannot be read from it: checking it is finding
 * its files. */
static minos_status inspect(const char *path, void **inspected, char *error, size_t error_size) {
  code_report report = {.cache_hit = false};
  minos_status status = prepare(path, NULL, 0, 0, inspected, &report);
  if (status != MINOS_OK) snprintf(error, error_size, "%s", report.error);
  return status;
}

static void cell_problems(const void *inspected, uint64_t memory_limit_bytes,
                          uint32_t denied_grants, code_problem_report report, void *context) {
  (void)inspected, (void)memory_limit_bytes, (void)denied_grants, (void)report, (void)context;
}

const code_arch native_code_arch = {
    .name = "native",
    .runs = "x86-64 Linux executables",
    .owns = owns,
    .prepare = prepare,
    .release = release,
    .inspect = inspect,
    .cell_problems = cell_problems,
    .release_inspected = release,
    .takes_network_rule = takes_network_rule,
    .create = create,
};
