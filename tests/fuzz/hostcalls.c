/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the host calls, WASI preview 1 and minos, against a live
 * cell. Each input is the stdin of a fresh cell of the guest
 * tests/fuzz/guest/hostcalls_guest.c, which plays it as a program of host
 * calls with arbitrary arguments (wild pointers, lengths, descriptors,
 * flags). One runtime serves the whole process, as in a long-lived
 * embedder. For every input the harness checks that:
 *   - the host survives (ASan and UBSan watch every host function);
 *   - the cell ends, by an exit or a fault, or at least when it is killed
 *     (a cell still running after its wall time is killed; one that does
 *     not end within KILL_GRACE_NS of that is a failure);
 *   - no descriptor leaks: the process's open descriptors come back to
 *     where they were before the input;
 *   - the cell touched nothing outside its grants: it has a fresh
 *     read-write scratch directory (/rw) and a read-only one (/ro); the
 *     read-only one and a sibling directory outside both grants must be
 *     exactly as they were;
 *   - it planted no link that leads out of /rw for a host program that
 *     later walks the directory (absolute, or through ".." past its root).
 * Beyond the directories, the cell may use the clock and randomness and
 * create up to MAX_CHILDREN live children (cnew); it has no network rule,
 * so connect and listen are refused. The guest comes from
 * MINOS_FUZZ_GUEST, else from the build (FUZZ_GUEST_PATH). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/channel.h"
#include "core/runtime.h"
#include "core/sync.h"
#include "wasm/wasm_arch.h"

#define WALL_NS (300 * 1000000ull)         /* then the cell is killed */
#define KILL_GRACE_NS (5 * 1000000000ull)  /* a killed cell ends within this */
#define CPU_NS (200 * 1000000ull)
#define MEMORY_BYTES ((uint64_t)16 << 20)
#define HOST_FDS 32                        /* its share of the process's descriptors */
#define MAX_CHILDREN 4                     /* the spawn grant: cnew works, a little */
#define INPUT_LIMIT 60000                  /* the guest reads at most 64 KiB */
#define SENTINEL "nothing outside the grants may change\n"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static runtime workers;
static bool started;
static loaded_module *guest;
static char top[64] = "/tmp/minos-fuzz-hostcalls-XXXXXX";
static char rw_path[PATH_MAX], ro_path[PATH_MAX], outside_path[PATH_MAX];

static void fail(const char *what) {
  fprintf(stderr, "fuzz_hostcalls: %s\n", what);
  abort();
}

static int open_fd_count(void) {
  DIR *listing = opendir("/proc/self/fd");
  int count = 0;
  if (!listing) fail("cannot list /proc/self/fd");
  while (readdir(listing)) count++;
  closedir(listing);
  return count;
}

static int remove_entry(const char *path, const struct stat *status, int flag, struct FTW *walk) {
  (void)status, (void)flag, (void)walk;
  chmod(path, 0700); /* the cell may have made a directory unreadable */
  return remove(path) != 0 && errno != ENOENT;
}

/* Empties a directory, keeping it. */
static void empty_directory(const char *path) {
  DIR *listing = opendir(path);
  if (!listing) fail("cannot open the scratch directory");
  struct dirent *entry;
  char child[PATH_MAX];
  while ((entry = readdir(listing))) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
    nftw(child, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  }
  closedir(listing);
}

static void write_file(const char *directory, const char *name, const char *content) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", directory, name);
  FILE *file = fopen(path, "w");
  if (!file || fputs(content, file) < 0 || fclose(file) != 0) fail("cannot write a fixture");
}

/* Directory entries and the sentinel's content, as one text. */
static void describe(const char *directory, char *out, size_t out_size) {
  char names[2048] = "", path[PATH_MAX], content[128] = "";
  DIR *listing = opendir(directory);
  struct dirent *entry;
  while (listing && (entry = readdir(listing)))
    if (strlen(names) + strlen(entry->d_name) + 2 < sizeof names) {
      strcat(names, entry->d_name);
      strcat(names, "/");
    }
  if (listing) closedir(listing);
  snprintf(path, sizeof path, "%s/sentinel", directory);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0) {
    ssize_t got = read(fd, content, sizeof content - 1);
    content[got > 0 ? got : 0] = '\0';
    close(fd);
  }
  struct stat status;
  snprintf(path, sizeof path, "%s", directory);
  unsigned mode = stat(path, &status) == 0 ? (unsigned)status.st_mode : 0;
  snprintf(out, out_size, "%o %s %s", mode, names, content);
}

