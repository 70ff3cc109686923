/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox native programs start in (src/native/launch.c), probed from
 * inside: a static program and Debian's dynamically linked /bin/cat run;
 * the program is uid 1000 with no_new_privs and a seccomp filter; the
 * root holds nothing of the host but what the program needs (no /etc/
 * passwd, no /home, /tmp or /root); a read-write grant is writable and a
 * read-only one is not; ptrace kills the program, the runtime told its
 * name; a TCP connect without a grant is refused by the runtime; no
 * raw or packet socket opens; its PID 1 is an init that shows nothing of
 * the runtime, and a process outside cannot be signalled. Skips (77) where the kernel refuses user namespaces.
 *   native_launch_test STATIC_HELLO WALL_PROBE */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "native_harness.h"
#include "sandbox/landlock.h"

static ran run(const char *const argv[], const char *input, const cell_grant *grants,
               size_t grant_count) {
  harness_options options = {.grants = grants, .grant_count = grant_count};
  return harness_run(argv, input, &options);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: native_launch_test STATIC_HELLO WALL_PROBE\n");
    return 2;
  }
  char *probe = realpath(argv[2], NULL);
  if (!probe) return 2;
  const char *hello[] = {argv[1], NULL};
  ran result = run(hello, NULL, NULL, 0);
  show("static", &result);
  if (result.started == MINOS_EUSAGE) {
    printf("SKIP: %s\n", result.error);
    free(probe);
    return 77;
  }
  CHECK(exited_with(&result, 0));
  CHECK(strcmp(result.output, "hello from a static native program\n") == 0);

  const char *cat[] = {"/bin/cat", NULL};
  result = run(cat, "through a dynamic program\n", NULL, 0);
  show("cat", &result);
  CHECK(exited_with(&result, 0));
  CHECK(strcmp(result.output, "through a dynamic program\n") == 0);

  const char *ids[] = {probe, "ids", NULL};
  result = run(ids, NULL, NULL, 0);
  show("ids", &result);
  /* uid 1000 of a user namespace, or nobody with none when root. */
  CHECK(strcmp(result.output, geteuid() == 0
                                  ? "uid 65534 gid 65534 nnp 1 seccomp 2\n"
                                    "capabilities 0 permitted 0 runtime groups 0\n"
                                  : "uid 1000 gid 1000 nnp 1 seccomp 2\n"
                                    "capabilities 0 permitted 0 runtime groups 0\n") == 0);

  /* The root holds the program's own path and /dev and /proc, no more. */
  const char *root[] = {probe, "root", NULL};
  result = run(root, NULL, NULL, 0);
  show("root", &result);
  char expected[256];
  char top[128];
  snprintf(top, sizeof top, "%s", probe + 1);
  top[strcspn(top, "/")] = '\0';
  snprintf(expected, sizeof expected, "dev proc %s\n", top);
  CHECK(strcmp(result.output, expected) == 0 ||
        (strcmp(top, "dev") < 0 && strstr(result.output, "dev proc") != NULL));
  CHECK(strstr(result.output, "home") == NULL && strstr(result.output, "tmp") == NULL &&
        strstr(result.output, "etc") == NULL && strstr(result.output, "root ") == NULL);

  const char *passwd[] = {probe, "read", "/etc/passwd", NULL};
  result = run(passwd, NULL, NULL, 0);
  show("passwd", &result);
  CHECK(strcmp(result.output, "read: No such file or directory\n") == 0);

  /* Grants: read-write and read-only. */
  char scratch[] = "/tmp/minos-native-XXXXXX";
  if (!mkdtemp(scratch)) return 1;
  chmod(scratch, 0777);
  cell_grant grants[] = {{scratch, "/data", false}, {scratch, "/seen", true}};
  const char *write_rw[] = {probe, "write", "/data/out.txt", NULL};
  result = run(write_rw, NULL, grants, 2);
  show("write rw", &result);
  CHECK(strcmp(result.output, "write ok\n") == 0);
  char written[256];
  snprintf(written, sizeof written, "%s/out.txt", scratch);
  struct stat info;
  CHECK(stat(written, &info) == 0 && info.st_size == 7);
  const char *write_ro[] = {probe, "write", "/seen/other.txt", NULL};
  result = run(write_ro, NULL, grants, 2);
  show("write ro", &result);
  CHECK(strcmp(result.output, "write: Read-only file system\n") == 0);
  unlink(written);
  rmdir(scratch);

  const char *ptrace[] = {probe, "ptrace", NULL};
  result = run(ptrace, NULL, NULL, 0);
  show("ptrace", &result);
  CHECK(result.started == MINOS_OK && WIFSIGNALED(result.status) &&
        WTERMSIG(result.status) == SIGKILL && strcmp(result.refused, "ptrace") == 0);

  const char *net[] = {probe, "net", NULL};
  result = run(net, NULL, NULL, 0);
  show("net", &result);
  /* The runtime makes connections, and this cell has no grant. */
  CHECK(strcmp(result.output, "connect: Operation not permitted\n") == 0);

  /* No raw or packet sockets, no process outside its namespace. */
  const char *raw[] = {probe, "raw", NULL};
  result = run(raw, NULL, NULL, 0);
  show("raw", &result);
  CHECK(strcmp(result.output, "raw: Operation not permitted\npacket: Operation not permitted\n") == 0 ||
        strcmp(result.output, "raw: Permission denied\npacket: Permission denied\n") == 0);
  const char *pid1[] = {probe, "pid1", NULL};
  result = run(pid1, NULL, NULL, 0);
  show("pid1", &result);
  /* PID 1 is the sandbox's init, which shows nothing of the runtime's
   * command line, environment or memory. */
  CHECK(strcmp(result.output, "pid1: minos-init\n") == 0);
  const char *init_environment[] = {probe, "cat", "/proc/1/environ", NULL};
  result = run(init_environment, NULL, NULL, 0);
  show("init's environment", &result);
  CHECK(strcmp(result.output, "cat: Permission denied\n") == 0);
  const char *init_memory[] = {probe, "cat", "/proc/1/mem", NULL};
  result = run(init_memory, NULL, NULL, 0);
  show("init's memory", &result);
  CHECK(strcmp(result.output, "cat: Permission denied\n") == 0);
  char outside[32];
  snprintf(outside, sizeof outside, "%d", (int)getpid());
  const char *signal_outside[] = {probe, "signal", outside, NULL};
  result = run(signal_outside, NULL, NULL, 0);
  show("signal", &result);
  CHECK(strcmp(result.output, "signal: No such process\n") == 0);

  const char *missing[] = {"/nonexistent/program", NULL};
  result = run(missing, NULL, NULL, 0);
  CHECK(result.started == MINOS_EIO && strstr(result.error, "/nonexistent/program"));
  const char *script[] = {"/usr/bin/ldd", NULL}; /* a shell script */
  result = run(script, NULL, NULL, 0);
  show("script", &result);
  CHECK(result.started == MINOS_EMODULE && strstr(result.error, "a script (#!"));

  free(probe);
  harness_free();
  printf("native_launch_test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
