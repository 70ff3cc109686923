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
void minos_runtime_free(minos_runtime *runtime);

/* A channel of `capacity` bytes (0: the default); both ends the host's. */
minos_status minos_pipe_new(uint32_t capacity, minos_end **write_end, minos_end **read_end);
/* timeout_ns as for the guest API's read: MINOS_WAIT_FOREVER, MINOS_NO_WAIT
 * or nanoseconds. Bytes moved (>= 1; 0 from read: finished), or a negated
 * minos_status. */
int64_t minos_end_write(minos_end *write_end, const void *data, size_t length, int64_t timeout_ns);
int64_t minos_end_read(minos_end *read_end, void *buffer, size_t size, int64_t timeout_ns);
void minos_end_close(minos_end *end);

typedef struct minos_cell_options {
  const char *name;                /* for logs; NULL: "cell" */
  const char *module_path;         /* a .wasm file, or: */
  const uint8_t *module_bytes;     /* the module itself */
  size_t module_size;
  const char *const *args;         /* args[0] is the program name */
  size_t arg_count;
  const char *const *env;          /* "KEY=VALUE" */
  size_t env_count;
  uint64_t memory_bytes;           /* 0: no limit below 4 GiB */
  uint64_t cpu_time_ns;            /* 0: no limit */
  /* The cell's stdin (a read end), stdout and stderr (write ends); NULL
   * leaves the slot closed. minos_cell_new takes them over, even when it
   * fails. */
  minos_end *stdio[3];
} minos_cell_options;

/* Compiles (or finds in the cache) and starts a cell. On failure, error
 * (if not NULL) says why in one line. */
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
