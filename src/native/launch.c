/* Starting a native program sealed: see launch.h.
 *
 * The file system is built as bubblewrap builds it: in the new mount
 * namespace, a tmpfs over /tmp becomes the root (the old one under
 * /oldroot), a second tmpfs at /newroot receives the program's files by
 * bind mounts from /oldroot, the old root is detached and /newroot
 * becomes the root. Everything the child does there is a plan of steps
 * with their paths, made here before the fork. */
#include "native/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fd_message.h"
#include "native/elf.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp_program.h"

#define MAX_STEPS 2048
#define PATH_BYTES 4096

/* ---- the seccomp filter ---------------------------------------------- */

/* What ordinary programs never need and an escape would: other
 * processes, mounts and namespaces, the kernel's wider surfaces. */
static const char *const denied_calls[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "bpf", "perf_event_open",
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl",
    "add_key", "request_key", "mount", "umount2", "pivot_root", "chroot", "setns", "unshare",
    "fsopen", "fsmount", "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr",
    "open_by_handle_at", "name_to_handle_at", "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "syslog",
    "quotactl", "fanotify_init", "iopl", "ioperm", "settimeofday", "clock_settime",
    "adjtimex", "lookup_dcookie", "vhangup", "nfsservctl"};

/* The n-th argument's comparison (SCMP_An, spelt out: its partial
 * initialiser is a warning under clang). */
static struct scmp_arg_cmp argument(unsigned n, enum scmp_compare op, uint64_t a, uint64_t b) {
  return (struct scmp_arg_cmp){.arg = n, .op = op, .datum_a = a, .datum_b = b};
}

/* A refused call is not executed: it waits for the runtime (SCMP_ACT_NOTIFY),
 * which learns its name and kills the cell (broker.h); only a call from
 * another architecture, which cannot be told to the runtime, kills the
 * process at once (SIGSYS). connect and bind go to the runtime too, which
 * makes the connection itself from its own copy of the address. */
