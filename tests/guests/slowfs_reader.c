/* SPDX-License-Identifier: Apache-2.0 */
/* Calls on a slow file system (tests/slowfs.cmake). Run with
 * MINOS_WORKERS=1, so a ticker child shares this cell's worker.
 *
 *   slowfs_reader.wasm ACTION SELF PATH EXPECTED
 *     start a ticker child from SELF (this module), say "reading", do
 *     ACTION on PATH (which blocks in tests/tools/slowfs_fuse.c until the
 *     test releases it), count the ticks that arrived meanwhile and check
 *     the result is EXPECTED; prints "read N bytes in M ms; the neighbour
 *     ticked T times meanwhile". The call must have waited (a second at
 *     least) while the neighbour ticked, except for the actions that must
 *     not wait for the file system at all (close, poll), which must
 *     return within a second. ACTION is one of those in `actions` below.
 *   slowfs_reader.wasm read FILE EXPECTED
 *     read FILE and check it holds EXPECTED.
 *   slowfs_reader.wasm hang FILE
 *     say "reading" and read FILE (the test ends this cell meanwhile).
 *   As a child (no arguments): writes a tick to fd 0 every 5 ms until
 *   that fails. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_common.h"

#define TICK_NS 5000000ull

static int tick(void) {
  struct timespec pause = {0, (long)TICK_NS};
  while (minos_write(0, "t", 1) == 1) nanosleep(&pause, NULL);
  return 0;
}

static uint32_t drain_ticks(int32_t from_ticker) {
  uint32_t ticks = 0;
  char buffer[4096];
  int32_t which;
  for (;;) {
    int32_t got = minos_try_read(&from_ticker, 1, buffer, sizeof buffer, &which);
    if (got <= 0) return ticks;
    ticks += (uint32_t)got;
  }
}

/* A running ticker child on this worker; its ticks arrive on *ticks. */
static int32_t start_ticker(const char *self_path, int32_t *ticks) {
  uint32_t size;
  unsigned char *code = load_file(self_path, &size);
  minos_arch_spec spec = default_spec();
  int32_t ticker = cnew_bytes(code, size, &spec);
  free(code);
  REQUIRE(ticker > 0);
  int32_t ends[2];
  REQUIRE(minos_pipe(1 << 20, ends) == 0);
  CHECK_EQ(minos_wpass(ends[0], ticker), 0);
  CHECK_EQ(minos_cstart(ticker), 0);
  /* It has run once it ticked: what is counted next is what it did while
   * this cell read. */
  char first;
  int32_t which;
  CHECK_EQ(minos_read(&ends[1], 1, &first, 1, &which), 1);
  drain_ticks(ends[1]);
  *ticks = ends[1];
  return ticker;
}

/* The whole file with plain open and read (one read blocks on the slow
 * file system). */
