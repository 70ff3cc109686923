/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/directories.h"
#include "oci/bundle.h"
#include "oci/container_init.h"
#include "oci/run_argv.h"
#include "oci/state.h"

#define DIR_MAX 4200
/* How long start waits for the process to take its go, and delete for a
 * killed one to be gone: far longer than either takes. */
#define WAIT_MS 10000

/* The state root, if it is there, must be minos's user's own directory
 * that no one else may write: under /tmp another user could have made
 * it first, and plant a state whose pid minos would then signal. */
static bool root_is_ours(const char *root, char *error, size_t error_size) {
  struct stat info;
  if (lstat(root, &info) != 0) return errno == ENOENT;
  if (S_ISDIR(info.st_mode) && info.st_uid == geteuid() && !(info.st_mode & 022)) return true;
  snprintf(error, error_size, "the state root %s is not a directory of this user's that only "
           "it may write", root);
  return false;
}

static bool state_dir(const char *root, const char *id, char *out, char *error,
                      size_t error_size) {
  if (!oci_id_valid(id, error, error_size) || !root_is_ours(root, error, error_size))
    return false;
  if ((size_t)snprintf(out, DIR_MAX, "%s/%s", root, id) < DIR_MAX) return true;
  snprintf(error, error_size, "the state directory's path is too long");
  return false;
}

static void path_in(char *out, const char *dir, const char *name) {
  snprintf(out, DIR_MAX + 32, "%s/%s", dir, name);
}

/* The root (made if missing, for root's eyes only) and ROOT/ID, new. */
static bool make_state_dir(const char *root, const char *dir, const char *id, char *error,
                           size_t error_size) {
  /* Its missing parents too (containerd's shim gives a root under a
   * /run/containerd/runc that nothing made), as runc makes them. */
  if (make_directories(root, 0711) != 0) {
    snprintf(error, error_size, "cannot make the state root %s: %s", root, strerror(errno));
    return false;
  }
  if (mkdir(dir, 0700) == 0) return true;
  if (errno == EEXIST) snprintf(error, error_size, "container %s exists already", id);
  else snprintf(error, error_size, "cannot make %s: %s", dir, strerror(errno));
  return false;
}

/* ROOT/ID/tmpfs-N: a tmpfs mount of config.json, mounted for the cell
 * (owned by the cell's user: nobody's when the runtime is root, as a
 * native cell is then) and granted to it where config.json says. */
#define TMPFS_MAX 64
#define NOBODY_ID 65534

static void tmpfs_path(char *out, const char *dir, size_t index) {
  snprintf(out, DIR_MAX + 32, "%s/tmpfs-%zu", dir, index);
}

static bool mount_tmpfs(const char *path, const oci_grant *grant, char *error,
                        size_t error_size) {
  char data[512];
  uid_t owner = geteuid() == 0 ? NOBODY_ID : geteuid();
  gid_t group = geteuid() == 0 ? NOBODY_ID : getegid();
  snprintf(data, sizeof data, "%s%suid=%u,gid=%u", grant->tmpfs_data,
           grant->tmpfs_data[0] ? "," : "", (unsigned)owner, (unsigned)group);
  if (mkdir(path, 0700) == 0 &&
      mount("tmpfs", path, "tmpfs", grant->tmpfs_flags | MS_NOSUID | MS_NODEV, data) == 0)
    return true;
  snprintf(error, error_size, "config.json: mounts: cannot mount a tmpfs for %s (%s): %s",
           grant->guest, data, strerror(errno));
  return false;
}

/* Each tmpfs grant mounted in ROOT/ID, its host path set. */
static bool mount_tmpfs_grants(oci_bundle *bundle, const char *dir, char *error,
                               size_t error_size) {
  size_t made = 0;
  for (size_t i = 0; i < bundle->grant_count; i++) {
    oci_grant *grant = &bundle->grants[i];
    if (!grant->tmpfs_data) continue;
    char path[DIR_MAX + 32];
    if (made == TMPFS_MAX) {
      snprintf(error, error_size, "config.json: mounts: more than %d tmpfs mounts", TMPFS_MAX);
      return false;
    }
    tmpfs_path(path, dir, made++);
    if (!mount_tmpfs(path, grant, error, error_size)) return false;
    if (!(grant->host = strdup(path))) {
      snprintf(error, error_size, "out of memory");
      return false;
    }
  }
  return true;
}