static char ro_before[4096], outside_before[4096];

static void remove_top(void) { nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* Fresh fixtures in /rw for every input: a file, a directory, a link. */
static void reset_scratch(void) {
  empty_directory(rw_path);
  write_file(rw_path, "file", "some bytes\n");
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/dir", rw_path);
  if (mkdir(path, 0700) != 0) fail("cannot make a fixture directory");
  snprintf(path, sizeof path, "%s/link", rw_path);
  if (symlink("file", path) != 0) fail("cannot make a fixture link");
}

static void run_cell(const uint8_t *data, size_t size);

/* Compiling the guest (when it is not in the cache) takes longer than
 * an input may, so it is done before the first one. The runtime starts
 * with the first input, after libFuzzer has set its signal handlers:
 * minos's fault handler goes on top and passes on what is not a cell's. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *guest_path = getenv("MINOS_FUZZ_GUEST");
  if (!guest_path) guest_path = FUZZ_GUEST_PATH;
  load_report report;
  if (module_load_file(guest_path, &guest, &report) != MINOS_OK) {
    fprintf(stderr, "fuzz_hostcalls: cannot load %s: %s\n", guest_path, report.error);
    exit(1);
  }
  return 0;
}

static void setup(void) {
  if (runtime_init(&workers, 2) != MINOS_OK) fail("cannot start the runtime");
  started = true;
  const char *tmp = getenv("TMPDIR");
  if (tmp && strlen(tmp) < 20) snprintf(top, sizeof top, "%s/minos-fuzz-hostcalls-XXXXXX", tmp);
  if (!mkdtemp(top)) fail("cannot make a temporary directory");
  atexit(remove_top);
  snprintf(rw_path, sizeof rw_path, "%s/rw", top);
  snprintf(ro_path, sizeof ro_path, "%s/ro", top);
  snprintf(outside_path, sizeof outside_path, "%s/outside", top);
  if (mkdir(rw_path, 0700) || mkdir(ro_path, 0700) || mkdir(outside_path, 0700))
    fail("cannot make the grant directories");
  write_file(ro_path, "sentinel", SENTINEL);
  write_file(outside_path, "sentinel", SENTINEL);
  describe(ro_path, ro_before, sizeof ro_before);
  describe(outside_path, outside_before, sizeof outside_before);
  /* Warm-up: what the runtime opens once (a trap's debug information,
   * the workers' own) is not a leak of the first input. */
  static const uint8_t trap[] = {0xf2};
  run_cell(trap, sizeof trap);
}

static void list_descriptors(void) {
  DIR *listing = opendir("/proc/self/fd");
  struct dirent *entry;
  while (listing && (entry = readdir(listing))) {
    char path[300], target[PATH_MAX];
    snprintf(path, sizeof path, "/proc/self/fd/%s", entry->d_name);
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length > 0) fprintf(stderr, "  %s -> %.*s\n", entry->d_name, (int)length, target);
  }
  if (listing) closedir(listing);
}

/* Ends released on the host side settle a moment after the cell ended
 * (sockets close on the reactor's thread). Counted around each input, as
 * libFuzzer itself opens some between inputs (its symbolizer's pipes). */
static void check_descriptors(int baseline_fds) {
  int count = open_fd_count();
  for (int i = 0; i < 2000 && count > baseline_fds; i++) {
    nanosleep(&(struct timespec){0, 1000000}, NULL);
    count = open_fd_count();
  }
  if (count > baseline_fds) {
    fprintf(stderr, "fuzz_hostcalls: %d descriptors open after the cell ended, %d before:\n", count,
            baseline_fds);
    list_descriptors();
    fail("descriptor leak");
  }
}

