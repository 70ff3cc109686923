/* SPDX-License-Identifier: Apache-2.0 */
/* The guest API's semantics, one source for both archs: built as a wasm
 * guest and, linked with libminos-guest.a, as a native program, and run
 * with the code of its children on stdin, of either arch:
 *
 *   minos run --max-cells 4 api_portable.wasm < api_portable_native
 *
 * (a wasm parent with native children; the four pairings are tested).
 * It checks channels (data, the end of the stream, a closed reader,
 * unknown descriptors, waits that time out, reads from several ends) and
 * children (cnew, passes, cstart, output, exit codes, ckill, a second
 * cwait, code that is no program), and ends "api_portable ARCH: all N
 * checks passed". A child (argv[0] "child") echoes its stdin to its
 * stdout, prefixed, and exits 3. */
#include <minos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__wasm__)
#define ARCH "wasm"
#else
#define ARCH "native"
#endif

static int checks, failures;

#define CHECK_EQ(call, expected)                                                          \
  do {                                                                                    \
    checks++;                                                                             \
    long long got_ = (long long)(call), want_ = (long long)(expected);                    \
    if (got_ != want_) {                                                                  \
      failures++;                                                                         \
      fprintf(stderr, "FAIL %s:%d: %s = %lld, wanted %lld\n", __FILE__, __LINE__, #call,  \
              got_, want_);                                                               \
    }                                                                                     \
  } while (0)

static int32_t write_all(int32_t wfd, const void *data, uint32_t length) {
  const char *bytes = data;
  for (uint32_t done = 0; done < length;) {
    int32_t written = minos_write(wfd, bytes + done, length - done);
    if (written < 0) return written;
    done += (uint32_t)written;
  }
  return (int32_t)length;
}

static int32_t read_all(int32_t rfd, char *buffer, uint32_t size) {
  uint32_t used = 0;
  int32_t got, from;
  while (used + 1 < size && (got = minos_read(&rfd, 1, buffer + used, size - 1 - used, &from)) > 0)
    used += (uint32_t)got;
  buffer[used] = '\0';
  return (int32_t)used;
}

static int child(void) {
  char input[256], output[300];
  read_all(0, input, sizeof input);
  int length = snprintf(output, sizeof output, "child got: %s", input);
  write_all(1, output, (uint32_t)length);
  return 3;
}

static void channels(void) {
  int32_t ends[2], other[2], from = -1;
  char buffer[64];
  CHECK_EQ(minos_pipe(0, ends), 0);
  CHECK_EQ(minos_write(ends[0], "hello", 5), 5);
  CHECK_EQ(minos_read(&ends[1], 1, buffer, sizeof buffer, &from), 5);
  CHECK_EQ(from, ends[1]);
  CHECK_EQ(memcmp(buffer, "hello", 5), 0);
  CHECK_EQ(minos_try_read(&ends[1], 1, buffer, sizeof buffer, &from), -MINOS_EAGAIN);
  CHECK_EQ(minos_read_timeout(&ends[1], 1, buffer, sizeof buffer, &from, 1000000),
           -MINOS_ETIMEDOUT);
  CHECK_EQ(minos_pipe(0, other), 0);
  CHECK_EQ(minos_write(other[0], "x", 1), 1);
  int32_t both[2] = {ends[1], other[1]};
  CHECK_EQ(minos_read(both, 2, buffer, sizeof buffer, &from), 1);
  CHECK_EQ(from, other[1]);
  CHECK_EQ(minos_wclose(ends[0]), 0);
  CHECK_EQ(minos_read(&ends[1], 1, buffer, sizeof buffer, &from), 0); /* the end */
  CHECK_EQ(minos_rclose(other[1]), 0);
  CHECK_EQ(minos_write(other[0], "y", 1), -MINOS_ECLOSED);
  CHECK_EQ(minos_wclose(other[0]), 0);
  CHECK_EQ(minos_rclose(ends[1]), 0);
  CHECK_EQ(minos_wclose(ends[0]), -MINOS_EBADF);
  CHECK_EQ(minos_write(999, "z", 1), -MINOS_EBADF);
}

