/* SPDX-License-Identifier: Apache-2.0 */
/* pipeline: runs wasm modules as a shell pipeline of child cells,
 *
 *   minos run --ro-dir DIR::/bin pipeline.wasm /bin/a.wasm /bin/b.wasm ...
 *
 * The parent's stdin becomes the first stage's stdin, each stage's stdout
 * the next one's stdin, and the last stage's stdout the parent's stdout:
 * the parent hands its own stdio ends to the children (rpass/wpass), so
 * data never goes through it. Each module is read from the granted
 * directory and piped to cnew as bytes. The stages are ordinary WASI
 * programs; they only see descriptors 0 and 1. When all have ended, the
 * parent reports each one's end on stderr and exits 0 if all exited 0. */
#include <minos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STAGES 16

static int fail(const char *what, const char *path, int32_t status) {
  fprintf(stderr, "pipeline: %s %s: minos error %d\n", what, path, (int)-status);
  return 1;
}

/* A finished channel holding the module at `path`; its read end. */
static int32_t code_from_file(const char *path) {
  FILE *file = fopen(path, "rb");
  if (!file) return -1;
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  unsigned char *code = malloc(size > 0 ? (size_t)size : 1);
  size_t got = code ? fread(code, 1, (size_t)size, file) : 0;
  fclose(file);
  int32_t ends[2];
  if (size <= 0 || got != (size_t)size || minos_pipe((uint32_t)size, ends) != 0) {
    free(code);
    return -1;
  }
  for (uint32_t done = 0; done < (uint32_t)size;) {
    int32_t n = minos_write(ends[0], code + done, (uint32_t)size - done);
    if (n <= 0) return -1;
    done += (uint32_t)n;
  }
  free(code);
  minos_wclose(ends[0]);
  return ends[1];
}

int main(int argc, char **argv) {
  int stages = argc - 1;
  if (stages < 1 || stages > MAX_STAGES) {
    fprintf(stderr, "usage: pipeline MODULE.wasm...\n");
    return 2;
  }
  minos_arch_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.size = sizeof spec;
  spec.arch = MINOS_ARCH_WASM;

  int32_t cids[MAX_STAGES];
  for (int i = 0; i < stages; i++) {
    int32_t code = code_from_file(argv[i + 1]);
    if (code < 0) {
      fprintf(stderr, "pipeline: cannot read %s\n", argv[i + 1]);
      return 1;
    }
    cids[i] = minos_cnew(code, &spec, sizeof spec);
    if (cids[i] < 0) return fail("cannot create a cell from", argv[i + 1], cids[i]);
  }
  /* Wire them: the first pass is a child's stdin (0), the second its stdout (1). */
  int32_t in = 0; /* our stdin, for the first stage */
  for (int i = 0; i < stages; i++) {
    int32_t out = 1, ends[2] = {-1, -1}; /* our stdout, for the last stage */
    if (i + 1 < stages) {
      int32_t rc = minos_pipe(0, ends);
      if (rc != 0) return fail("cannot make a pipe after", argv[i + 1], rc);
      out = ends[0];
    }
    int32_t rc = minos_rpass(in, cids[i]);
    if (rc != 0) return fail("cannot pass stdin to", argv[i + 1], rc < 0 ? rc : -MINOS_EIO);
    rc = minos_wpass(out, cids[i]);
    if (rc != 1) return fail("cannot pass stdout to", argv[i + 1], rc < 0 ? rc : -MINOS_EIO);
    in = ends[1];
  }
  for (int i = 0; i < stages; i++) minos_cstart(cids[i]);

  int failed = 0;
  for (int i = 0; i < stages; i++) {
    minos_cell_status status;
    int32_t rc = minos_cwait(cids[i], &status);
    if (rc != 0) return fail("cannot wait for", argv[i + 1], rc);
    if (status.fault == MINOS_FAULT_NONE) {
      fprintf(stderr, "pipeline: %s exited %u\n", argv[i + 1], status.exit_code);
      failed |= status.exit_code != 0;
    } else {
      fprintf(stderr, "pipeline: %s ended: %s\n", argv[i + 1],
              minos_fault_text(status.fault));
      failed = 1;
    }
  }
  return failed;
}