static void check_walls(void) {
  char now[4096];
  describe(ro_path, now, sizeof now);
  if (strcmp(now, ro_before) != 0) {
    fprintf(stderr, "read-only grant was: %s\nnow: %s\n", ro_before, now);
    fail("the cell changed its read-only grant");
  }
  describe(outside_path, now, sizeof now);
  if (strcmp(now, outside_before) != 0) {
    fprintf(stderr, "outside was: %s\nnow: %s\n", outside_before, now);
    fail("the cell changed a directory outside its grants");
  }
}

/* Whether a link's target, read from the link's directory `depth` levels
 * below the grant's root, stays beneath the root (lexically, as a host
 * program following it would go). */
static bool stays_inside(const char *target, int depth) {
  if (target[0] == '/') return false;
  for (const char *part = target; *part;) {
    size_t length = strcspn(part, "/");
    if (length == 2 && part[0] == '.' && part[1] == '.') depth--;
    else if (length && !(length == 1 && part[0] == '.')) depth++;
    if (depth < 0) return false;
    part += length + (part[length] == '/');
  }
  return true;
}

static int check_link(const char *path, const struct stat *status, int flag, struct FTW *walk) {
  (void)status;
  if (flag != FTW_SL && flag != FTW_SLN) return 0;
  char target[PATH_MAX];
  ssize_t length = readlink(path, target, sizeof target - 1);
  if (length < 0) return 0;
  target[length] = '\0';
  if (!stays_inside(target, walk->level - 1)) {
    fprintf(stderr, "fuzz_hostcalls: %s -> %s\n", path, target);
    fail("the cell planted a link that leads out of its grant");
  }
  return 0;
}

static void check_links(void) { nftw(rw_path, check_link, 16, FTW_PHYS); }

static void run_cell(const uint8_t *data, size_t size) {
  channel_end *stdin_write, *stdin_read, *stdout_write, *stdout_read;
  if (channel_create(65536, &stdin_write, &stdin_read) != MINOS_OK ||
      channel_create(4096, &stdout_write, &stdout_read) != MINOS_OK)
    fail("cannot make the cell's stdio channels");
  waiter host;
  waiter_init_host(&host);
  for (size_t done = 0; done < size;) {
    int64_t wrote = channel_write(&host, stdin_write, data + done, (uint32_t)(size - done),
                                  DEADLINE_NEVER);
    if (wrote <= 0) fail("cannot write the input to the cell's stdin");
    done += (size_t)wrote;
  }
  channel_end_close(stdin_write);
  channel_end_close(stdout_read); /* the cell's writes to stdout fail: nobody reads */

  const char *args[] = {"fuzz", "--flag", ""};
  const char *env[] = {"MODE=fuzz", "EMPTY="};
  const cell_grant grants[] = {{rw_path, "/rw", false}, {ro_path, "/ro", true}};
  cell_config config = {
      .name = "fuzz",
      .args = args,
      .arg_count = 3,
      .env = env,
      .env_count = 2,
      .grants = grants,
      .grant_count = 2,
      .stdio = {stdin_read, stdout_write, NULL},
      .memory_limit_bytes = MEMORY_BYTES,
      .cpu_time_ns = CPU_NS,
      .parent_account = workers.root,
      .host_fds = HOST_FDS,
      .max_cells = MAX_CHILDREN,
  };
  cell *created;
  char error[512];
  if (wasm_cell_create(guest, &config, &created, error, sizeof error) != MINOS_OK) {
    fprintf(stderr, "fuzz_hostcalls: cannot create the cell: %s\n", error);
    abort();
  }
  if (runtime_place(&workers, created, PLACE_ANY, NULL) != MINOS_OK) fail("cannot place the cell");
  if (!cell_wait_end(created, &host, deadline_after(WALL_NS))) {
    cell_request_end(created, FAULT_KILLED);
    if (!cell_wait_end(created, &host, deadline_after(KILL_GRACE_NS)))
      fail("a killed cell did not end");
  }
  if (created->outcome.faulted && created->outcome.fault == FAULT_HOST_ERROR)
    fprintf(stderr, "fuzz_hostcalls: the runtime could not serve the cell (host error)\n");
  cell_reap(created);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > INPUT_LIMIT) return -1; /* not added to the corpus */
  if (!started) setup();
  reset_scratch();
  int descriptors = open_fd_count();
  run_cell(data, size);
  check_walls();
  check_links();
  check_descriptors(descriptors);
  return 0;
}
