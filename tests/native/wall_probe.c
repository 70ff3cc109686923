/* Probes a native cell's walls from inside (tests/unit/native_launch_test.c).
 *   wall_probe ids        "uid U gid G nnp N seccomp S"
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
 *                         process limit stops it short) */
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
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

static int status_field(const char *name) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  int value = -1;
  while (status && fgets(line, sizeof line, status))
    if (strncmp(line, name, strlen(name)) == 0) value = atoi(line + strlen(name));
  if (status) fclose(status);
  return value;
}

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

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "ids") == 0) {
    printf("uid %d gid %d nnp %d seccomp %d\n", (int)getuid(), (int)getgid(),
           status_field("NoNewPrivs:"), status_field("Seccomp:"));
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
  } else if (argc >= 2 && strcmp(argv[1], "crash") == 0) {
    *(volatile int *)(uintptr_t)argc = 0; /* not a mapped page */
  } else {
    return 64;
  }
  return 0;
}
