/* SPDX-License-Identifier: Apache-2.0 */
/* libminos: the embedding API. A C program links libminos (pkg-config
 * minos) to run sealed cells inside itself and talk to them over channels:
 * the way an application sandboxes a parser or a plugin.
 *
 * Lifecycle, as in libuv: every object is created by a *_new call that
 * returns a minos_status, and released by exactly one *_free (or, for a
 * channel end, minos_end_close). A cell starts running when minos_cell_new
 * returns; minos_cell_free on a running cell kills it. minos_runtime_free
 * waits for every cell of the runtime to end, after killing the ones whose
 * handles were freed.
 *
 * Threads: any host thread may use any object, one call at a time per
 * object. Blocking calls block only the calling thread; cells run on the
 * runtime's own worker threads. */
#ifndef MINOS_HOST_H
#define MINOS_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <minos.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct minos_runtime minos_runtime;
typedef struct minos_cell minos_cell;
typedef struct minos_end minos_end; /* one end of a channel, held by the host */

/* worker_count 0: one per core. */
minos_status minos_runtime_new(unsigned worker_count, minos_runtime **out);
/* The most cells alive in the runtime at once, every cell's children
 * included (default: one per 8 KiB of RAM, at least 1,024); a cell or a
 * cnew past it fails with MINOS_ELIMIT. MINOS_EINVAL for 0 or more than
 * 100,000,000. */
minos_status minos_runtime_set_max_cells(minos_runtime *runtime, uint64_t max_cells);
void minos_runtime_free(minos_runtime *runtime);

/* A channel of `capacity` bytes (0: the default); both ends the host's. */
minos_status minos_pipe_new(uint32_t capacity, minos_end **write_end, minos_end **read_end);
/* timeout_ns as for the guest API's read: MINOS_WAIT_FOREVER, MINOS_NO_WAIT
 * or nanoseconds. Bytes moved (>= 1; 0 from read: finished), or a negated
 * minos_status. */
int64_t minos_end_write(minos_end *write_end, const void *data, size_t length, int64_t timeout_ns);
int64_t minos_end_read(minos_end *read_end, void *buffer, size_t size, int64_t timeout_ns);
void minos_end_close(minos_end *end);

/* A cell's options. Set size to sizeof(minos_cell_options) (the layout's
 * version: fields added later are read only from callers that have them),
 * then whatever differs from the defaults. A 0 means the documented
 * default, never "unlimited": memory and descriptors always have a limit,
 * and creating cells is off unless max_cells is set. CPU time is the one
 * limit off by default (as in minos run and specs): what is right depends
 * on the program. */
typedef struct minos_cell_options {
  /* sizeof(minos_cell_options). Less than the first version's size is
   * refused (MINOS_EINVAL) without touching the stdio ends, which then
   * stay the caller's. */
  size_t size;
  const char *name;                /* for logs; NULL: "cell" */
  const char *module_path;         /* a .wasm file, or: */
  const uint8_t *module_bytes;     /* the module itself */
  size_t module_size;
  const char *const *args;         /* args[0] is the program name */
  size_t arg_count;
  const char *const *env;          /* "KEY=VALUE" */
  size_t env_count;
  uint64_t memory_bytes;           /* linear memory and channels; 0: 64 MiB; at least 64 KiB */
  uint64_t cpu_time_ns;            /* 0: no CPU limit */
  uint32_t descriptors;            /* descriptors at once (channel ends too); 0: 1024 */
  uint32_t max_cells;              /* live descendants (cnew); 0: it may create none */
  /* The cell's stdin (a read end), stdout and stderr (write ends); NULL
   * leaves the slot closed. minos_cell_new takes them over, even when it
   * fails. */
  minos_end *stdio[3];
  /* Added in the second version of the struct (read only when size covers
   * it): wall-clock time from minos_cell_new until the cell is ended with
   * MINOS_FAULT_TIMEOUT, whether it spins or waits; 0: none. */
  uint64_t timeout_ns;
} minos_cell_options;

#define MINOS_DEFAULT_MEMORY_BYTES ((uint64_t)64 << 20)
#define MINOS_DEFAULT_DESCRIPTORS 1024u

/* Compiles (or finds in the cache) and starts a cell. On failure, error
 * (if not NULL) says why in one line: MINOS_EINVAL for options that are
 * not (no size, memory below one 64 KiB page or above 4 GiB, fewer than 3
 * descriptors). */
minos_status minos_cell_new(minos_runtime *runtime, const minos_cell_options *options,
                            minos_cell **out, char *error, size_t error_size);
/* Waits for the cell's end: MINOS_OK and *status filled, or
 * MINOS_ETIMEDOUT. */
minos_status minos_cell_wait(minos_cell *cell, int64_t timeout_ns, minos_cell_status *status);
void minos_cell_kill(minos_cell *cell);
void minos_cell_free(minos_cell *cell);

/* "bad descriptor", "timed out", ... */
const char *minos_status_text(minos_status status);
/* "out-of-bounds memory access", "cpu limit", ... */
const char *minos_fault_text(uint32_t fault);

#ifdef __cplusplus
}
#endif

#endif
