/* SPDX-License-Identifier: Apache-2.0 */
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
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

#include "core/byte_buffer.h"
#include "core/fd_message.h"
#include "native/elf.h"
#include "native/sandbox_pool.h"
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
const struct sock_fprog *native_filter(void) {
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

static bool add_program_files(plan *made, const native_launch *launch, char *error,
                              size_t error_size, minos_status *status) {
  elf_closure read, *closure = (elf_closure *)launch->closure;
  if (!closure) {
    *status = elf_load_closure(made->program, &read, error, error_size);
    if (*status != MINOS_OK) return false;
    closure = &read;
  }
  *status = MINOS_EIO;
  bool added = add_bind(made, made->program, made->program, true);
  for (size_t i = 0; added && i < closure->count; i++)
    added = add_bind(made, closure->files[i], closure->files[i], true);
  /* Where the dynamic loader finds libraries outside its default
   * directories; it names installed libraries, nothing more. */
  struct stat cache;
  if (added && closure->count && stat("/etc/ld.so.cache", &cache) == 0)
    added = add_bind(made, "/etc/ld.so.cache", "/etc/ld.so.cache", true);
  if (closure == &read) elf_closure_free(&read);
  if (!added)
    snprintf(error, error_size, "cannot give the program its files (missing, or too many)");
  return added;
}

/* /dev/null, /dev/zero and /proc are in every sandbox's root before its
 * orders come (prepare_root); /dev/urandom only where asked. */
static bool add_devices(plan *made, bool random) {
  return !random || add_bind(made, "/dev/urandom", "/dev/urandom", false);
}

static bool reserved_path(const char *guest) {
  static const char *const reserved[] = {"/dev", "/proc"};
  if (strcmp(guest, "/") == 0) return true;
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
    size_t length = strlen(reserved[i]);
    if (strncmp(guest, reserved[i], length) == 0 && (!guest[length] || guest[length] == '/'))
      return true;
  }
  return false;
}

bool native_grant_placeable(const cell_grant *grant, char *error, size_t error_size) {
  const char *guest = grant->guest_path ? grant->guest_path : grant->host_path;
  if (!reserved_path(guest)) return true;
  snprintf(error, error_size,
           "cannot grant directory %s as %s: a native cell's /, /dev and /proc are its own",
           grant->host_path, guest);
  return false;
}

static bool add_grants(plan *made, const native_launch *launch, char *error, size_t error_size) {
  for (size_t i = 0; i < launch->grant_count; i++) {
    const cell_grant *grant = &launch->grants[i];
    const char *guest = grant->guest_path ? grant->guest_path : grant->host_path;
    if (!native_grant_placeable(grant, error, error_size)) return false;
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
  static const char *const devices[] = {"/dev/null", "/dev/zero"};
  made->ruleset = landlock_ruleset_new(landlock_all_fs_rights());
  for (size_t i = 0; made->ruleset >= 0 && i < sizeof devices / sizeof devices[0]; i++)
    if (landlock_allow_path(made->ruleset, devices[i],
                            LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE) != 0) {
      snprintf(error, error_size, "cannot make the Landlock rule for %s: %s", devices[i],
               strerror(errno));
      return false;
    }
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
  } else if (add_program_files(made, launch, error, error_size, status)) {
    *status = MINOS_EIO;
    if (!add_devices(made, launch->random)) snprintf(error, error_size, "cannot plan /dev");
    else if (add_grants(made, launch, error, error_size)) *status = MINOS_OK;
    else *status = MINOS_EUSAGE;
  }
  if (*status == MINOS_OK && !(made->filter = native_filter())) {
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
  CHILD_ORDERS, CHILD_IDS, CHILD_PRIVATE, CHILD_TMPFS, CHILD_PIVOT, CHILD_NEWROOT, CHILD_MKDIR,
  CHILD_FILE, CHILD_BIND, CHILD_READ_ONLY, CHILD_PROC, CHILD_DETACH, CHILD_ROOT_READ_ONLY,
  CHILD_LIMITS, CHILD_STDIO, CHILD_NO_NEW_PRIVS, CHILD_LANDLOCK, CHILD_SECCOMP, CHILD_LISTENER,
  CHILD_FORK, CHILD_EXEC,
  /* Not failures: */
  CHILD_LISTENING, /* the message carries the filter's listener */
  CHILD_STARTED,   /* the program runs */
  CHILD_ENDED,     /* it ended: its wait status and CPU time */
} child_step;

static const char *const child_step_names[] = {
    "receiving its orders", "taking its ids", "making mounts private", "mounting a tmpfs",
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

/* Binds a step's source, reached without following a symbolic link: the
 * runtime resolved it (realpath) before the fork, so a link found now was
 * put there since, by someone who may write a directory on the way (a
 * cell granted one), to swap in a file the sandbox (root, when the runtime
 * is) could reach and the cell must not. The mount's source is then the
 * descriptor itself, through this sandbox's /proc. Kernels without
 * openat2 bind by path. */
static void bind_source(const step *each, int report_fd) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
                         .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, each->source, &how, sizeof how);
  if (fd < 0 && errno != ENOSYS) child_fail(report_fd, CHILD_BIND);
  char through[64];
  if (fd >= 0) snprintf(through, sizeof through, "/newroot/proc/self/fd/%d", fd);
  if (mount(fd >= 0 ? through : each->source, each->target, NULL, MS_BIND | MS_REC, NULL) != 0)
    child_fail(report_fd, CHILD_BIND);
  if (fd >= 0) close(fd);
}