/* A child from the code, its stdin and stdout passed as pipes. */
static int32_t new_child(const char *code, uint32_t size, int32_t *input, int32_t *output) {
  int32_t code_ends[2], in[2], out[2];
  minos_arch_spec spec = {.size = sizeof spec,
                          .arch = memcmp(code, "\0asm", 4) == 0 ? MINOS_ARCH_WASM
                                                                : MINOS_ARCH_NATIVE};
  CHECK_EQ(minos_pipe(size, code_ends), 0);
  CHECK_EQ(write_all(code_ends[0], code, size), (int32_t)size);
  CHECK_EQ(minos_wclose(code_ends[0]), 0);
  int32_t cid = minos_cnew(code_ends[1], &spec, sizeof spec);
  if (cid < 0) return cid;
  CHECK_EQ(minos_pipe(0, in), 0);
  CHECK_EQ(minos_pipe(0, out), 0);
  CHECK_EQ(minos_rpass(in[1], cid), 0);
  CHECK_EQ(minos_wpass(out[0], cid), 1);
  *input = in[0];
  *output = out[1];
  return cid;
}

static void children(const char *code, uint32_t size) {
  int32_t input, output;
  char buffer[256];
  minos_cell_status status = {99, 99};
  int32_t cid = new_child(code, size, &input, &output);
  CHECK_EQ(cid, 1);
  CHECK_EQ(minos_cstart(cid), 0);
  CHECK_EQ(write_all(input, "ping", 4), 4);
  CHECK_EQ(minos_wclose(input), 0);
  CHECK_EQ(read_all(output, buffer, sizeof buffer), 15);
  CHECK_EQ(strcmp(buffer, "child got: ping"), 0);
  CHECK_EQ(minos_cwait(cid, &status), 0);
  CHECK_EQ(status.fault, MINOS_FAULT_NONE);
  CHECK_EQ(status.exit_code, 3);
  CHECK_EQ(minos_cwait(cid, &status), -MINOS_EBADF);
  CHECK_EQ(minos_rclose(output), 0);

  /* Killed while it waits for input that never ends. */
  cid = new_child(code, size, &input, &output);
  CHECK_EQ(minos_cstart(cid), 0);
  CHECK_EQ(minos_ckill(cid), 0);
  CHECK_EQ(minos_cwait(cid, &status), 0);
  CHECK_EQ(status.fault, MINOS_FAULT_KILLED);
  CHECK_EQ(minos_wclose(input), 0);
  CHECK_EQ(minos_rclose(output), 0);

  /* Code that is no program of either arch. */
  cid = new_child("this is not code at all", 23, &input, &output);
  CHECK_EQ(cid, -MINOS_EMODULE);
}

static char *read_stdin(uint32_t *size) {
  uint32_t capacity = 1 << 20, used = 0;
  char *code = malloc(capacity);
  int32_t got, from, in = 0;
  while (code && (got = minos_read(&in, 1, code + used, capacity - used, &from)) > 0) {
    used += (uint32_t)got;
    if (used == capacity) code = realloc(code, capacity *= 2);
  }
  *size = used;
  return code;
}

int main(int argc, char **argv) {
  if (argc >= 1 && strcmp(argv[0], "child") == 0) return child();
  uint32_t size;
  char *code = read_stdin(&size);
  if (!code || size < 4) {
    fprintf(stderr, "api_portable: give a child's code on stdin\n");
    return 64;
  }
  channels();
  children(code, size);
  free(code);
  if (failures) {
    fprintf(stderr, "api_portable " ARCH ": %d of %d checks failed\n", failures, checks);
    return 1;
  }
  printf("api_portable " ARCH ": all %d checks passed\n", checks);
  return 0;
}