static ssize_t read_whole(const char *path, char *buffer, size_t size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    fprintf(stderr, "FAIL cannot open %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t length = 0;
  ssize_t got;
  while (length < size && (got = read(fd, buffer + length, size - length)) > 0)
    length += (size_t)got;
  close(fd);
  return (ssize_t)length;
}

/* The names in a directory, as "lister" says (one readdir blocks on the
 * slow file system). */
static ssize_t list_names(const char *path, char *buffer, size_t size) {
  DIR *directory = opendir(path);
  if (!directory) {
    fprintf(stderr, "FAIL cannot open directory %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t length = 0;
  struct dirent *entry;
  while ((entry = readdir(directory)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    int wrote = snprintf(buffer + length, size - length, "%s ", entry->d_name);
    if (wrote < 0 || (size_t)wrote >= size - length) break;
    length += (size_t)wrote;
  }
  closedir(directory);
  return (ssize_t)length;
}

/* "made" once the directory is made (mkdir blocks on the slow file
 * system). */
static ssize_t make_directory(const char *path, char *buffer, size_t size) {
  if (mkdir(path, 0755) != 0) {
    fprintf(stderr, "FAIL cannot make directory %s: %s\n", path, strerror(errno));
    return -1;
  }
  return snprintf(buffer, size, "made");
}

/* The result of a call as text: `done` when it succeeded. */
static ssize_t outcome(int result, const char *what, const char *path, const char *done,
                       char *buffer, size_t size) {
  if (result != 0) {
    fprintf(stderr, "FAIL %s %s: %s\n", what, path, strerror(errno));
    return -1;
  }
  return snprintf(buffer, size, "%s", done);
}

/* `name` beside the file at `path`. */
static void sibling(const char *path, const char *name, char *out, size_t size) {
  const char *slash = strrchr(path, '/');
  int directory = slash ? (int)(slash - path) : 0;
  snprintf(out, size, "%.*s/%s", directory, path, name);
}

static int open_or_say(const char *path, int flags) {
  int fd = open(path, flags);
  if (fd < 0) fprintf(stderr, "FAIL cannot open %s: %s\n", path, strerror(errno));
  return fd;
}

static ssize_t close_file(const char *path, char *buffer, size_t size) {
  int fd = open_or_say(path, O_RDONLY);
  return fd < 0 ? -1 : outcome(close(fd), "close", path, "closed", buffer, size);
}

static ssize_t sync_file(const char *path, char *buffer, size_t size) {
  int fd = open_or_say(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t length = outcome(fsync(fd), "fsync", path, "synced", buffer, size);
  close(fd);
  return length;
}

static ssize_t allocate(const char *path, char *buffer, size_t size) {
  int fd = open_or_say(path, O_RDWR);
  if (fd < 0) return -1;
  errno = posix_fallocate(fd, 0, 10);
  ssize_t length = outcome(errno ? -1 : 0, "fallocate", path, "allocated", buffer, size);
  close(fd);
  return length;
}

static ssize_t change_times_of_descriptor(const char *path, char *buffer, size_t size) {
  int fd = open_or_say(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t length = outcome(futimens(fd, NULL), "futimens", path, "touched", buffer, size);
  close(fd);
  return length;
}

static ssize_t change_times(const char *path, char *buffer, size_t size) {
  return outcome(utimensat(AT_FDCWD, path, NULL, 0), "utimensat", path, "touched", buffer, size);
}

/* Opened and read from: from then on its size is slow to ask. */
static int open_sized(const char *path) {
  int fd = open_or_say(path, O_RDONLY);
  char first;
  if (fd >= 0 && read(fd, &first, 1) != 1) {
    fprintf(stderr, "FAIL cannot read %s: %s\n", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

static ssize_t seek_to_end(const char *path, char *buffer, size_t size) {
  int fd = open_sized(path);
  if (fd < 0) return -1;
  off_t end = lseek(fd, 0, SEEK_END);
  close(fd);
  if (end < 0) return outcome(-1, "lseek", path, "", buffer, size);
  return snprintf(buffer, size, "%lld", (long long)end);
}

static ssize_t status_of_path(const char *path, char *buffer, size_t size) {
  int fd = open_sized(path);
  if (fd < 0) return -1;
  struct stat status;
  int result = stat(path, &status);
  close(fd);
  if (result != 0) return outcome(-1, "stat", path, "", buffer, size);
  return snprintf(buffer, size, "%lld", (long long)status.st_size);
}

static ssize_t poll_file(const char *path, char *buffer, size_t size) {
  int fd = open_or_say(path, O_RDONLY);
  if (fd < 0) return -1;
  struct pollfd waiting = {.fd = fd, .events = POLLIN};
  int ready = poll(&waiting, 1, 5000);
  close(fd);
  if (ready != 1) return outcome(-1, "poll", path, "", buffer, size);
  return snprintf(buffer, size, "ready");
}

static ssize_t rename_file(const char *path, char *buffer, size_t size) {
  char to[256];
  sibling(path, "moved.txt", to, sizeof to);
  return outcome(rename(path, to), "rename", path, "renamed", buffer, size);
}

static ssize_t link_file(const char *path, char *buffer, size_t size) {
  char to[256];
  sibling(path, "hard.txt", to, sizeof to);
  return outcome(link(path, to), "link", path, "linked", buffer, size);
}

static ssize_t make_symlink(const char *path, char *buffer, size_t size) {
  return outcome(symlink("slow.txt", path), "symlink", path, "linked", buffer, size);
}

static ssize_t read_symlink(const char *path, char *buffer, size_t size) {
  ssize_t length = readlink(path, buffer, size);
  return length < 0 ? outcome(-1, "readlink", path, "", buffer, size) : length;
}

static ssize_t unlink_file(const char *path, char *buffer, size_t size) {
  return outcome(unlink(path), "unlink", path, "unlinked", buffer, size);
}

static ssize_t remove_directory(const char *path, char *buffer, size_t size) {
  return outcome(rmdir(path), "rmdir", path, "removed", buffer, size);
}

typedef ssize_t (*fetch)(const char *path, char *buffer, size_t size);

static const struct action {
  const char *name;
  fetch take;
  bool waits; /* for the file system; if not, it must not wait at all */
} actions[] = {
    {"ticker", read_whole, true},          {"lister", list_names, true},
    {"maker", make_directory, true},       {"closer", close_file, false},
    {"syncer", sync_file, true},           {"allocator", allocate, true},
    {"futimer", change_times_of_descriptor, true}, {"toucher", change_times, true},
    {"seeker", seek_to_end, true},         {"stater", status_of_path, true},
    {"poller", poll_file, false},          {"renamer", rename_file, true},
    {"linker", link_file, true},           {"symlinker", make_symlink, true},
    {"readlinker", read_symlink, true},    {"unlinker", unlink_file, true},
    {"remover", remove_directory, true},
};

static void check_data(const char *path, const char *expected) {
  char buffer[256];
  ssize_t length = read_whole(path, buffer, sizeof buffer - 1);
  CHECK_EQ(length, (long long)strlen(expected));
  if (length >= 0) {
    buffer[length] = '\0';
    CHECK_EQ(strcmp(buffer, expected), 0);
  }
}

static void read_beside_ticker(const char *self_path, const struct action *action,
                               const char *path, const char *expected) {
  int32_t ticks;
  int32_t ticker = start_ticker(self_path, &ticks);
  printf("reading\n");
  fflush(stdout);
  uint64_t started = now_ns();
  char buffer[256];
  ssize_t length = action->take(path, buffer, sizeof buffer - 1);
  uint64_t took_ms = (now_ns() - started) / 1000000;
  uint32_t ticked = drain_ticks(ticks);
  printf("read %lld bytes in %llu ms; the neighbour ticked %u times meanwhile\n",
         (long long)length, (unsigned long long)took_ms, ticked);
  CHECK_EQ(length, (long long)strlen(expected));
  if (length >= 0) {
    buffer[length] = '\0';
    CHECK_EQ(strcmp(buffer, expected), 0);
  }
  /* The test releases the call two seconds after "reading"; a frozen
   * worker would let the ticker tick once or twice in it. */
  if (action->waits) {
    CHECK(took_ms >= 1000);
    CHECK(ticked >= 20);
  } else {
    CHECK(took_ms < 1000);
  }
  minos_cell_status status;
  CHECK_EQ(minos_ckill(ticker), 0);
  CHECK_EQ(minos_cwait(ticker, &status), 0);
}

static void hang(const char *path) {
  printf("reading\n");
  fflush(stdout);
  char buffer[256];
  ssize_t length = read_whole(path, buffer, sizeof buffer);
  printf("read returned %lld\n", (long long)length);
}

int main(int argc, char **argv) {
  if (argc < 2) return tick();
  const struct action *action = NULL;
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
    if (strcmp(argv[1], actions[i].name) == 0) action = &actions[i];
  if (action && argc == 5) read_beside_ticker(argv[2], action, argv[3], argv[4]);
  else if (strcmp(argv[1], "read") == 0 && argc == 4) check_data(argv[2], argv[3]);
  else if (strcmp(argv[1], "hang") == 0 && argc == 3) hang(argv[2]);
  else return 64;
  char name[64];
  snprintf(name, sizeof name, "slowfs_reader %s", argv[1]);
  api_exit(name);
}
