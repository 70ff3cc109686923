/* Reading files on a slow file system (tests/slowfs.cmake). Run with
 * MINOS_WORKERS=1, so a ticker child shares this cell's worker.
 *
 *   slowfs_reader.wasm ticker SELF FILE EXPECTED
 *     start a ticker child from SELF (this module), say "reading", read
 *     FILE (whose read blocks until the test releases it), count the
 *     ticks that arrived meanwhile and check the data is EXPECTED; prints
 *     "read N bytes in M ms; the neighbour ticked T times meanwhile".
 *   slowfs_reader.wasm lister SELF DIRECTORY EXPECTED
 *     the same with a listing of DIRECTORY (whose listing blocks): its
 *     names but . and .., each followed by a space, must be EXPECTED.
 *   slowfs_reader.wasm maker SELF DIRECTORY made
 *     the same with a mkdir of DIRECTORY (which blocks), which must
 *     succeed.
 *   slowfs_reader.wasm read FILE EXPECTED
 *     read FILE and check it holds EXPECTED.
 *   slowfs_reader.wasm hang FILE
 *     say "reading" and read FILE (the test ends this cell meanwhile).
 *   As a child (no arguments): writes a tick to fd 0 every 5 ms until
 *   that fails. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

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

static void check_data(const char *path, const char *expected) {
  char buffer[256];
  ssize_t length = read_whole(path, buffer, sizeof buffer - 1);
  CHECK_EQ(length, (long long)strlen(expected));
  if (length >= 0) {
    buffer[length] = '\0';
    CHECK_EQ(strcmp(buffer, expected), 0);
  }
}

typedef ssize_t (*fetch)(const char *path, char *buffer, size_t size);

static void read_beside_ticker(const char *self_path, fetch take, const char *path,
                               const char *expected) {
  int32_t ticks;
  int32_t ticker = start_ticker(self_path, &ticks);
  printf("reading\n");
  fflush(stdout);
  uint64_t started = now_ns();
  char buffer[256];
  ssize_t length = take(path, buffer, sizeof buffer - 1);
  uint64_t took_ms = (now_ns() - started) / 1000000;
  uint32_t ticked = drain_ticks(ticks);
  printf("read %lld bytes in %llu ms; the neighbour ticked %u times meanwhile\n",
         (long long)length, (unsigned long long)took_ms, ticked);
  CHECK_EQ(length, (long long)strlen(expected));
  if (length >= 0) {
    buffer[length] = '\0';
    CHECK_EQ(strcmp(buffer, expected), 0);
  }
  /* The test releases the read a second after "reading" at the earliest;
   * a frozen worker would let the ticker tick once or twice in it. */
  CHECK(took_ms >= 1000);
  CHECK(ticked >= 20);
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
  if (strcmp(argv[1], "ticker") == 0 && argc == 5)
    read_beside_ticker(argv[2], read_whole, argv[3], argv[4]);
  else if (strcmp(argv[1], "lister") == 0 && argc == 5)
    read_beside_ticker(argv[2], list_names, argv[3], argv[4]);
  else if (strcmp(argv[1], "maker") == 0 && argc == 5)
    read_beside_ticker(argv[2], make_directory, argv[3], argv[4]);
  else if (strcmp(argv[1], "read") == 0 && argc == 4) check_data(argv[2], argv[3]);
  else if (strcmp(argv[1], "hang") == 0 && argc == 3) hang(argv[2]);
  else return 64;
  char name[64];
  snprintf(name, sizeof name, "slowfs_reader %s", argv[1]);
  api_exit(name);
}
