/* SPDX-License-Identifier: Apache-2.0 */
/* Limits are inherited and total (tests/limits.cmake): a cell's children
 * get at most what it has left, and what they spend counts against it.
 * Children are limits_child.wasm, read from /guests. One section per run,
 * each under the minos run flags its test gives:
 *
 *   memory       (--max-memory 8M) three children grabbing all the memory
 *                they can hold less than 8 MiB together; a child asking for
 *                more than is left is refused; memory comes back when they end
 *   channels     (--max-memory 4M) channels count as memory: no 64 MiB
 *                channel, at most 3 of 1 MiB, for the cell and its child;
 *                closed ones come back
 *   cpu          (--max-cpu 2s) a child asking more than is left is refused;
 *                a child with 300 ms whose three spinning children share
 *                them ends at its CPU limit itself
 *   cells        (--max-cells 10) ten live descendants, then MINOS_ELIMIT;
 *                one reaped makes room for one; grandchildren count
 *   total-cells  (--max-cells 100 --max-total-cells 4) the runtime's cap
 *   no-spawn     (no --max-cells) cnew is not granted: MINOS_EPERM
 *   descriptors  (--max-descriptors 12) a child asking more is refused; a
 *                child inheriting 12 makes 5 pipes, then MINOS_ELIMIT */
#include <stdlib.h>
#include <string.h>

#include "api_common.h"

static unsigned char *child_code;
static uint32_t child_size;

/* A child running `command`, its fd 1 a new channel whose read end is
 * returned in *from_child (if not NULL); started. */
static struct child prepare(const char *command, const minos_arch_spec *spec,
                            int32_t *from_child) {
  struct child c = child_new(child_code, child_size, spec, command);
  int32_t out[2];
  REQUIRE(minos_pipe(0, out) == 0);
  REQUIRE(minos_wpass(out[0], c.cid) == 1);
  *from_child = out[1];
  return c;
}

static struct child start(const char *command, const minos_arch_spec *spec, int32_t *from_child) {
  struct child c = prepare(command, spec, from_child);
  CHECK_EQ(minos_cstart(c.cid), 0);
  return c;
}

/* One line from a child: a number, then what follows it. */
static long read_number(int32_t rfd, char *rest, size_t rest_size) {
  char line[64] = {0};
  size_t length = 0;
  while (length + 1 < sizeof line && (length == 0 || line[length - 1] != '\n')) {
    int32_t from, got = minos_read_timeout(&rfd, 1, line + length, 1, &from, 3000000000ll);
    if (got < 0) fprintf(stderr, "DEBUG read %d\n", got);
    if (got <= 0) break;
    length++;
  }
  if (length == 0) {
    fprintf(stderr, "FAIL: a child said nothing\n");
    exit(1);
  }
  char *end;
  long number = strtol(line, &end, 10);
  if (rest) snprintf(rest, rest_size, "%s", end);
  return number;
}

static void end_child(struct child c, uint32_t fault, uint32_t exit_code) {
  if (c.in >= 0) CHECK_EQ(minos_wclose(c.in), 0);
  minos_cell_status status;
  CHECK_EQ(minos_cwait(c.cid, &status), 0);
  CHECK_STATUS(status, fault, exit_code);
}

/* The code as a finished read end passed to child `cid` (its next fd). */
static void pass_code(int32_t cid, int32_t expected_fd) {
  CHECK_EQ(minos_rpass(code_channel(child_code, child_size), cid), expected_fd);
}

static void memory(void) {
  minos_arch_spec spec = default_spec();
  spec.memory_bytes = 64u << 20;
  CHECK_ERR(cnew_bytes(child_code, child_size, &spec), MINOS_ELIMIT);
  spec.memory_bytes = 0; /* what is left: about 8 MiB each, at their creation */
  struct child holders[3];
  int32_t from[3];
  for (int i = 0; i < 3; i++) holders[i] = prepare("grab", &spec, &from[i]);
  for (int i = 0; i < 3; i++) CHECK_EQ(minos_cstart(holders[i].cid), 0);
  long total = 0;
  for (int i = 0; i < 3; i++) {
    long held = read_number(from[i], NULL, 0);
    printf("child %d holds %ld KiB\n", i + 1, held);
    total += held;
  }
  CHECK(total >= 2048);
  printf("children hold %ld KiB together\n", total);
  CHECK(total < 8192);
  for (int i = 0; i < 3; i++) end_child(holders[i], MINOS_FAULT_NONE, 0);
  int32_t again_from;
  struct child again = start("grab", &spec, &again_from);
  CHECK(read_number(again_from, NULL, 0) >= 2048); /* theirs came back */
  end_child(again, MINOS_FAULT_NONE, 0);
}

static void channels(void) {
  int32_t ends[2], made[8][2];
  CHECK_ERR(minos_pipe(64u << 20, ends), MINOS_ELIMIT);
  int count = 0, rc;
  while (count < 8 && (rc = minos_pipe(1u << 20, made[count])) == 0) count++;
  printf("pipes of 1 MiB: %d, then %s\n", count, status_name(rc));
  CHECK(count >= 1 && count <= 3);
  CHECK_ERR(rc, MINOS_ELIMIT);
  for (int i = 0; i < count; i++) {
    CHECK_EQ(minos_wclose(made[i][0]), 0);
    CHECK_EQ(minos_rclose(made[i][1]), 0);
  }
  CHECK_EQ(minos_pipe(1u << 20, ends), 0); /* closed channels came back */
  CHECK_EQ(minos_wclose(ends[0]), 0);
  CHECK_EQ(minos_rclose(ends[1]), 0);
  /* A child's channels count against its parent too. */
  minos_arch_spec spec = default_spec();
  int32_t from;
  struct child c = start("pipes 1048576", &spec, &from);
  char rest[32];
  long child_made = read_number(from, rest, sizeof rest);
  printf("child's pipes of 1 MiB: %ld,%s", child_made, rest);
  CHECK(child_made <= 3);
  CHECK(strcmp(rest, " ELIMIT\n") == 0);
  end_child(c, MINOS_FAULT_NONE, 0);
}

