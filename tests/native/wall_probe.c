/* SPDX-License-Identifier: Apache-2.0 */
/* Probes a native cell's walls from inside (tests/unit/native_launch_test.c).
 *   wall_probe ids        "uid U gid G nnp N seccomp S", then
 *                         "capabilities E permitted P runtime groups N"
 *   wall_probe root       the names in /, sorted, space-separated
 *   wall_probe read PATH  "read ok", or "read: ERROR"
 *   wall_probe write PATH "write ok", or "write: ERROR"
 *   wall_probe ptrace     asks to be traced: the filter kills it (SIGSYS)
 *   wall_probe net        "connect: ERROR" for a TCP connect to 1.1.1.1:80
 *   wall_probe raw        "raw: ERROR" for a raw IP socket, "packet: ERROR"
 *                         for a packet socket
 *   wall_probe pid1       the command line of PID 1 as it sees it
 *   wall_probe signal PID "signal: ERROR" for a signal to PID (outside)
 *   wall_probe crash      writes through a null pointer (SIGSEGV)
 *   wall_probe forks N    forks N children that wait: "forked F of N" (the
 *                         process limit stops it short)
 *   wall_probe mount|unshare|setns|io_uring|clone|personality
 *                         makes that refused call (mount a tmpfs, a new user
 *                         namespace, join its own network namespace, set up
 *                         an io_uring, clone into a new user namespace, turn
 *                         address randomisation off): the runtime kills it
 *   wall_probe persona    "persona P": the harmless personality query
 *   wall_probe memory N   touches up to N MiB, 1 MiB at a time: "memory: got
 *                         N MiB" or "memory: refused after M MiB"
 *   wall_probe spin       spins until killed
 *   wall_probe abort      "before abort", then abort()
 *   wall_probe euid       "euid U egid G"
 *   wall_probe cat PATH   the file's bytes, NULs as newlines, or "cat: ERROR"
 *   wall_probe exec PATH ARGS...  executes PATH, or "exec: ERROR" */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/types.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <unistd.h>

static long status_field_base(const char *name, int base) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long value = -1;
  while (status && fgets(line, sizeof line, status))
    if (strncmp(line, name, strlen(name)) == 0) value = strtol(line + strlen(name), NULL, base);
  if (status) fclose(status);
  return value;
}

static int status_field(const char *name) { return (int)status_field_base(name, 10); }

