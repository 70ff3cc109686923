/* SPDX-License-Identifier: Apache-2.0 */
/* The compile tools' sandbox (compile_sandbox.h says what it holds).
 *
 * The child is made with clone(CLONE_VM | CLONE_VFORK), as posix_spawn
 * makes its children: nothing of the runtime's memory is copied, and the
 * calling thread waits only until the child has exec'd. Between clone and
 * exec the child shares the runtime's memory, so it does no more than
 * system calls on values the parent prepared: the seccomp program and the
 * Landlock ruleset are built before the clone. */
#include "wasm/compile_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sync.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp_program.h"
#include "spec/spec.h"

#define CHILD_STACK_BYTES ((size_t)64 * 1024)

/* ---- limits ---------------------------------------------------------- */

static minos_status read_limit(const char *variable, bool duration, uint64_t *value, char *error,
                               size_t error_size) {
  const char *text = getenv(variable);
  if (!text || !*text) return MINOS_OK;
  uint64_t parsed = 0;
  bool valid = duration ? spec_parse_duration(text, &parsed) : spec_parse_size(text, &parsed);
  if (!valid || parsed == 0) {
    snprintf(error, error_size, "%s=%.40s is not a %s above zero (such as %s)", variable, text,
             duration ? "duration" : "size", duration ? "60s" : "2GiB");
    return MINOS_EUSAGE;
  }
  *value = parsed;
  return MINOS_OK;
}

minos_status compile_limits_from_environment(compile_limits *out, char *error, size_t error_size) {
  *out = (compile_limits){.timeout_ns = COMPILE_DEFAULT_TIMEOUT_NS,
                          .cpu_ns = COMPILE_DEFAULT_CPU_NS,
                          .memory_bytes = COMPILE_DEFAULT_MEMORY_BYTES,
                          .file_bytes = COMPILE_DEFAULT_FILE_BYTES,
                          .processes = COMPILE_DEFAULT_PROCESSES};
  uint64_t processes = out->processes;
  minos_status status = read_limit("MINOS_COMPILE_TIMEOUT", true, &out->timeout_ns, error, error_size);
  if (status == MINOS_OK)
    status = read_limit("MINOS_COMPILE_CPU", true, &out->cpu_ns, error, error_size);
  if (status == MINOS_OK)
    status = read_limit("MINOS_COMPILE_MEMORY", false, &out->memory_bytes, error, error_size);
  if (status == MINOS_OK)
    status = read_limit("MINOS_COMPILE_FILE_SIZE", false, &out->file_bytes, error, error_size);
  if (status == MINOS_OK)
    status = read_limit("MINOS_COMPILE_PROCESSES", false, &processes, error, error_size);
  if (status == MINOS_OK && processes > 65536) {
    snprintf(error, error_size, "MINOS_COMPILE_PROCESSES is above 65536");
    status = MINOS_EUSAGE;
  }
  out->processes = (uint32_t)processes;
  return status;
}

/* The calling thread's compile: its limits and deadline, shared by every
 * step it runs. A session (compile_session_begin) sets them for a whole
 * load; without one, the steps of one compile are told apart by their
 * scratch directory, which each build makes anew. */
static _Thread_local struct {
  bool active;
  compile_limits limits;
  uint64_t deadline;
  char directory[4096];
  char limit_sentence[300]; /* what the last limit it hit said */
} session;

void compile_session_begin(const compile_limits *limits) {
  compile_limits from_environment;
  char ignored[160];
  if (!limits) {
    /* A malformed variable is reported by the first sandbox_run. */
    if (compile_limits_from_environment(&from_environment, ignored, sizeof ignored) != MINOS_OK)
      return;
    limits = &from_environment;
  }
  session.active = true;
  session.limits = *limits;
  session.deadline = deadline_after(limits->timeout_ns);
}

void compile_session_end(void) { session.active = false; }

bool compile_limit_stopped(const char *error) {
  return session.limit_sentence[0] && strcmp(error, session.limit_sentence) == 0;
}

/* ---- seccomp --------------------------------------------------------- */

