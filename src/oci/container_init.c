/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/container_init.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"

/* Tells `create` it failed ("WHAT: reason"); create reports it and fails. */
static _Noreturn void fail(int sync_fd, const char *what, int error_number) {
  char message[512];
  message[0] = 1;
  int length = snprintf(message + 1, sizeof message - 1, "%s: %s", what, strerror(error_number));
  if (length > 0 && write(sync_fd, message, (size_t)length + 1) < 0) { /* create sees EOF */ }
  _exit(125);
}

/* Only 0, 1, 2 and sync_fd stay open: whatever else the engine left
 * (conmon's pipes at 3 and 4) is not the cell's. sync_fd moves to 3. */
static int close_strays(int sync_fd) {
  int moved = sync_fd == 3 ? 3 : dup3(sync_fd, 3, O_CLOEXEC);
  if (moved < 0) return -1;
  syscall(SYS_close_range, 4u, ~0u, 0u);
  return moved;
}

/* Set here, in the process that becomes the cell's, before `create`
 * returns: a limit the host does not allow fails `create`, by name. */
static void apply_rlimits(const oci_bundle *bundle, int sync_fd) {
  for (size_t i = 0; i < bundle->rlimit_count; i++) {
    const oci_rlimit *limit = &bundle->rlimits[i];
    struct rlimit value = {limit->soft, limit->hard};
    if (setrlimit(limit->resource, &value) == 0) continue;
    int error_number = errno;
    char what[128];
    snprintf(what, sizeof what, "config.json: %s: cannot be set to %llu (soft), %llu (hard)",
             limit->field, (unsigned long long)limit->soft, (unsigned long long)limit->hard);
    fail(sync_fd, what, error_number);
  }
}

/* A new network namespace's loopback is down: up, as runc brings it, so
 * a cell may listen on 127.0.0.1 for its pod's neighbours. */
static bool loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq request = {0};
  snprintf(request.ifr_name, sizeof request.ifr_name, "lo");
  bool fine = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags |= IFF_UP;
  fine = fine && ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  if (fd >= 0) close(fd);
  return fine;
}

/* Where the cell's network grants are used (linux.c says why): the
 * engine's network namespace, joined, or a new empty one. */
static void enter_network(const oci_bundle *bundle, int sync_fd) {
  bool has_grants = bundle->connect_rule_count || bundle->listen_rule_count;
  if (bundle->network_path) {
    int fd = open(bundle->network_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      int error_number = errno;
      char what[OCI_PATH_MAX + 96];
      snprintf(what, sizeof what, "config.json: linux.namespaces: cannot join the network "
               "namespace %s", bundle->network_path);
      fail(sync_fd, what, error_number);
    }
    close(fd);
  } else if (bundle->new_network && has_grants &&
             (unshare(CLONE_NEWNET) != 0 || !loopback_up())) {
    fail(sync_fd, "config.json: linux.namespaces: cannot make a network namespace", errno);
  }
}

_Noreturn void oci_container_init(const oci_bundle *bundle, char *const *argv,
                                  const char *fifo_path, int sync_fd) {
  /* Its own session: the engine's terminal and process group signals
   * are not the container's. */
  setsid();
  sync_fd = close_strays(sync_fd);
  if (sync_fd < 0) _exit(125);
  if (chdir("/") != 0) fail(sync_fd, "chdir /", errno);
  enter_network(bundle, sync_fd);
  apply_rlimits(bundle, sync_fd);
  char ready = 0;
  if (write(sync_fd, &ready, 1) != 1) _exit(125);
  close(sync_fd);
  /* Blocks until `start` opens the FIFO for reading. */
  int fifo = open(fifo_path, O_WRONLY | O_CLOEXEC);
  if (fifo < 0 || write(fifo, "0", 1) != 1) _exit(125);
  close(fifo);
  execv("/proc/self/exe", argv);
  log_error("oci: cannot run minos again (/proc/self/exe): %s", strerror(errno));
  _exit(125);
}