static int compare(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_root(void) {
  DIR *root = opendir("/");
  char *names[256];
  int count = 0;
  struct dirent *entry;
  while (root && count < 256 && (entry = readdir(root)))
    if (entry->d_name[0] != '.') names[count++] = strdup(entry->d_name);
  if (root) closedir(root);
  qsort(names, (size_t)count, sizeof *names, compare);
  for (int i = 0; i < count; i++) printf("%s%s", i ? " " : "", names[i]);
  printf("\n");
}

/* The calls the filter refuses: none returns. */
static int refused_call(const char *name) {
  fflush(stdout);
  if (strcmp(name, "mount") == 0) return mount("none", "/proc", "tmpfs", 0, NULL);
  if (strcmp(name, "unshare") == 0) return unshare(CLONE_NEWUSER);
  if (strcmp(name, "setns") == 0) return setns(open("/proc/self/ns/net", O_RDONLY), 0);
  if (strcmp(name, "io_uring") == 0) {
    struct io_uring_params parameters = {0};
    return (int)syscall(__NR_io_uring_setup, 1, &parameters);
  }
  if (strcmp(name, "clone") == 0) return (int)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (strcmp(name, "personality") == 0) return personality(ADDR_NO_RANDOMIZE);
  return -2;
}

static void *volatile last_block; /* so that no compiler elides the allocations */

static void touch_memory(int wanted) {
  int got = 0;
  for (; got < wanted; got++) {
    volatile char *block = malloc(1 << 20);
    if (!block) break;
    for (size_t page = 0; page < (1 << 20); page += 4096) block[page] = 1;
    *(void *volatile *)block = last_block;
    last_block = (void *)block;
  }
  if (got == wanted) printf("memory: got %d MiB\n", got);
  else printf("memory: refused after %d MiB\n", got);
}

static void cat(const char *path) {
  char bytes[4096];
  int fd = open(path, O_RDONLY);
  ssize_t got = fd >= 0 ? read(fd, bytes, sizeof bytes - 1) : -1;
  if (got < 0) {
    printf("cat: %s\n", strerror(errno));
    return;
  }
  for (ssize_t i = 0; i < got; i++)
    if (bytes[i] == '\0') bytes[i] = '\n';
  fwrite(bytes, 1, (size_t)got, stdout);
}

int main(int argc, char **argv) {
  if (argc >= 2 && refused_call(argv[1]) != -2) {
    printf("%s returned: %s\n", argv[1], strerror(errno));
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "ids") == 0) {
    printf("uid %d gid %d nnp %d seccomp %d\n", (int)getuid(), (int)getgid(),
           status_field("NoNewPrivs:"), status_field("Seccomp:"));
    /* What it may do outside: no capability, no group of the runtime's
     * (unmapped ones read as 65534 in a user namespace). */
    int groups = getgroups(0, NULL), kept = 0;
    gid_t list[64];
    if (groups > 0 && groups <= 64 && getgroups(groups, list) == groups)
      for (int i = 0; i < groups; i++) kept += list[i] != 65534 && list[i] != getgid();
    printf("capabilities %lx permitted %lx runtime groups %d\n", status_field_base("CapEff:", 16),
           status_field_base("CapPrm:", 16), kept);
  } else if (argc >= 2 && strcmp(argv[1], "root") == 0) {
    list_root();
  } else if (argc >= 3 && strcmp(argv[1], "read") == 0) {
    int fd = open(argv[2], O_RDONLY);
    printf(fd >= 0 ? "read ok\n" : "read: %s\n", strerror(errno));
  } else if (argc >= 3 && strcmp(argv[1], "write") == 0) {
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0 && write(fd, "written", 7) == 7) printf("write ok\n");
    else printf("write: %s\n", strerror(errno));
  } else if (argc >= 2 && strcmp(argv[1], "ptrace") == 0) {
    fflush(stdout);
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    printf("ptrace returned\n");
  } else if (argc >= 2 && strcmp(argv[1], "net") == 0) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(80)};
    inet_pton(AF_INET, "1.1.1.1", &address.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0)
      printf("connect: %s\n", strerror(errno));
    else
      printf("connect ok\n");
  } else if (argc >= 3 && strcmp(argv[1], "forks") == 0) {
    int wanted = atoi(argv[2]), forked = 0;
    for (; forked < wanted; forked++) {
      pid_t child = fork();
      if (child < 0) break;
      if (child == 0) {
        pause();
        _exit(0);
      }
    }
    printf("forked %d of %d\n", forked, wanted);
  } else if (argc >= 2 && strcmp(argv[1], "raw") == 0) {
    int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    printf(raw >= 0 ? "raw: opened\n" : "raw: %s\n", strerror(errno));
    int packet = socket(AF_PACKET, SOCK_RAW, 0);
    printf(packet >= 0 ? "packet: opened\n" : "packet: %s\n", strerror(errno));
  } else if (argc >= 2 && strcmp(argv[1], "pid1") == 0) {
    char line[256] = "";
    int fd = open("/proc/1/cmdline", O_RDONLY);
    ssize_t got = fd >= 0 ? read(fd, line, sizeof line - 1) : -1;
    printf("pid1: %s\n", got > 0 ? line : strerror(errno));
  } else if (argc >= 3 && strcmp(argv[1], "signal") == 0) {
    int sent = kill((pid_t)atoi(argv[2]), SIGKILL);
    printf(sent == 0 ? "signal: sent\n" : "signal: %s\n", strerror(errno));
  } else if (argc >= 2 && strcmp(argv[1], "persona") == 0) {
    printf("persona %d\n", personality(0xffffffff));
  } else if (argc >= 3 && strcmp(argv[1], "memory") == 0) {
    touch_memory(atoi(argv[2]));
  } else if (argc >= 2 && strcmp(argv[1], "abort") == 0) {
    printf("before abort\n");
    fflush(stdout);
    abort();
  } else if (argc >= 2 && strcmp(argv[1], "spin") == 0) {
    for (volatile unsigned long spins = 0;; spins++) continue;
  } else if (argc >= 2 && strcmp(argv[1], "euid") == 0) {
    printf("euid %d egid %d\n", (int)geteuid(), (int)getegid());
  } else if (argc >= 3 && strcmp(argv[1], "cat") == 0) {
    cat(argv[2]);
  } else if (argc >= 3 && strcmp(argv[1], "exec") == 0) {
    execv(argv[2], argv + 2);
    printf("exec: %s\n", strerror(errno));
  } else if (argc >= 2 && strcmp(argv[1], "crash") == 0) {
    *(volatile int *)(uintptr_t)argc = 0; /* not a mapped page */
  } else {
    return 64;
  }
  return 0;
}