/* Calls no compile tool needs and a compromised one could use to leave:
 * the network (socket; socketpair but for AF_UNIX), other processes
 * (ptrace, process_vm_*, pidfd_getfd), the kernel's wider surfaces, the
 * process group (setsid, setpgid: the group is what is killed), and
 * anything that would plant a link, FIFO or device in the scratch
 * directory for the runtime to follow. */
static const char *const denied_calls[] = {
    "socket", "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "keyctl", "add_key", "request_key", "mount", "umount2",
    "pivot_root", "chroot", "setns", "unshare", "fsopen", "fsmount", "fsconfig", "fspick",
    "move_mount", "open_tree", "mount_setattr", "open_by_handle_at", "name_to_handle_at",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "syslog", "quotactl", "fanotify_init",
    "setsid", "setpgid", "symlink", "symlinkat", "link", "linkat", "mknod", "mknodat",
    "personality", "iopl", "ioperm", "settimeofday", "clock_settime", "adjtimex",
    "sethostname", "setdomainname"};

static int add_rules(scmp_filter_ctx filter) {
  size_t count = sizeof denied_calls / sizeof denied_calls[0];
  int failed = seccomp_program_deny(filter, denied_calls, count, SCMP_ACT_ERRNO(EPERM));
  failed |= seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socketpair), 1,
                             seccomp_first_argument(SCMP_CMP_NE, AF_UNIX, 0));
  failed |= seccomp_program_deny_namespaces(filter, SCMP_ACT_ERRNO(EPERM));
  return failed;
}

static struct sock_fprog seccomp_program;
static pthread_once_t seccomp_once = PTHREAD_ONCE_INIT;

/* Built once, so the child only has to install it. */
static void build_seccomp_program(void) { seccomp_program_build(add_rules, &seccomp_program); }

/* ---- Landlock -------------------------------------------------------- */

static pthread_once_t landlock_once = PTHREAD_ONCE_INIT;

static void warn_without_landlock(void) {
  if (!landlock_abi())
    log_warn("this kernel has no Landlock: compile tools run without a limit on where they "
             "write (the seccomp filter, namespaces and limits still hold)");
}

/* Every right that makes or changes something: none is granted but
 * beneath the directories allow_writes adds. Reading and running are
 * not confined (the tools read system headers and libraries). */
static uint64_t handled_rights(void) {
  return landlock_all_fs_rights() &
         ~(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
           LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_IOCTL_DEV);
}

static int allow_writes(int ruleset, const char *path) {
  return landlock_allow_path(ruleset, path, landlock_directory_write_rights());
}

/* The ruleset the child will enforce, or -1 with error set; -2 when the
 * kernel has no Landlock. */
static int make_ruleset(const char *directory, char *error, size_t error_size) {
  pthread_once(&landlock_once, warn_without_landlock);
  if (!landlock_abi()) return -2;
  int ruleset = landlock_ruleset_new(handled_rights());
  if (ruleset < 0) {
    snprintf(error, error_size, "cannot make the compile sandbox's Landlock ruleset: %s",
             strerror(errno));
    return -1;
  }
  const char *failed = NULL;
  if (allow_writes(ruleset, "/dev/null") != 0) failed = "/dev/null";
  if (!failed && directory && allow_writes(ruleset, directory) != 0) failed = directory;
  const char *extra = getenv("MINOS_COMPILE_WRITABLE");
  char path[4096];
  while (!failed && extra && *extra) {
    size_t length = strcspn(extra, ":");
    snprintf(path, sizeof path, "%.*s", (int)length, extra);
    if (length && (length >= sizeof path || allow_writes(ruleset, path) != 0)) failed = path;
    extra += length + (extra[length] == ':');
  }
  if (failed) {
    snprintf(error, error_size, "cannot let the compile tools write to %s: %s", failed,
             strerror(errno));
    close(ruleset);
    return -1;
  }
  return ruleset;
}

/* ---- the child ------------------------------------------------------- */