static void cpu(void) {
  minos_arch_spec spec = default_spec();
  spec.cpu_time_ns = 10000000000ull; /* 10 s: more than the 2 s it has */
  CHECK_ERR(cnew_bytes(child_code, child_size, &spec), MINOS_ELIMIT);
  spec.cpu_time_ns = 300000000ull;
  struct child middle = child_new(child_code, child_size, &spec, "spinners 3");
  pass_code(middle.cid, 1);
  CHECK_EQ(minos_wclose(middle.in), 0);
  middle.in = -1;
  CHECK_EQ(minos_cstart(middle.cid), 0);
  /* Its three children share its 300 ms: when they have spent them, it
   * has none left either. */
  end_child(middle, MINOS_FAULT_CPU_LIMIT, 0);
}

static void cells(void) {
  minos_arch_spec spec = default_spec();
  struct child waiting[12];
  int count = 0;
  int32_t rc = 0;
  while (count < 12) {
    rc = cnew_bytes(child_code, child_size, &spec);
    if (rc < 0) break;
    minos_ckill(rc);
    waiting[count++] = (struct child){rc, -1};
  }
  printf("cells: %d, then %s\n", count, status_name(rc));
  CHECK_EQ(count, 10);
  CHECK_ERR(rc, MINOS_ELIMIT);
  end_child(waiting[4], MINOS_FAULT_KILLED, 0); /* reaped: room for one */
  int32_t cid = cnew_bytes(child_code, child_size, &spec);
  CHECK_EQ(cid, waiting[4].cid);
  CHECK_ERR(cnew_bytes(child_code, child_size, &spec), MINOS_ELIMIT);
  for (int i = 0; i < count; i++) {
    minos_cell_status status;
    CHECK_EQ(minos_cwait(waiting[i].cid, &status), 0);
  }
  /* A child's children count too: it may have 9 below it, itself one. */
  struct child spawner = child_new(child_code, child_size, &spec, "children");
  pass_code(spawner.cid, 1);
  int32_t out[2];
  CHECK_EQ(minos_pipe(0, out), 0);
  CHECK_EQ(minos_wpass(out[0], spawner.cid), 2);
  CHECK_EQ(minos_wclose(spawner.in), 0);
  spawner.in = -1;
  CHECK_EQ(minos_cstart(spawner.cid), 0);
  char rest[32];
  long made = read_number(out[1], rest, sizeof rest);
  printf("grandchildren: %ld,%s", made, rest);
  CHECK_EQ(made, 9);
  CHECK(strcmp(rest, " ELIMIT\n") == 0);
  end_child(spawner, MINOS_FAULT_NONE, 0);
}

static void total_cells(void) {
  minos_arch_spec spec = default_spec();
  int count = 0;
  int32_t rc = 0;
  while (count < 10 && (rc = cnew_bytes(child_code, child_size, &spec)) > 0) count++;
  printf("cells in the runtime besides this one: %d, then %s\n", count, status_name(rc));
  CHECK_EQ(count, 3);
  CHECK_ERR(rc, MINOS_ELIMIT);
}

static void no_spawn(void) {
  minos_arch_spec spec = default_spec();
  CHECK_ERR(cnew_bytes(child_code, child_size, &spec), MINOS_EPERM);
  CHECK_ERR(cnew_bytes(child_code, child_size, &spec), MINOS_EPERM);
  printf("cnew not granted: EPERM, and the cell carries on\n");
}

static void descriptors(void) {
  minos_arch_spec spec = default_spec();
  spec.descriptors = 100;
  CHECK_ERR(cnew_bytes(child_code, child_size, &spec), MINOS_ELIMIT);
  spec.descriptors = 0; /* the parent's 12: fds 0 and 1, then 5 pipes */
  int32_t from;
  struct child c = start("pipes 0", &spec, &from);
  char rest[32];
  long made = read_number(from, rest, sizeof rest);
  printf("child's pipes: %ld,%s", made, rest);
  CHECK_EQ(made, 5);
  CHECK(strcmp(rest, " ELIMIT\n") == 0);
  end_child(c, MINOS_FAULT_NONE, 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: limits_tree SECTION\n");
    return 2;
  }
  const char *section = argv[1];
  child_code = load_file("/guests/limits_child.wasm", &child_size);
  if (strcmp(section, "memory") == 0) memory();
  else if (strcmp(section, "channels") == 0) channels();
  else if (strcmp(section, "cpu") == 0) cpu();
  else if (strcmp(section, "cells") == 0) cells();
  else if (strcmp(section, "total-cells") == 0) total_cells();
  else if (strcmp(section, "no-spawn") == 0) no_spawn();
  else if (strcmp(section, "descriptors") == 0) descriptors();
  else {
    fprintf(stderr, "unknown section %s\n", section);
    return 2;
  }
  char name[64];
  snprintf(name, sizeof name, "limits_tree %s", section);
  api_exit(name);
}