static void run_step(const step *each, int report_fd) {
  if (each->kind == STEP_DIRECTORY) {
    if (mkdir(each->target, 0755) != 0 && errno != EEXIST) child_fail(report_fd, CHILD_MKDIR);
  } else if (each->kind == STEP_FILE) {
    int fd = open(each->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) child_fail(report_fd, CHILD_FILE);
    close(fd);
  } else {
    bind_source(each, report_fd);
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | kept_flags(each->target);
    if (each->read_only) flags |= MS_RDONLY;
    if (mount(NULL, each->target, NULL, flags, NULL) != 0)
      child_fail(report_fd, CHILD_READ_ONLY);
  }
}

/* What every sandbox's root has, made before its orders come: in its
 * mount namespace, a tmpfs over /tmp becomes the root (the old one under
 * /oldroot), and a second one at /newroot gets a /proc of the sandbox's
 * PID namespace, /dev/null and /dev/zero. */
static const step base_steps[] = {
    {STEP_DIRECTORY, NULL, "/newroot/dev", false, true},
    {STEP_FILE, NULL, "/newroot/dev/null", false, false},
    {STEP_BIND, "/oldroot/dev/null", "/newroot/dev/null", false, false},
    {STEP_FILE, NULL, "/newroot/dev/zero", false, false},
    {STEP_BIND, "/oldroot/dev/zero", "/newroot/dev/zero", false, false},
};