typedef struct child_plan {
  const char *const *argv;
  char *const *environment;
  const char *directory;
  int input_fd, output_fd, ruleset;
  bool drop_capabilities; /* the runtime runs as root */
  struct rlimit memory, cpu, file_size, processes;
  /* Written by the child (it shares our memory until it execs). */
  const char *failed_step;
  int failed_errno;
} child_plan;

/* The kernel's struct sigaction, for a raw rt_sigaction. */
struct kernel_sigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};

/* Root keeps its user id but loses every capability, for good: none in
 * any set, none in the bounding set, and (SECBIT_NOROOT) none regained by
 * exec'ing as root. Without CAP_SYS_RESOURCE the limits cannot be raised
 * again; without the rest, root's files are the only ones it may write
 * beyond what any user may, and Landlock keeps it from those. */
__attribute__((no_sanitize("address", "undefined"))) static int drop_capabilities(void) {
  unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                       SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED;
  if (syscall(SYS_prctl, PR_SET_SECUREBITS, bits, 0, 0, 0) != 0) return -1;
  for (int capability = 0; capability < 64; capability++)
    if (syscall(SYS_prctl, PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 && errno != EINVAL)
      return -1;
  syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct none[2] = {{0, 0, 0}, {0, 0, 0}};
  return (int)syscall(SYS_capset, &header, none);
}

__attribute__((no_sanitize("address", "undefined"))) static int fail_step(child_plan *plan,
                                                                           const char *step) {
  plan->failed_step = step;
  plan->failed_errno = errno;
  syscall(SYS_exit_group, 127);
  return 127;
}

/* Runs between clone and exec, sharing the runtime's memory: system calls
 * only, no allocation, no locks, nothing a sanitizer intercepts. */
__attribute__((no_sanitize("address", "undefined"))) static int child_main(void *data) {
  child_plan *plan = data;
  struct kernel_sigaction default_action = {.handler = SIG_DFL};
  for (int sig = 1; sig < 65; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      syscall(SYS_rt_sigaction, sig, &default_action, NULL, sizeof default_action.mask);
  if (syscall(SYS_setpgid, 0, 0) != 0) return fail_step(plan, "setpgid");
  /* Its own network namespace where we may make one (root); elsewhere
   * the seccomp filter alone keeps it off the network. */
  syscall(SYS_unshare, CLONE_NEWNET);
  if (syscall(SYS_dup2, plan->input_fd, 0) < 0 || syscall(SYS_dup2, plan->output_fd, 1) < 0 ||
      syscall(SYS_dup2, plan->output_fd, 2) < 0)
    return fail_step(plan, "dup2");
  if (plan->directory && syscall(SYS_chdir, plan->directory) != 0) return fail_step(plan, "chdir");
  if (syscall(SYS_setrlimit, RLIMIT_AS, &plan->memory) != 0 ||
      syscall(SYS_setrlimit, RLIMIT_CPU, &plan->cpu) != 0 ||
      syscall(SYS_setrlimit, RLIMIT_FSIZE, &plan->file_size) != 0 ||
      syscall(SYS_setrlimit, RLIMIT_NPROC, &plan->processes) != 0)
    return fail_step(plan, "setrlimit");
  struct rlimit no_core = {0, 0};
  syscall(SYS_setrlimit, RLIMIT_CORE, &no_core);
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail_step(plan, "no_new_privs");
  if (plan->drop_capabilities && drop_capabilities() != 0) return fail_step(plan, "capabilities");
  if (syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return fail_step(plan, "pdeathsig");
  if (plan->ruleset >= 0 && landlock_enforce(plan->ruleset) != 0)
    return fail_step(plan, "landlock");
  /* Nothing of the runtime's but stdio reaches the tool (close_range is
   * newer than some kernels; descriptors are close-on-exec anyway). */
  syscall(SYS_close_range, 3, ~0u, 0);
  if (seccomp_program_install(&seccomp_program) != 0)
    return fail_step(plan, "seccomp");
  uint64_t no_signals = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, NULL, sizeof no_signals);
  syscall(SYS_execve, plan->argv[0], plan->argv, plan->environment);
  return fail_step(plan, "exec");
}

/* ---- running --------------------------------------------------------- */

typedef struct capture {
  char *text;
  size_t size, used;
} capture;

static bool capture_read(capture *into, int fd) {
  char scratch[8192];
  ssize_t got = read(fd, scratch, sizeof scratch);
  if (got < 0) return errno == EINTR || errno == EAGAIN;
  size_t keep = (size_t)got;
  if (into->size && into->used + keep > into->size - 1) keep = into->size - 1 - into->used;
  memcpy(into->text + into->used, scratch, keep);
  into->used += keep;
  if (into->size) into->text[into->used] = '\0';
  return got > 0;
}

/* Reads the tool's output until it and every process of its group have
 * ended, or the deadline passes (then true: it was stopped). The group is
 * killed either way, before its leader is reaped (while the leader is a
 * zombie its id cannot name another group). */
static bool supervise(pid_t child, int pidfd, int output_fd, uint64_t deadline, capture *output,
                      int *wait_status, struct rusage *usage) {
  struct pollfd watched[2] = {{.fd = output_fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
  bool timed_out = false;
  while (watched[0].fd >= 0 || watched[1].fd >= 0) {
    uint64_t now = monotonic_ns();
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    uint64_t wait_ms = (deadline - now + 999999) / 1000000;
    int ready = poll(watched, 2, wait_ms > 60000 ? 60000 : (int)wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if (watched[1].revents) { /* the tool ended: what it left behind goes too */
      kill(-child, SIGKILL);
      watched[1].fd = -1;
    }
    if (watched[0].revents && !capture_read(output, output_fd)) watched[0].fd = -1;
  }
  kill(-child, SIGKILL);
  while (wait4(child, wait_status, 0, usage) < 0 && errno == EINTR) {
  }
  return timed_out;
}

static void format_size(uint64_t bytes, char *out, size_t out_size) {
  if (bytes >= ((uint64_t)1 << 30) && bytes % ((uint64_t)1 << 30) == 0)
    snprintf(out, out_size, "%llu GiB", (unsigned long long)(bytes >> 30));
  else if (bytes >= ((uint64_t)1 << 20) && bytes % ((uint64_t)1 << 20) == 0)
    snprintf(out, out_size, "%llu MiB", (unsigned long long)(bytes >> 20));
  else
    snprintf(out, out_size, "%llu bytes", (unsigned long long)bytes);
}

static bool mentions(const char *text, const char *const phrases[], size_t count) {
  for (size_t i = 0; i < count; i++)
    if (strstr(text, phrases[i])) return true;
  return false;
}

/* A tool that failed because a limit stopped it says so in its own words
 * (cc1 "out of memory allocating", wasm2c "std::bad_alloc", the compiler
 * driver naming the signal that ended cc1); a limit is named from them. */
static bool describe_limit(int wait_status, const struct rusage *usage, const char *text,
                           const char *what, const compile_limits *limits, char *out,
                           size_t out_size) {
  static const char *const memory_phrases[] = {"out of memory", "Out of memory", "memory exhausted",
                                               "Cannot allocate memory", "cannot allocate",
                                               "bad_alloc", "virtual memory exhausted"};
  static const char *const cpu_phrases[] = {"CPU time limit exceeded"};
  static const char *const file_phrases[] = {"File size limit exceeded", "File too large"};
  int signal_number = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
  /* The tool itself may have run into the hard limit (SIGKILL): a PID
   * namespace's init ignores SIGXCPU. */
  uint64_t cpu_ns = ((uint64_t)usage->ru_utime.tv_sec + (uint64_t)usage->ru_stime.tv_sec) *
                        1000000000u +
                    ((uint64_t)usage->ru_utime.tv_usec + (uint64_t)usage->ru_stime.tv_usec) * 1000u;
  bool out_of_cpu = signal_number == SIGXCPU ||
                    (signal_number == SIGKILL && cpu_ns >= limits->cpu_ns);
  char amount[32];
  if (out_of_cpu || mentions(text, cpu_phrases, 1)) {
    snprintf(out, out_size, "%s used more than the %g s CPU time limit", what,
             (double)limits->cpu_ns / 1e9);
  } else if (signal_number == SIGXFSZ || mentions(text, file_phrases, 2)) {
    format_size(limits->file_bytes, amount, sizeof amount);
    snprintf(out, out_size, "%s wrote a file larger than the %s limit", what, amount);
  } else if (mentions(text, memory_phrases, sizeof memory_phrases / sizeof memory_phrases[0])) {
    format_size(limits->memory_bytes, amount, sizeof amount);
    snprintf(out, out_size, "%s needed more than %s of memory (the compile memory limit)", what,
             amount);
  } else {
    return false;
  }
  return true;
}

/* RLIMIT_NPROC counts every task of the user: the tool may add this many
 * to what the machine runs now. */
static rlim_t process_limit(uint32_t processes) {
  unsigned long running = 0, total = 0;
  FILE *load = fopen("/proc/loadavg", "re");
  if (load) {
    if (fscanf(load, "%*s %*s %*s %lu/%lu", &running, &total) != 2) total = 0;
    fclose(load);
  }
  return (rlim_t)total + processes;
}

static void build_environment(const char *directory, char *path, size_t path_size, char *tmpdir,
                              char *home, size_t directory_size, char *environment[5]) {
  const char *search = getenv("PATH");
  snprintf(path, path_size, "PATH=%s", search && *search ? search : "/usr/local/bin:/usr/bin:/bin");
  size_t count = 0;
  environment[count++] = path;
  environment[count++] = "LC_ALL=C";
  if (directory) {
    snprintf(tmpdir, directory_size, "TMPDIR=%s", directory);
    snprintf(home, directory_size, "HOME=%s", directory);
    environment[count++] = tmpdir;
    environment[count++] = home;
  }
  environment[count] = NULL;
}

static minos_status start_child(child_plan *plan, pid_t *child, int *pidfd, char *error,
                                size_t error_size) {
  void *stack = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    snprintf(error, error_size, "cannot start the compile sandbox: %s", strerror(errno));
    return MINOS_ENOMEM;
  }
  /* No signal handler of the runtime may run on the child's stack. */
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  /* In a PID namespace of its own where we may make one (root), the tool
   * is its init: when it ends, however it ends (the runtime's own death
   * included, through PR_SET_PDEATHSIG), the kernel ends everything it
   * started. Elsewhere, killing its process group does. */
  int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD;
  *pidfd = -1;
  *child = clone(child_main, (char *)stack + CHILD_STACK_BYTES, flags | CLONE_NEWPID, plan, pidfd);
  if (*child < 0 && (errno == EPERM || errno == EINVAL))
    *child = clone(child_main, (char *)stack + CHILD_STACK_BYTES, flags, plan, pidfd);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  munmap(stack, CHILD_STACK_BYTES);
  if (*child < 0) {
    snprintf(error, error_size, "cannot start the compile sandbox: %s", strerror(clone_errno));
    return MINOS_ETOOLCHAIN;
  }
  return MINOS_OK;
}

static minos_status prepare(const char *directory, const compile_limits **limits,
                            uint64_t *deadline, char *error, size_t error_size) {
  if (!session.active) {
    compile_limits own;
    minos_status status = compile_limits_from_environment(&own, error, error_size);
    if (status != MINOS_OK) return status;
    bool same_build = directory && strcmp(directory, session.directory) == 0;
    if (!same_build) session.deadline = deadline_after(own.timeout_ns);
    session.limits = own;
    snprintf(session.directory, sizeof session.directory, "%s", directory ? directory : "");
  }
  *limits = &session.limits;
  *deadline = session.deadline;
  pthread_once(&seccomp_once, build_seccomp_program);
  if (!seccomp_program.filter) {
    snprintf(error, error_size, "cannot build the compile sandbox's seccomp filter");
    return MINOS_ETOOLCHAIN;
  }
  return MINOS_OK;
}

static void fill_plan(child_plan *plan, const compile_limits *limits, uint64_t deadline) {
  uint64_t now = monotonic_ns();
  /* A second past the deadline at most: where the wall time is the
   * tighter limit, it is the one that stops the tool (and is named). */
  uint64_t left = (deadline > now ? deadline - now : 0) + 1000000000u;
  uint64_t cpu = limits->cpu_ns < left ? limits->cpu_ns : left;
  rlim_t seconds = (rlim_t)((cpu + 999999999) / 1000000000);
  if (seconds == 0) seconds = 1;
  plan->drop_capabilities = geteuid() == 0;
  plan->memory = (struct rlimit){limits->memory_bytes, limits->memory_bytes};
  plan->cpu = (struct rlimit){seconds, seconds + 1};
  plan->file_size = (struct rlimit){limits->file_bytes, limits->file_bytes};
  rlim_t processes = process_limit(limits->processes);
  plan->processes = (struct rlimit){processes, processes};
}

static minos_status judge(const child_plan *plan, bool timed_out, int wait_status,
                          const struct rusage *usage, const compile_limits *limits,
                          const char *what, capture *output, sandbox_result *result) {
  char sentence[300];
  result->exit_status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  if (timed_out) {
    snprintf(sentence, sizeof sentence, "compiling took longer than the %g s limit (%s was stopped)",
             (double)limits->timeout_ns / 1e9, what);
  } else if (plan->failed_step) {
    snprintf(sentence, sizeof sentence, "cannot start %s in the compile sandbox (%s: %s)", what,
             plan->failed_step, strerror(plan->failed_errno));
  } else if (wait_status == 0 ||
             !describe_limit(wait_status, usage, output->text, what, limits, sentence,
                             sizeof sentence)) {
    return MINOS_OK;
  }
  snprintf(output->text, output->size, "%s", sentence);
  return timed_out || !plan->failed_step ? MINOS_ELIMIT : MINOS_ETOOLCHAIN;
}

minos_status sandbox_run(const char *const argv[], const char *directory, const char *what,
                         sandbox_result *result, char *output, size_t output_size) {
  const compile_limits *limits;
  uint64_t deadline;
  result->exit_status = -1;
  if (output_size) output[0] = '\0';
  session.limit_sentence[0] = '\0';
  minos_status status = prepare(directory, &limits, &deadline, output, output_size);
  if (status != MINOS_OK) return status;
  int ruleset = make_ruleset(directory, output, output_size);
  if (ruleset == -1) return MINOS_ETOOLCHAIN;
  int pipe_fds[2] = {-1, -1};
  int input_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (input_fd < 0 || pipe2(pipe_fds, O_CLOEXEC) != 0) {
    snprintf(output, output_size, "cannot start %s: %s", what, strerror(errno));
    if (input_fd >= 0) close(input_fd);
    if (ruleset >= 0) close(ruleset);
    return MINOS_EIO;
  }
  char path[4096], tmpdir[4200], home[4200];
  char *environment[5];
  build_environment(directory, path, sizeof path, tmpdir, home, sizeof tmpdir, environment);
  child_plan plan = {.argv = argv, .environment = environment, .directory = directory,
                     .input_fd = input_fd, .output_fd = pipe_fds[1], .ruleset = ruleset};
  fill_plan(&plan, limits, deadline);
  pid_t child;
  int pidfd;
  status = start_child(&plan, &child, &pidfd, output, output_size);
  close(input_fd);
  close(pipe_fds[1]);
  if (ruleset >= 0) close(ruleset);
  if (status != MINOS_OK) {
    close(pipe_fds[0]);
    return status;
  }
  capture captured = {output, output_size, 0};
  int wait_status = 0;
  struct rusage usage = {0};
  bool timed_out = supervise(child, pidfd, pipe_fds[0], deadline, &captured, &wait_status, &usage);
  close(pipe_fds[0]);
  close(pidfd);
  status = judge(&plan, timed_out, wait_status, &usage, limits, what, &captured, result);
  if (status == MINOS_ELIMIT)
    snprintf(session.limit_sentence, sizeof session.limit_sentence, "%s", output);
  return status;
}