/* Everything create may have left in ROOT/ID, and the directory. */
static void remove_state_dir(const char *dir) {
  static const char *const files[] = {"exec.fifo", "state.json"};
  char path[DIR_MAX + 32];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    path_in(path, dir, files[i]);
    unlink(path);
  }
  for (size_t i = 0; i < TMPFS_MAX; i++) {
    tmpfs_path(path, dir, i);
    if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL) break;
    rmdir(path);
  }
  rmdir(dir);
}

static void now_rfc3339(char *out, size_t size) {
  struct timespec now;
  struct tm utc;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &utc);
  char seconds[32];
  strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(out, size, "%s.%09ldZ", seconds, now.tv_nsec);
}

/* What the child said on the sync pipe: ready (0), or its error. */
static bool wait_until_ready(int sync_fd, char *error, size_t error_size) {
  char message[512];
  size_t length = 0;
  ssize_t got;
  while (length < sizeof message - 1 &&
         (got = read(sync_fd, message + length, sizeof message - 1 - length)) != 0) {
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) break;
    length += (size_t)got;
    if (message[0] == 0) return true;
  }
  message[length] = '\0';
  snprintf(error, error_size, "%s",
           length > 1 ? message + 1 : "the container's process ended before it was ready");
  return false;
}

/* The pid file, as runc writes it: the number, no newline. */
static bool write_pid_file(const char *path, pid_t pid, char *error, size_t error_size) {
  char text[32];
  int length = snprintf(text, sizeof text, "%d", (int)pid);
  return oci_write_atomically(path, text, (size_t)length, error, error_size);
}

static bool record(const oci_create_request *request, const oci_bundle *bundle, const char *dir,
                   pid_t pid, char *error, size_t error_size) {
  char bundle_path[DIR_MAX];
  if (!realpath(request->bundle, bundle_path))
    snprintf(bundle_path, sizeof bundle_path, "%s", request->bundle);
  oci_state state = {.id = (char *)request->id, .bundle = bundle_path, .pid = pid,
                     .start_time = oci_process_start_time(pid),
                     .annotations = bundle->annotations,
                     .annotation_count = bundle->annotation_count};
  now_rfc3339(state.created, sizeof state.created);
  if (!state.start_time) {
    snprintf(error, error_size, "the container's process ended before it was ready");
    return false;
  }
  return oci_state_write(dir, &state, error, error_size) &&
         (!request->pid_file || write_pid_file(request->pid_file, pid, error, error_size));
}

/* Forks the container's process and waits until it is ready (or says
 * why it cannot be). */
static pid_t fork_container(const oci_bundle *bundle, char **argv, const char *dir, char *error,
                            size_t error_size) {
  char fifo[DIR_MAX + 32];
  int sync[2];
  path_in(fifo, dir, "exec.fifo");
  if (mkfifo(fifo, 0600) != 0 || pipe2(sync, O_CLOEXEC) != 0) {
    snprintf(error, error_size, "cannot make %s: %s", fifo, strerror(errno));
    return -1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(sync[0]);
    oci_container_init(bundle, argv, fifo, sync[1]);
  }
  close(sync[1]);
  bool ready = pid > 0 && wait_until_ready(sync[0], error, error_size);
  close(sync[0]);
  if (pid < 0) snprintf(error, error_size, "cannot fork: %s", strerror(errno));
  if (pid > 0 && !ready) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  return ready ? pid : -1;
}

bool oci_container_create(const oci_create_request *request, char *error, size_t error_size) {
  char dir[DIR_MAX];
  oci_bundle bundle;
  if (!state_dir(request->root, request->id, dir, error, error_size)) return false;
  if (!oci_bundle_load(request->bundle, &bundle, error, error_size)) return false;
  char **argv = NULL;
  bool made = make_state_dir(request->root, dir, request->id, error, error_size);
  bool fine = made && mount_tmpfs_grants(&bundle, dir, error, error_size);
  if (fine && !(argv = oci_run_argv(&bundle))) {
    snprintf(error, error_size, "out of memory");
    fine = false;
  }
  pid_t pid = fine ? fork_container(&bundle, argv, dir, error, error_size) : -1;
  if (pid > 0 && !record(request, &bundle, dir, pid, error, error_size)) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    pid = -1;
  }
  if (made && pid < 0) remove_state_dir(dir);
  oci_run_argv_free(argv);
  oci_bundle_free(&bundle);
  return pid > 0;
}