static void prepare_root(int report_fd) {
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    child_fail(report_fd, CHILD_PRIVATE);
  if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") != 0)
    child_fail(report_fd, CHILD_TMPFS);
  if (chdir("/tmp") != 0 || mkdir("newroot", 0755) != 0 || mkdir("oldroot", 0755) != 0 ||
      syscall(SYS_pivot_root, ".", "oldroot") != 0 || chdir("/") != 0)
    child_fail(report_fd, CHILD_PIVOT);
  if (mount("tmpfs", "/newroot", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") != 0)
    child_fail(report_fd, CHILD_NEWROOT);
  /* /proc first: binds go through its /proc/self/fd (bind_source). */
  if (mkdir("/newroot/proc", 0755) != 0) child_fail(report_fd, CHILD_MKDIR);
  if (mount("proc", "/newroot/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
    child_fail(report_fd, CHILD_PROC);
  for (size_t i = 0; i < sizeof base_steps / sizeof base_steps[0]; i++)
    run_step(&base_steps[i], report_fd);
}

/* The program's files and grants, then the host's root detached and
 * /newroot made the root, read-only. */
static void finish_root(const plan *made, int report_fd) {
  for (size_t i = 0; i < made->count; i++) run_step(&made->steps[i], report_fd);
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
                                      : open("/newroot/dev/null",
                                             (slot ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
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

/* Takes `id` as every uid and gid, with no supplementary group. Raw
 * system calls: glibc's wrappers would make every thread of the runtime
 * change ids too, threads this forked copy does not have, and wait for
 * them (on locks another thread may have held at the fork). From root,
 * the change clears every capability. */
static bool become(int id) {
  if (sandbox_is_root() && syscall(SYS_setgroups, 0, NULL) != 0) return false;
  return syscall(SYS_setresgid, id, id, id) == 0 && syscall(SYS_setresuid, id, id, id) == 0;
}

/* A root runtime's sandbox, its root built: nobody from now on. The
 * change of ids clears the parent-death signal, so it is set again; a
 * runtime that died before that has closed the report socket's other
 * end, which the sandbox sees, and ends too. */
static void become_nobody(int report_fd) {
  if (!become(NATIVE_NOBODY_ID)) child_fail(report_fd, CHILD_IDS);
  sandbox_die_with_runtime(false);
  struct pollfd report = {.fd = report_fd, .events = POLLIN};
  if (poll(&report, 1, 0) == 1 && (report.revents & (POLLHUP | POLLERR))) _exit(127);
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

static _Noreturn void child_main(const native_launch *launch, const plan *made, int report_fd) {
  int parked_report = fcntl(report_fd, F_DUPFD_CLOEXEC, parking(launch));
  if (parked_report < 0) child_fail(report_fd, CHILD_STDIO);
  report_fd = parked_report;
  set_stdio(launch, report_fd);
  finish_root(made, report_fd);
  sethostname("minos", 5);
  if (sandbox_is_root()) become_nobody(report_fd);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(report_fd, CHILD_NO_NEW_PRIVS);
  if (made->ruleset >= 0) enforce_landlock(made->ruleset, report_fd);
  int listener = seccomp_program_install_listener(made->filter);
  if (listener < 0) child_fail(report_fd, CHILD_SECCOMP);
  if (!send_listener(report_fd, listener)) child_fail(report_fd, CHILD_LISTENER);
  close(listener);
  run_init(launch, made, report_fd);
}

/* ---- the orders: what a sandbox made ahead is told -------------------- */

/* The first message: this header, with the descriptors the program gets
 * (the stdio sent, then the extra ones) and the Landlock ruleset. Then
 * the text, in messages of at most ORDER_CHUNK bytes: the program's path,
 * its arguments, its environment, then each step as three flag bytes
 * (kind, read-only, directory) and its source ("" for none) and target,
 * every string ending in a NUL. */
#define ORDER_CHUNK 32768
#define ORDER_MAX_TEXT ((size_t)64 << 20)
#define ORDER_MAX_STRINGS 65536

typedef struct order_header {
  uint64_t text_bytes;
  uint32_t step_count, argument_count, environment_count;
  uint32_t extra_count;
  int32_t first_extra;
  uint8_t stdio_sent[3], ruleset_sent;
  uint32_t limit_count;
  int32_t limit_kinds[5];
  struct rlimit limits[5];
} order_header;

static bool append_string(byte_buffer *out, const char *string) {
  return byte_buffer_append(out, string ? string : "", strlen(string ? string : "") + 1, 0);
}

static size_t count_strings(const char *const *strings) {
  size_t count = 0;
  while (strings && strings[count]) count++;
  return count;
}

static bool write_text(byte_buffer *out, const native_launch *launch, const plan *made) {
  bool written = append_string(out, made->program);
  for (size_t i = 0; written && launch->argv && launch->argv[i]; i++)
    written = append_string(out, launch->argv[i]);
  for (size_t i = 0; written && launch->envp && launch->envp[i]; i++)
    written = append_string(out, launch->envp[i]);
  for (size_t i = 0; written && i < made->count; i++) {
    const step *each = &made->steps[i];
    char flags[3] = {(char)each->kind, each->read_only, each->is_directory};
    written = byte_buffer_append(out, flags, 3, 0) && append_string(out, each->source) &&
              append_string(out, each->target);
  }
  return written;
}

/* Sends the sandbox its orders: 0, or why not (errno). */
static int send_orders(int socket, const native_launch *launch, const plan *made) {
  order_header header = {.step_count = (uint32_t)made->count,
                         .argument_count = (uint32_t)count_strings(launch->argv),
                         .environment_count = (uint32_t)count_strings(launch->envp),
                         .extra_count = (uint32_t)launch->extra_count,
                         .first_extra = launch->first_extra,
                         .limit_count = (uint32_t)made->limit_count};
  memcpy(header.limit_kinds, made->limit_kinds, sizeof header.limit_kinds);
  memcpy(header.limits, made->limits, sizeof header.limits);
  int fds[FD_MESSAGE_MAX_FDS];
  size_t count = 0;
  for (int slot = 0; slot < 3; slot++)
    if ((header.stdio_sent[slot] = launch->stdio[slot] >= 0)) fds[count++] = launch->stdio[slot];
  if (launch->extra_count > FD_MESSAGE_MAX_FDS - 4) return EMFILE;
  for (size_t i = 0; i < launch->extra_count; i++) fds[count++] = launch->extra[i];
  if ((header.ruleset_sent = made->ruleset >= 0)) fds[count++] = made->ruleset;
  byte_buffer out = {0};
  if (!write_text(&out, launch, made)) {
    byte_buffer_free(&out);
    return ENOMEM;
  }
  header.text_bytes = out.length;
  int failed = 0;
  if (out.length > ORDER_MAX_TEXT) failed = E2BIG;
  else if (fd_message_send_many(socket, &header, sizeof header, fds, count, 0) < 0) failed = errno;
  for (size_t done = 0; !failed && done < out.length;) {
    size_t part = out.length - done < ORDER_CHUNK ? out.length - done : ORDER_CHUNK;
    ssize_t sent;
    do sent = send(socket, out.bytes + done, part, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) failed = errno;
    else done += (size_t)sent;
  }
  byte_buffer_free(&out);
  return failed;
}

/* In the sandbox, between its fork and its exec: memory from mmap, as
 * malloc's locks may have been held by another thread at the fork. */
static void *child_memory(size_t bytes) {
  void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return memory == MAP_FAILED ? NULL : memory;
}

/* The next NUL-terminated string of the text, or NULL past its end. */
static char *next_string(char **at, char *end) {
  char *start = *at, *nul = start < end ? memchr(start, '\0', (size_t)(end - start)) : NULL;
  if (!nul) return NULL;
  *at = nul + 1;
  return start;
}

static char **read_strings(char **at, char *end, size_t count) {
  char **strings = child_memory((count + 1) * sizeof *strings);
  for (size_t i = 0; strings && i < count; i++)
    if (!(strings[i] = next_string(at, end))) return NULL;
  return strings;
}

static bool read_steps(plan *made, char **at, char *end, size_t count) {
  for (made->count = 0; made->count < count; made->count++) {
    step *each = &made->steps[made->count];
    if (end - *at < 3 || (*at)[0] > STEP_BIND) return false;
    *each = (step){.kind = (step_kind)(*at)[0], .read_only = (*at)[1], .is_directory = (*at)[2]};
    *at += 3;
    each->source = next_string(at, end);
    each->target = next_string(at, end);
    if (!each->source || !each->target) return false;
    if (!each->source[0]) each->source = NULL;
  }
  return true;
}

/* Moves a received descriptor above every number the program gets. */
static int park(int fd, const native_launch *launch) {
  int parked = fcntl(fd, F_DUPFD_CLOEXEC, parking(launch));
  close(fd);
  return parked;
}

static bool take_descriptors(const order_header *header, const int *fds, size_t count,
                             native_launch *launch, int *extra, plan *made) {
  size_t expected = header->stdio_sent[0] + header->stdio_sent[1] + header->stdio_sent[2] +
                    header->extra_count + header->ruleset_sent;
  if (count != expected || (header->extra_count && header->first_extra < 3) ||
      header->extra_count > FD_MESSAGE_MAX_FDS)
    return false;
  launch->extra = extra;
  launch->extra_count = header->extra_count;
  launch->first_extra = header->first_extra;
  size_t next = 0;
  for (int slot = 0; slot < 3; slot++)
    launch->stdio[slot] = header->stdio_sent[slot] ? fds[next++] : -1;
  for (size_t i = 0; i < header->extra_count; i++) extra[i] = fds[next++];
  made->ruleset = header->ruleset_sent ? park(fds[next], launch) : -1;
  return !header->ruleset_sent || made->ruleset >= 0;
}

/* Receives the orders (send_orders) into launch and made. */
static bool receive_orders(int socket, native_launch *launch, int *extra, plan *made) {
  order_header header;
  int fds[FD_MESSAGE_MAX_FDS];
  size_t count;
  if (fd_message_receive_many(socket, &header, sizeof header, fds, FD_MESSAGE_MAX_FDS, &count,
                              0) != (ssize_t)sizeof header ||
      !take_descriptors(&header, fds, count, launch, extra, made) ||
      header.text_bytes > ORDER_MAX_TEXT || header.step_count > MAX_STEPS ||
      header.argument_count > ORDER_MAX_STRINGS || header.environment_count > ORDER_MAX_STRINGS ||
      header.limit_count > 5)
    return false;
  char *bytes = child_memory(header.text_bytes + 1);
  for (size_t done = 0; bytes && done < header.text_bytes;) {
    ssize_t got;
    do got = recv(socket, bytes + done, header.text_bytes - done, 0);
    while (got < 0 && errno == EINTR);
    if (got <= 0) return false;
    done += (size_t)got;
  }
  if (!bytes) return false;
  char *at = bytes, *end = bytes + header.text_bytes;
  made->program = next_string(&at, end);
  launch->argv = (const char *const *)read_strings(&at, end, header.argument_count);
  launch->envp = (const char *const *)read_strings(&at, end, header.environment_count);
  made->limit_count = header.limit_count;
  memcpy(made->limit_kinds, header.limit_kinds, sizeof made->limit_kinds);
  memcpy(made->limits, header.limits, sizeof made->limits);
  made->filter = &filter;
  return made->program && launch->argv && launch->envp &&
         read_steps(made, &at, end, header.step_count);
}

/* ---- a sandbox, from its clone (zygote.c makes it) ------------------- */

/* In the sandbox from its clone: nothing of the runtime's stays open but
 * its socket (a sandbox may wait long: it must not keep another cell's
 * pipe or connection open), then its orders, then its program. */
_Noreturn void sandbox_main(int socket) {
  if (socket > 0) syscall(SYS_close_range, 0u, (unsigned)socket - 1, 0);
  syscall(SYS_close_range, (unsigned)socket + 1, ~0u, 0);
  char mapped;
  if (recv(socket, &mapped, 1, 0) != 1) child_fail(socket, CHILD_ORDERS);
  /* Its ids inside: the only mapped ones (the runtime's own). It keeps
   * its capabilities in its namespace until its exec, for the mounts. A
   * root runtime's sandbox has no user namespace: it stays root until its
   * root is built (child_main). */
  if (!sandbox_is_root() && !become(NATIVE_INSIDE_ID)) child_fail(socket, CHILD_IDS);
  /* After the ids: a change of credentials clears the parent-death
   * signal. */
  sandbox_die_with_runtime(false);
  prepare_root(socket);
  native_launch launch = {0};
  int extra[FD_MESSAGE_MAX_FDS];
  plan *made = child_memory(sizeof *made);
  if (!made || !receive_orders(socket, &launch, extra, made)) {
    errno = EPROTO;
    child_fail(socket, CHILD_ORDERS);
  }
  child_main(&launch, made, socket);
}

/* ---- the parent ------------------------------------------------------ */

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

minos_status native_start(const native_launch *launch, native_process *started, char *error,
                          size_t error_size) {
  minos_status status;
  *started = (native_process){.pid = -1, .pidfd = -1, .listener = -1, .ends = -1};
  plan *made = make_plan(launch, error, error_size, &status);
  if (!made) return status;
  blank sandbox = {.pid = -1, .pidfd = -1, .socket = -1};
  status = sandbox_take(&sandbox, error, error_size);
  int failed = status == MINOS_OK ? send_orders(sandbox.socket, launch, made) : 0;
  free_plan(made);
  if (status != MINOS_OK) return status;
  /* A sandbox that failed before its orders (preparing its root) said
   * why: hear_child reads it. */
  if (failed && failed != EPIPE) {
    snprintf(error, error_size, "cannot hand the sandbox its program: %s", strerror(failed));
    sandbox_discard(&sandbox);
    return failed == ENOMEM ? MINOS_ENOMEM : MINOS_EIO;
  }
  status = hear_child(sandbox.socket, sandbox.pid, &started->listener, error, error_size);
  if (status != MINOS_OK) {
    close(sandbox.pidfd);
    close(sandbox.socket);
    return status;
  }
  started->pid = sandbox.pid;
  started->pidfd = sandbox.pidfd;
  started->ends = sandbox.socket;
  return MINOS_OK;
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
