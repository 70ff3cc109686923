/* SPDX-License-Identifier: Apache-2.0 */
/* Clocks and randomness.
 *
 * The CPU-time clocks are the host's: the process clock counts every cell
 * in the runtime and the thread clock every cell on the scheduler thread.
 * Both still advance while the guest computes, which is what programs use
 * them for (timing their own work); per-cell accounting belongs to the
 * core's scheduler once it keeps one. */
#include <sys/random.h>
#include <time.h>

#include "wasm/wasi/wasi_private.h"
#include "wasm/wasm_cell.h"

#define RANDOM_PIECE ((size_t)1 << 20)

uint32_t wasi_clock_to_host(uint32_t clock_id, int *host_clock) {
  switch (clock_id) {
  case WASI_CLOCK_REALTIME: *host_clock = CLOCK_REALTIME; return WASI_ERRNO_SUCCESS;
  case WASI_CLOCK_MONOTONIC: *host_clock = CLOCK_MONOTONIC; return WASI_ERRNO_SUCCESS;
  case WASI_CLOCK_PROCESS_CPUTIME: *host_clock = CLOCK_PROCESS_CPUTIME_ID; return WASI_ERRNO_SUCCESS;
  case WASI_CLOCK_THREAD_CPUTIME: *host_clock = CLOCK_THREAD_CPUTIME_ID; return WASI_ERRNO_SUCCESS;
  default: return WASI_ERRNO_INVAL;
  }
}

uint64_t wasi_timestamp_from_timespec(struct timespec time) {
  if (time.tv_sec < 0) return 0; /* WASI timestamps are unsigned */
  return (uint64_t)time.tv_sec * 1000000000u + (uint64_t)time.tv_nsec;
}

uint32_t wasi_clock_res_get(wasm_cell *self, uint32_t clock_id, uint32_t resolution_out) {
  int host_clock;
  uint32_t error = wasi_clock_to_host(clock_id, &host_clock);
  if (error) return error;
  struct timespec resolution;
  if (clock_getres(host_clock, &resolution) != 0) return wasi_errno_now();
  uint64_t nanoseconds = wasi_timestamp_from_timespec(resolution);
  if (!guest_store_u64(self, resolution_out, nanoseconds ? nanoseconds : 1)) return WASI_ERRNO_FAULT;
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_clock_time_get(wasm_cell *self, uint32_t clock_id, uint64_t precision,
                             uint32_t time_out) {
  (void)precision; /* the host clocks are already as precise as they get */
  int host_clock;
  uint32_t error = wasi_clock_to_host(clock_id, &host_clock);
  if (error) return error;
  struct timespec now;
  if (clock_gettime(host_clock, &now) != 0) return wasi_errno_now();
  if (!guest_store_u64(self, time_out, wasi_timestamp_from_timespec(now))) return WASI_ERRNO_FAULT;
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_random_get(wasm_cell *self, uint32_t buf, uint32_t buf_len) {
  unsigned char *bytes = guest_span(self, buf, buf_len);
  if (!bytes) return WASI_ERRNO_FAULT;
  /* In pieces, with a safe point between them: a fill of gigabytes takes
   * seconds, which the cell's neighbours on its worker need not wait out. */
  size_t filled = 0;
  while (filled < buf_len) {
    size_t piece = buf_len - filled < RANDOM_PIECE ? buf_len - filled : RANDOM_PIECE;
    ssize_t count = getrandom(bytes + filled, piece, 0);
    if (count < 0) {
      if (errno == EINTR) continue;
      return wasi_errno_now();
    }
    filled += (size_t)count;
    wasm_cell_safe_point(self);
  }
  return WASI_ERRNO_SUCCESS;
}