/* A container found by its ID: where its state is, the state, its status. */
typedef struct container {
  char dir[DIR_MAX];
  oci_state state;
  oci_status status;
} container;

/* False if there is no such container (errno ENOENT) or its state is
 * unreadable. oci_state_free(&found->state) after. */
static bool find(const char *root, const char *id, container *found, char *error,
                 size_t error_size) {
  if (!state_dir(root, id, found->dir, error, error_size)) return false;
  if (!oci_state_read(found->dir, &found->state, error, error_size)) {
    int saved = errno; /* delete --force tells a missing state by it */
    if (saved == ENOENT) snprintf(error, error_size, "container %s does not exist", id);
    errno = saved;
    return false;
  }
  found->status = oci_state_status(found->dir, &found->state);
  return true;
}

/* Takes the process's go from exec.fifo; false if it ended first. */
static bool give_go(const char *dir, const oci_state *state, char *error, size_t error_size) {
  char fifo[DIR_MAX + 32], go;
  path_in(fifo, dir, "exec.fifo");
  int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  bool given = false;
  for (int waited = 0; fd >= 0 && !given && waited < WAIT_MS; waited += 100) {
    struct pollfd ready = {.fd = fd, .events = POLLIN};
    if (poll(&ready, 1, 100) > 0 && read(fd, &go, 1) == 1) given = true;
    else if (oci_process_start_time(state->pid) != state->start_time) break;
  }
  if (fd >= 0) close(fd);
  if (given) unlink(fifo);
  else snprintf(error, error_size, "container %s's process did not start", state->id);
  return given;
}

bool oci_container_start(const char *root, const char *id, char *error, size_t error_size) {
  container found;
  if (!find(root, id, &found, error, error_size)) return false;
  bool fine = found.status == OCI_CREATED;
  if (!fine)
    snprintf(error, error_size, "container %s is %s, not created", id,
             oci_status_name(found.status));
  else fine = give_go(found.dir, &found.state, error, error_size);
  oci_state_free(&found.state);
  return fine;
}

char *oci_container_state(const char *root, const char *id, char *error, size_t error_size) {
  container found;
  if (!find(root, id, &found, error, error_size)) return NULL;
  char *text = oci_state_json(&found.state, found.status);
  if (!text) snprintf(error, error_size, "out of memory");
  oci_state_free(&found.state);
  return text;
}

bool oci_container_kill(const char *root, const char *id, int signal_number, char *error,
                        size_t error_size) {
  container found;
  if (!find(root, id, &found, error, error_size)) return false;
  bool running = found.status != OCI_STOPPED;
  bool fine = running && kill(found.state.pid, signal_number) == 0;
  if (!running) snprintf(error, error_size, "container %s is not running", id);
  else if (!fine) snprintf(error, error_size, "cannot signal container %s: %s", id, strerror(errno));
  oci_state_free(&found.state);
  return fine;
}

/* SIGKILL, then until the process is gone (or a zombie its reaper has
 * yet to collect: it holds nothing any more). */
static bool kill_and_wait(const oci_state *state) {
  kill(state->pid, SIGKILL);
  for (int waited = 0; waited < WAIT_MS; waited += 10) {
    if (oci_process_start_time(state->pid) != state->start_time) return true;
    nanosleep(&(struct timespec){0, 10000000}, NULL);
  }
  return false;
}

bool oci_container_delete(const char *root, const char *id, bool force, char *error,
                          size_t error_size) {
  container found;
  if (!find(root, id, &found, error, error_size)) {
    /* A create that failed half-way may leave a directory without a
     * state; --force clears it, as runc does. */
    bool cleared = force && errno == ENOENT && state_dir(root, id, found.dir, error, error_size);
    if (cleared) remove_state_dir(found.dir);
    return cleared;
  }
  bool fine = found.status != OCI_RUNNING || force;
  if (!fine)
    snprintf(error, error_size, "container %s is running: stop it first, or delete --force", id);
  if (fine && found.status != OCI_STOPPED && !kill_and_wait(&found.state)) {
    snprintf(error, error_size, "container %s's process did not end after SIGKILL", id);
    fine = false;
  }
  if (fine) remove_state_dir(found.dir);
  oci_state_free(&found.state);
  return fine;
}