static int add_rules(scmp_filter_ctx filter) {
  size_t count = sizeof denied_calls / sizeof denied_calls[0];
  int failed = seccomp_program_deny(filter, denied_calls, count, SCMP_ACT_NOTIFY);
  /* personality: the runtime lets PER_LINUX and the query through (a
   * filter cannot test one argument twice). */
  failed |= seccomp_rule_add(filter, SCMP_ACT_NOTIFY, SCMP_SYS(personality), 0);
  failed |= seccomp_program_deny_namespaces(filter, SCMP_ACT_NOTIFY);
  failed |= seccomp_rule_add(filter, SCMP_ACT_NOTIFY, SCMP_SYS(connect), 0);
  failed |= seccomp_rule_add(filter, SCMP_ACT_NOTIFY, SCMP_SYS(bind), 0);
  /* TCP Fast Open connects from sendto and sendmsg, which the runtime does
   * not see: refused, so that a connection is only ever made by connect. */
  failed |= seccomp_rule_add(filter, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(sendto), 1,
                             argument(3, SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
  failed |= seccomp_rule_add(filter, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(sendmsg), 1,
                             argument(2, SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
  failed |= seccomp_rule_add(filter, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(sendmmsg), 1,
                             argument(3, SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
  return failed;
}

static struct sock_fprog filter;
static pthread_once_t filter_once = PTHREAD_ONCE_INIT;

static void build_filter(void) { seccomp_program_build(add_rules, &filter); }

/* Built once: libseccomp takes longer to build it than the kernel takes
 * to start a process. */
static const struct sock_fprog *the_filter(void) {
  pthread_once(&filter_once, build_filter);
  return filter.filter ? &filter : NULL;
}

/* ---- the plan -------------------------------------------------------- */

typedef enum step_kind { STEP_DIRECTORY, STEP_FILE, STEP_BIND } step_kind;

typedef struct step {
  step_kind kind;
  char *source; /* STEP_BIND: under /oldroot */
  char *target; /* under /newroot */
  bool read_only, is_directory;
} step;

typedef struct plan {
  step steps[MAX_STEPS];
  size_t count;
  const struct sock_fprog *filter; /* the same for every cell */
  int ruleset; /* Landlock, -1 where the kernel has none */
  char *program; /* the path inside: the host's real path */
  struct rlimit limits[5];
  int limit_kinds[5];
  size_t limit_count;
} plan;

static void free_plan(plan *made) {
  for (size_t i = 0; i < made->count; i++) {
    free(made->steps[i].source);
    free(made->steps[i].target);
  }
  free(made->program);
  if (made->ruleset >= 0) close(made->ruleset);
  free(made);
}

static bool add_step(plan *made, step_kind kind, const char *source, const char *target,
                     bool read_only, bool is_directory) {
  if (made->count == MAX_STEPS) return false;
  char buffer[PATH_BYTES];
  step *added = &made->steps[made->count];
  *added = (step){.kind = kind, .read_only = read_only, .is_directory = is_directory};
  if (source) {
    snprintf(buffer, sizeof buffer, "/oldroot%s", source);
    if (!(added->source = strdup(buffer))) return false;
  }
  snprintf(buffer, sizeof buffer, "/newroot%s", target);
  if (!(added->target = strdup(buffer))) return false;
  made->count++;
  return true;
}

static bool planned(const plan *made, const char *target) {
  char buffer[PATH_BYTES];
  snprintf(buffer, sizeof buffer, "/newroot%s", target);
  for (size_t i = 0; i < made->count; i++)
    if (strcmp(made->steps[i].target, buffer) == 0) return true;
  return false;
}

/* Every directory above `path` (absolute, normalised), once each. */
static bool add_parents(plan *made, const char *path) {
  char prefix[PATH_BYTES];
  for (const char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
    size_t length = (size_t)(slash - path);
    if (length >= sizeof prefix) return false;
    memcpy(prefix, path, length);
    prefix[length] = '\0';
    if (!planned(made, prefix) && !add_step(made, STEP_DIRECTORY, NULL, prefix, false, true))
      return false;
  }
  return true;
}

/* The host file or directory at `source`, seen at `target` inside; false
 * if it does not exist or the plan is full. */
static bool add_bind(plan *made, const char *source, const char *target, bool read_only) {
  struct stat info;
  if (planned(made, target)) return true;
  /* Its real path: the child binds it from /oldroot, where an absolute
   * link on the way (/lib64/ld-linux-x86-64.so.2 is one) would lead to
   * the new root instead. */
  char *real = realpath(source, NULL);
  bool added = real && stat(real, &info) == 0;
  bool directory = added && S_ISDIR(info.st_mode);
  added = added && add_parents(made, target) &&
          add_step(made, directory ? STEP_DIRECTORY : STEP_FILE, NULL, target, false, directory) &&
          add_step(made, STEP_BIND, real, target, read_only, directory);
  free(real);
  return added;
}

static bool add_program_files(plan *made, const char *program, char *error, size_t error_size,
                              minos_status *status) {
  elf_closure closure;
  *status = elf_load_closure(program, &closure, error, error_size);
  if (*status != MINOS_OK) return false;
  bool added = add_bind(made, program, program, true);
  for (size_t i = 0; added && i < closure.count; i++)
    added = add_bind(made, closure.files[i], closure.files[i], true);
  /* Where the dynamic loader finds libraries outside its default
   * directories; it names installed libraries, nothing more. */
  struct stat cache;
  if (added && closure.count && stat("/etc/ld.so.cache", &cache) == 0)
    added = add_bind(made, "/etc/ld.so.cache", "/etc/ld.so.cache", true);
  elf_closure_free(&closure);
  if (!added) snprintf(error, error_size, "cannot give the program its files (too many?)");
  return added;
}

static bool add_devices(plan *made, bool random) {
  bool added = add_bind(made, "/dev/null", "/dev/null", false) &&
               add_bind(made, "/dev/zero", "/dev/zero", false);
  if (added && random) added = add_bind(made, "/dev/urandom", "/dev/urandom", false);
  return added && add_step(made, STEP_DIRECTORY, NULL, "/proc", false, true);
}

static bool add_grants(plan *made, const native_launch *launch, char *error, size_t error_size) {
  for (size_t i = 0; i < launch->grant_count; i++) {
    const cell_grant *grant = &launch->grants[i];
    const char *guest = grant->guest_path ? grant->guest_path : grant->host_path;
    char *host = realpath(grant->host_path, NULL);
    struct stat info;
    bool fine = host && guest[0] == '/' && !strstr(guest, "/..") && stat(host, &info) == 0 &&
                S_ISDIR(info.st_mode) && add_bind(made, host, guest, grant->read_only);
    if (!fine)
      snprintf(error, error_size, "cannot grant directory %s as %s", grant->host_path, guest);
    free(host);
    if (!fine) return false;
  }
  return true;
}

/* Landlock, the second wall: the same view as the mount namespace gives,
 * by file rather than by name. Each bound file or directory gets what its
 * binding allows (the program, its libraries and the loader's cache:
 * read and run; devices: read and write; grants: read, or everything
 * beneath a read-write one); the child adds its new root's directories
 * (listing only) and /proc (reading), which exist only there. */
static uint64_t rights_of(const step *bound) {
  uint64_t read = landlock_read_rights() | LANDLOCK_ACCESS_FS_EXECUTE;
  if (bound->is_directory)
    return bound->read_only ? read : read | landlock_directory_write_rights();
  return bound->read_only ? read : LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE;
}

static bool make_ruleset(plan *made, char *error, size_t error_size) {
  made->ruleset = -1;
  made->ruleset = landlock_ruleset_new(landlock_all_fs_rights());
  for (size_t i = 0; made->ruleset >= 0 && i < made->count; i++) {
    const step *bound = &made->steps[i];
    if (bound->kind != STEP_BIND) continue;
    /* The host path: the source without its /oldroot. */
    if (landlock_allow_path(made->ruleset, bound->source + strlen("/oldroot"),
                            rights_of(bound)) != 0) {
      snprintf(error, error_size, "cannot make the Landlock rule for %s: %s",
               bound->source + strlen("/oldroot"), strerror(errno));
      return false;
    }
  }
  if (made->ruleset < 0)
    snprintf(error, error_size, "cannot make a Landlock ruleset: %s", strerror(errno));
  return made->ruleset >= 0;
}

static void add_limit(plan *made, int kind, uint64_t soft, uint64_t hard) {
  made->limit_kinds[made->limit_count] = kind;
  made->limits[made->limit_count++] = (struct rlimit){soft, hard};
}

static void add_limits(plan *made, const native_launch *launch) {
  uint64_t processes = launch->processes ? launch->processes : 64;
  uint64_t descriptors = launch->descriptors ? launch->descriptors : 256;
  if (launch->memory_bytes) add_limit(made, RLIMIT_AS, launch->memory_bytes, launch->memory_bytes);
  /* SIGXCPU at the limit, which the runtime reports as "cpu limit";
   * SIGKILL a second later for a program that catches it. */
  if (launch->cpu_seconds) add_limit(made, RLIMIT_CPU, launch->cpu_seconds, launch->cpu_seconds + 1);
  if (launch->file_bytes) add_limit(made, RLIMIT_FSIZE, launch->file_bytes, launch->file_bytes);
  add_limit(made, RLIMIT_NPROC, processes, processes);
  add_limit(made, RLIMIT_NOFILE, descriptors, descriptors);
}

/* A kernel without a layer runs no native program: never one with fewer
 * walls than the documented ones. (User namespaces are tried at the
 * clone, which says so.) */
static bool kernel_has_every_wall(char *error, size_t error_size) {
  struct seccomp_notif_sizes sizes;
  if (!landlock_abi()) {
    snprintf(error, error_size,
             "native cells need Landlock (Linux 5.13 or later, with landlock among the kernel's "
             "security modules), which this kernel does not have");
    return false;
  }
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    snprintf(error, error_size,
             "native cells need seccomp user notification (Linux 5.9 or later), which this "
             "kernel does not have: %s",
             strerror(errno));
    return false;
  }
  return true;
}

static plan *make_plan(const native_launch *launch, char *error, size_t error_size,
                       minos_status *status) {
  plan *made = calloc(1, sizeof *made);
  *status = MINOS_ENOMEM;
  if (!made) return NULL;
  made->ruleset = -1;
  made->program = realpath(launch->program, NULL);
  if (!made->program) {
    snprintf(error, error_size, "cannot read %s: %s", launch->program, strerror(errno));
    *status = MINOS_EIO;
  } else if (add_program_files(made, made->program, error, error_size, status)) {
    *status = MINOS_EIO;
    if (!add_devices(made, launch->random)) snprintf(error, error_size, "cannot plan /dev");
    else if (add_grants(made, launch, error, error_size)) *status = MINOS_OK;
    else *status = MINOS_EUSAGE;
  }
  if (*status == MINOS_OK && !(made->filter = the_filter())) {
    snprintf(error, error_size, "cannot build the seccomp filter");
    *status = MINOS_EIO;
  }
  if (*status == MINOS_OK && !kernel_has_every_wall(error, error_size)) *status = MINOS_EUSAGE;
  if (*status == MINOS_OK && !make_ruleset(made, error, error_size)) *status = MINOS_EIO;
  if (*status != MINOS_OK) {
    free_plan(made);
    return NULL;
  }
  add_limits(made, launch);
  return made;
}

/* ---- the child, between fork and exec: system calls only ------------- */

typedef enum child_step {
  CHILD_WAIT, CHILD_IDS, CHILD_PRIVATE, CHILD_TMPFS, CHILD_PIVOT, CHILD_NEWROOT, CHILD_MKDIR,
  CHILD_FILE, CHILD_BIND, CHILD_READ_ONLY, CHILD_PROC, CHILD_DETACH, CHILD_ROOT_READ_ONLY,
  CHILD_LIMITS, CHILD_STDIO, CHILD_NO_NEW_PRIVS, CHILD_LANDLOCK, CHILD_SECCOMP, CHILD_LISTENER,
  CHILD_FORK, CHILD_EXEC,
  /* Not failures: */
  CHILD_LISTENING, /* the message carries the filter's listener */
  CHILD_STARTED,   /* the program runs */
  CHILD_ENDED,     /* it ended: its wait status and CPU time */
} child_step;

static const char *const child_step_names[] = {
    "waiting for its user namespace", "taking its ids", "making mounts private", "mounting a tmpfs",
    "pivoting into it", "mounting the new root", "making a directory", "making a file",
    "binding a file or directory", "making a binding read-only", "mounting /proc",
    "detaching the host's root", "making the root read-only", "setting resource limits",
    "setting up stdio", "setting no_new_privs", "enforcing the Landlock rules",
    "installing the seccomp filter", "handing over the seccomp listener",
    "starting the program's process", "executing the program"};

typedef struct child_report {
  int step, error;
  int status;      /* CHILD_ENDED: as wait4 says */
  uint64_t cpu_ns; /* CHILD_ENDED: user and system time */
} child_report;

static void tell(int report_fd, const child_report *report) {
  if (send(report_fd, report, sizeof *report, MSG_NOSIGNAL) < 0) { /* the runtime sees EOF */ }
}

static _Noreturn void child_fail(int report_fd, child_step failed) {
  tell(report_fd, &(child_report){.step = (int)failed, .error = errno});
  _exit(127);
}

/* Flags a bind's remount must keep: in a user namespace the kernel
 * refuses to clear those the original mount has (locked). */
static unsigned long kept_flags(const char *path) {
  struct statfs info;
  unsigned long flags = 0;
  if (statfs(path, &info) != 0) return 0;
  if (info.f_flags & ST_NOSUID) flags |= MS_NOSUID;
  if (info.f_flags & ST_NODEV) flags |= MS_NODEV;
  if (info.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
  if (info.f_flags & ST_NOATIME) flags |= MS_NOATIME;
  if (info.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (info.f_flags & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

static void run_step(const step *each, int report_fd) {
  if (each->kind == STEP_DIRECTORY) {
    if (mkdir(each->target, 0755) != 0 && errno != EEXIST) child_fail(report_fd, CHILD_MKDIR);
  } else if (each->kind == STEP_FILE) {
    int fd = open(each->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) child_fail(report_fd, CHILD_FILE);
    close(fd);
  } else {
    if (mount(each->source, each->target, NULL, MS_BIND | MS_REC, NULL) != 0)
      child_fail(report_fd, CHILD_BIND);
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | kept_flags(each->target);
    if (each->read_only) flags |= MS_RDONLY;
    if (mount(NULL, each->target, NULL, flags, NULL) != 0)
      child_fail(report_fd, CHILD_READ_ONLY);
  }
}

static void build_root(const plan *made, int report_fd) {
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    child_fail(report_fd, CHILD_PRIVATE);
  if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") != 0)
    child_fail(report_fd, CHILD_TMPFS);
  if (chdir("/tmp") != 0 || mkdir("newroot", 0755) != 0 || mkdir("oldroot", 0755) != 0 ||
      syscall(SYS_pivot_root, ".", "oldroot") != 0 || chdir("/") != 0)
    child_fail(report_fd, CHILD_PIVOT);
  if (mount("tmpfs", "/newroot", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") != 0)
    child_fail(report_fd, CHILD_NEWROOT);
  for (size_t i = 0; i < made->count; i++) run_step(&made->steps[i], report_fd);
  if (mount("proc", "/newroot/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
    child_fail(report_fd, CHILD_PROC);
  if (umount2("/oldroot", MNT_DETACH) != 0 || chdir("/newroot") != 0 ||
      syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
    child_fail(report_fd, CHILD_DETACH);
  if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
    child_fail(report_fd, CHILD_ROOT_READ_ONLY);
}

/* Above every number the program's descriptors will have. */
static int parking(const native_launch *launch) {
  int above = launch->first_extra + (int)launch->extra_count;
  return above > 3 ? above : 3;
}

/* Every descriptor the program gets is first copied out of the way (to
 * parking or above), then into its place: no placing overwrites a
 * descriptor not yet placed (the caller parked report_fd too). */
static void set_stdio(const native_launch *launch, int report_fd) {
  const int base = parking(launch);
  int parked[3];
  for (int slot = 0; slot < 3; slot++) {
    int fd = launch->stdio[slot] >= 0 ? launch->stdio[slot]
                                      : open("/dev/null", (slot ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    parked[slot] = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, base);
    if (parked[slot] < 0) child_fail(report_fd, CHILD_STDIO);
  }
  int extra_parked[64];
  if (launch->extra_count > 64) child_fail(report_fd, CHILD_STDIO);
  for (size_t i = 0; i < launch->extra_count; i++)
    if ((extra_parked[i] = fcntl(launch->extra[i], F_DUPFD_CLOEXEC, base)) < 0)
      child_fail(report_fd, CHILD_STDIO);
  for (int slot = 0; slot < 3; slot++)
    if (dup2(parked[slot], slot) != slot) child_fail(report_fd, CHILD_STDIO);
  for (size_t i = 0; i < launch->extra_count; i++) {
    int number = launch->first_extra + (int)i;
    if (dup2(extra_parked[i], number) != number) child_fail(report_fd, CHILD_STDIO);
  }
}

/* The directories of the new root (listing) and /proc (reading), which
 * only the child has, then the rules. */
static void enforce_landlock(int ruleset, int report_fd) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0 || proc < 0 ||
      landlock_allow_fd(ruleset, root, LANDLOCK_ACCESS_FS_READ_DIR, true) != 0 ||
      landlock_allow_fd(ruleset, proc, landlock_read_rights(), true) != 0 ||
      landlock_enforce(ruleset) != 0)
    child_fail(report_fd, CHILD_LANDLOCK);
  close(root);
  close(proc);
}

static void reset_signals(void) {
  struct sigaction default_action = {.sa_handler = SIG_DFL};
  for (int number = 1; number < NSIG; number++)
    if (number != SIGKILL && number != SIGSTOP) sigaction(number, &default_action, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- PID 1: the sandbox's init --------------------------------------- */

/* What the program's process, sharing the init's memory until its exec
 * (vfork), says if it could not get there. */
static volatile child_step program_failed;
static volatile int program_error;
/* Where the init forwards the signals the runtime sends it. */
static volatile pid_t program_pid;

static _Noreturn void exec_program(const native_launch *launch, const plan *made) {
  /* Last: the runtime's descriptors are still open here (closed at the
   * exec), and a lower descriptor limit would refuse the opens above. */
  for (size_t i = 0; i < made->limit_count; i++)
    if (setrlimit(made->limit_kinds[i], &made->limits[i]) != 0) {
      program_error = errno;
      program_failed = CHILD_LIMITS;
      _exit(127);
    }
  /* Nothing of the runtime's reaches the program: no signal it blocks or
   * ignores (SIGXCPU must end a program at its CPU limit, SIGPIPE a
   * writer whose reader went), and only its stdio and its extra
   * descriptors stay open across the exec. */
  reset_signals();
  if (launch->first_extra > 3)
    syscall(SYS_close_range, 3, (unsigned)launch->first_extra - 1, CLOSE_RANGE_CLOEXEC);
  syscall(SYS_close_range, (unsigned)parking(launch), ~0u, CLOSE_RANGE_CLOEXEC);
  execve(made->program, (char *const *)launch->argv, (char *const *)launch->envp);
  program_error = errno;
  program_failed = CHILD_EXEC;
  _exit(127);
}

static void forward_signal(int number) {
  if (program_pid > 0) kill(program_pid, number);
}

/* A number from /proc/self/stat's fields after the command's name. */
static unsigned long stat_field(const char *after_name, int field) {
  const char *at = after_name;
  for (int each = 3; each < field && *at; at++)
    if (*at == ' ') each++;
  unsigned long value = 0;
  while (*at >= '0' && *at <= '9') value = value * 10 + (unsigned long)(*at++ - '0');
  return value;
}

/* The init is a copy of the runtime: its command line (the host's paths)
 * is not the program's to read. Its memory and environment are not
 * either: the init is not dumpable. */
static void hide_runtime(void) {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  char stat[1024];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ssize_t got = fd >= 0 ? read(fd, stat, sizeof stat - 1) : -1;
  if (fd >= 0) close(fd);
  if (got <= 0) return;
  stat[got] = '\0';
  const char *after_name = strrchr(stat, ')');
  if (!after_name) return;
  for (int field = 48; field <= 50; field += 2) { /* arguments, environment */
    char *start = (char *)stat_field(after_name + 2, field);
    char *end = (char *)stat_field(after_name + 2, field + 1);
    if (start && end > start) memset(start, 0, (size_t)(end - start));
    if (field == 48 && start && end - start > 10) memcpy(start, "minos-init", 10);
  }
}

/* Waits for the program, reaping what it leaves behind, and tells the
 * runtime how it ended; its own end then ends every process left. */
static _Noreturn void wait_for_program(pid_t program, int report_fd) {
  for (;;) {
    int status;
    struct rusage usage;
    pid_t ended = wait4(-1, &status, 0, &usage);
    if (ended < 0 && errno == EINTR) continue;
    if (ended < 0) _exit(127);
    if (ended != program) continue;
    uint64_t cpu_ns = ((uint64_t)usage.ru_utime.tv_sec + (uint64_t)usage.ru_stime.tv_sec) *
                          1000000000u +
                      ((uint64_t)usage.ru_utime.tv_usec + (uint64_t)usage.ru_stime.tv_usec) * 1000u;
    tell(report_fd, &(child_report){.step = CHILD_ENDED, .status = status, .cpu_ns = cpu_ns});
    _exit(0);
  }
}

/* PID 1 of the cell's namespace is this small init, not the program: the
 * kernel ignores a namespace's init's signals that it has no handler for
 * (even SIGXCPU at its CPU limit, or its own abort's), and orphans
 * would stay zombies. It starts the program, forwards the signals the
 * runtime sends, and says how the program ended. */
static _Noreturn void run_init(const native_launch *launch, const plan *made, int report_fd) {
  struct sigaction forwarding = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
  static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaction(forwarded[i], &forwarding, NULL);
  hide_runtime(); /* before the program can look */
  pid_t program = vfork();
  if (program == 0) exec_program(launch, made);
  if (program < 0) child_fail(report_fd, CHILD_FORK);
  if (program_failed) {
    errno = program_error;
    child_fail(report_fd, program_failed);
  }
  program_pid = program;
  syscall(SYS_close_range, 0u, (unsigned)report_fd - 1, 0);
  syscall(SYS_close_range, (unsigned)report_fd + 1, ~0u, 0);
  tell(report_fd, &(child_report){.step = CHILD_STARTED});
  wait_for_program(program, report_fd);
}

/* The filter's listener goes to the runtime, which answers the calls
 * the filter sends it (none of them made from here to the exec). */
static bool send_listener(int report_fd, int listener) {
  child_report report = {.step = CHILD_LISTENING};
  return fd_message_send(report_fd, &report, sizeof report, listener, 0) == (ssize_t)sizeof report;
}

static _Noreturn void child_main(const native_launch *launch, const plan *made, int go_fd,
                                 int report_fd) {
  char go;
  if (read(go_fd, &go, 1) != 1) child_fail(report_fd, CHILD_WAIT);
  close(go_fd);
  int parked_report = fcntl(report_fd, F_DUPFD_CLOEXEC, parking(launch));
  if (parked_report < 0) child_fail(report_fd, CHILD_STDIO);
  report_fd = parked_report;
  /* Its ids inside: the only mapped ones (the runtime's own, or nobody's
   * when the runtime is root). It keeps its capabilities in its namespace
   * until its exec, for the mounts. Raw system calls: glibc's setresuid
   * would make every thread of the runtime change ids too, threads this
   * forked copy does not have, and wait for them (on locks another
   * thread may have held at the fork). */
  if (syscall(SYS_setresgid, NATIVE_INSIDE_ID, NATIVE_INSIDE_ID, NATIVE_INSIDE_ID) != 0 ||
      syscall(SYS_setresuid, NATIVE_INSIDE_ID, NATIVE_INSIDE_ID, NATIVE_INSIDE_ID) != 0)
    child_fail(report_fd, CHILD_IDS);
  /* The child's own stdio must be in place before the root changes:
   * opening /dev/null needs the host's. */
  set_stdio(launch, report_fd);
  build_root(made, report_fd);
  sethostname("minos", 5);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(report_fd, CHILD_NO_NEW_PRIVS);
  if (made->ruleset >= 0) enforce_landlock(made->ruleset, report_fd);
  int listener = seccomp_program_install_listener(made->filter);
  if (listener < 0) child_fail(report_fd, CHILD_SECCOMP);
  if (!send_listener(report_fd, listener)) child_fail(report_fd, CHILD_LISTENER);
  close(listener);
  run_init(launch, made, report_fd);
}

/* ---- the parent ------------------------------------------------------ */

static bool write_file(pid_t pid, const char *name, const char *text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  bool written = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  if (fd >= 0) close(fd);
  return written;
}

/* uid and gid NATIVE_INSIDE_ID inside are the runtime's own outside, or,
 * when the runtime runs as root, nobody's: a program must never be root
 * on the host's files, and root's processes escape RLIMIT_NPROC, which is
 * what ends a fork bomb in the cell. */
static bool map_ids(pid_t pid) {
  bool root = geteuid() == 0;
  char map[64];
  snprintf(map, sizeof map, "%d %d 1\n", NATIVE_INSIDE_ID,
           root ? NATIVE_NOBODY_ID : (int)geteuid());
  if (!write_file(pid, "uid_map", map) || !write_file(pid, "setgroups", "deny")) return false;
  snprintf(map, sizeof map, "%d %d 1\n", NATIVE_INSIDE_ID,
           root ? NATIVE_NOBODY_ID : (int)getegid());
  return write_file(pid, "gid_map", map);
}

static pid_t clone_child(int *pidfd) {
  struct clone_args arguments = {
      .flags = CLONE_PIDFD | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
               CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP,
      .pidfd = (uint64_t)(uintptr_t)pidfd,
      .exit_signal = SIGCHLD,
  };
  return (pid_t)syscall(SYS_clone3, &arguments, sizeof arguments);
}

/* A sandbox takes milliseconds to build; one that takes this long is
 * stuck, and is killed rather than waited for. */
#define START_TIMEOUT_MS 30000

/* One message from the child (a report, with the listener's descriptor
 * in *listener if it carries one): its size, 0 at EOF (it exec'd), or -1
 * if nothing came within the start timeout. */
static ssize_t receive_report(int report_fd, child_report *report, int *listener) {
  struct pollfd waiting = {.fd = report_fd, .events = POLLIN};
  int ready;
  do ready = poll(&waiting, 1, START_TIMEOUT_MS);
  while (ready < 0 && errno == EINTR);
  if (ready <= 0) return -1;
  int fd;
  ssize_t got = fd_message_receive(report_fd, report, sizeof *report, &fd, 0);
  if (fd >= 0) {
    if (*listener >= 0) close(*listener);
    *listener = fd;
  }
  return got < 0 ? 0 : got;
}

/* What the sandbox said before its program's first instruction: its
 * filter's listener, then that the program runs, or the step that
 * failed. */
static minos_status hear_child(int report_fd, pid_t pid, int *listener, char *error,
                               size_t error_size) {
  child_report report;
  ssize_t got;
  *listener = -1;
  while ((got = receive_report(report_fd, &report, listener)) == (ssize_t)sizeof report &&
         report.step == CHILD_LISTENING)
    continue;
  if (got == (ssize_t)sizeof report && report.step == CHILD_STARTED && *listener >= 0)
    return MINOS_OK;
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  if (*listener >= 0) close(*listener);
  *listener = -1;
  if (got < 0)
    snprintf(error, error_size, "the sandbox did not start its program within %d s",
             START_TIMEOUT_MS / 1000);
  else if (got != (ssize_t)sizeof report || report.step < 0 || report.step > CHILD_EXEC)
    snprintf(error, error_size, "the sandboxed process failed before its program started");
  else
    snprintf(error, error_size, "cannot start the sandboxed program: %s: %s",
             child_step_names[report.step], strerror(report.error));
  return MINOS_EIO;
}

static minos_status fork_into_sandbox(const native_launch *launch, const plan *made,
                                      native_process *started, char *error, size_t error_size) {
  int go[2], report[2];
  pid_t *pid = &started->pid;
  int *pidfd = &started->pidfd;
  if (pipe2(go, O_CLOEXEC) != 0) return MINOS_EIO;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, report) != 0) {
    close(go[0]), close(go[1]);
    return MINOS_EIO;
  }
  *pidfd = -1;
  *pid = clone_child(pidfd);
  if (*pid == 0) {
    close(go[1]);
    close(report[0]);
    child_main(launch, made, go[0], report[1]);
  }
  int clone_error = errno;
  close(go[0]);
  close(report[1]);
  minos_status status = MINOS_OK;
  if (*pid < 0) {
    snprintf(error, error_size, "native cells need user namespaces, which this kernel refuses: %s",
             strerror(clone_error));
    status = clone_error == EPERM || clone_error == ENOSPC || clone_error == EINVAL ? MINOS_EUSAGE
                                                                                    : MINOS_EIO;
  } else if (!map_ids(*pid) || write(go[1], "g", 1) != 1) {
    snprintf(error, error_size, "cannot map the sandbox's user ids: %s", strerror(errno));
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    status = MINOS_EIO;
  }
  close(go[1]);
  if (status == MINOS_OK)
    status = hear_child(report[0], *pid, &started->listener, error, error_size);
  if (status == MINOS_OK) started->ends = report[0];
  else close(report[0]);
  if (status != MINOS_OK && *pidfd >= 0) close(*pidfd);
  return status;
}

minos_status native_start(const native_launch *launch, native_process *started, char *error,
                          size_t error_size) {
  minos_status status;
  *started = (native_process){.pid = -1, .pidfd = -1, .listener = -1, .ends = -1};
  plan *made = make_plan(launch, error, error_size, &status);
  if (!made) return status;
  status = fork_into_sandbox(launch, made, started, error, error_size);
  free_plan(made);
  return status;
}

native_end native_read_end(const native_process *process, const siginfo_t *init_end) {
  child_report report;
  ssize_t got;
  do got = recv(process->ends, &report, sizeof report, MSG_DONTWAIT);
  while (got < 0 && errno == EINTR);
  if (got == (ssize_t)sizeof report && report.step == CHILD_ENDED)
    return (native_end){.signalled = WIFSIGNALED(report.status),
                        .code = WIFSIGNALED(report.status) ? WTERMSIG(report.status)
                                                           : WEXITSTATUS(report.status),
                        .cpu_ns = report.cpu_ns};
  /* The init did not say: the runtime killed it (and all with it). */
  bool signalled = init_end->si_code != CLD_EXITED;
  return (native_end){.signalled = signalled, .code = signalled ? init_end->si_status : 127};
}
