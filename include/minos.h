/* SPDX-License-Identifier: Apache-2.0 */
/* minos guest API: cells, channels and descriptors.
 *
 * In a wasm cell these are imports from module "minos". Every call returns
 * a non-negative result or a negated minos_status. Errors travel out of
 * band, in the return value: a cell can never make one appear in channel
 * data, and channel data is never interpreted by the runtime.
 *
 * Descriptors
 *   A descriptor is a small integer naming one channel end inside one
 *   cell: a write end or a read end, never both. Descriptors share the
 *   numbering of the cell's WASI descriptors, and a cell's stdin, stdout
 *   and stderr (0, 1, 2) are channel ends too, so unmodified WASI programs
 *   can be wired together like a shell pipeline. A new descriptor takes
 *   the lowest free number, as in POSIX.
 *
 * Children
 *   cnew reads the child's code (a wasm module, as bytes) from a read end
 *   until that end is finished, compiles it, and initialises the child:
 *   memory, data segments and the module's start function, under the init
 *   timeout. The code may also be an x86-64 Linux executable (the spec's
 *   arch says which, and must agree with the code's first bytes): the
 *   child is then a native cell, a sandboxed process started at cstart,
 *   whose ends are its descriptors 0, 1, 2, 3... as passed. The child then waits, suspended, holding no descriptor at
 *   all. The parent moves ends into it with wpass and rpass; each takes
 *   the child's lowest free number, so the first three passes become the
 *   child's stdin, stdout and stderr, in the order they are made. cstart
 *   (or the parent's first cwait) lets the child's _start run. What a
 *   child finds is therefore fixed by what its parent did, never by timing.
 *   A child's id is the parent's own small number for it (1, 2, ...): it
 *   names nothing in any other cell. When a cell ends, its children end.
 *
 * Channels
 *   A channel is a one-way byte stream with a bounded buffer. write blocks
 *   while the buffer is full and moves at least one byte; read blocks until
 *   one of its ends has data or is finished, and is fair among them. A
 *   read of 0 bytes means that end is finished for ever: the write end was
 *   closed (or its holder ended) and the buffer is drained. A write after
 *   the read end was closed fails with MINOS_ECLOSED, never with a signal.
 *
 * Network
 *   A cell reaches the network only where its grants allow (minos run
 *   --connect RULE --listen RULE, a spec's grants; nothing by default).
 *   Addresses are text, one destination each: "tcp:HOST:PORT", HOST an
 *   IPv4 address, an IPv6 address in brackets ("tcp:[::1]:8080") or
 *   "localhost"; or "unix:/path". Names are not resolved. A connection is
 *   a pair of channel ends, as a pipe's: ends[0] writes to the peer,
 *   ends[1] reads what the peer sends, so everything that works on channel
 *   ends (read, poll, passing to a child, stdio) works on connections.
 *   Closing the write end sends end-of-file to the peer once everything
 *   written is sent; the peer closing is the end of the read end's
 *   stream; a reset gives the end of the stream and MINOS_ECLOSED to
 *   writes. A listener is a descriptor of its own: accept takes its
 *   connections, poll_oneoff says when one waits, and fd_close (close())
 *   closes it. Whatever a cell opens closes when it ends.
 *
 * Stable endpoints
 *   A supervised cell's wired ends (minos up) belong to its supervisor,
 *   which lends them to each instance in turn. When an instance fails, its
 *   ends go back to the supervisor instead of closing, so the cells at the
 *   other ends stay connected to whatever instance comes next. A reader of
 *   the failed instance's output gets MINOS_ERESET once, after the data the
 *   instance did write: the reply it was waiting for is lost; the channel
 *   goes on (WASI programs see ECONNRESET). */
#ifndef MINOS_H
#define MINOS_H

#include <stdint.h>

/* The runtime's one error enum (negated in results). Values up to
 * MINOS_ERESET are the ones guests see. */
typedef enum minos_status {
  MINOS_OK = 0,
  MINOS_EBADF,      /* descriptor or child id not held by this cell */
  MINOS_ECLOSED,    /* the other end is closed */
  MINOS_EPERM,      /* not permitted: wrong direction, not granted */
  MINOS_ELIMIT,     /* a configured limit was reached */
  MINOS_ETIMEDOUT,  /* a deadline passed */
  MINOS_EFAULT,     /* a pointer or length is outside the cell's memory */
  MINOS_EINVAL,     /* malformed argument */
  MINOS_ENOMEM,     /* the host is out of memory or address space */
  MINOS_EAGAIN,     /* would block, and the caller asked not to */
  MINOS_EMODULE,    /* code is not a valid module, or imports what it may not */
  MINOS_EINIT,      /* the child's initialisation trapped or hit a limit */
  MINOS_ERESET,     /* the peer was restarted: what was in flight is lost; the channel goes on */
  MINOS_EIO,        /* the runtime could not serve the call (details in its log) */
  MINOS_ETOOLCHAIN, /* runtime only: the ahead-of-time compiler failed */
  MINOS_EUSAGE,     /* runtime only: bad command line or configuration */
  MINOS_STATUS_COUNT
} minos_status;

/* Why a cell ended, as cwait reports it (minos_cell_status.fault). */
typedef enum minos_fault {
  MINOS_FAULT_NONE = 0, /* it exited: see exit_code */
  MINOS_FAULT_MEMORY_OUT_OF_BOUNDS,
  MINOS_FAULT_TABLE_OUT_OF_BOUNDS,
  MINOS_FAULT_INDIRECT_CALL_TYPE_MISMATCH,
  MINOS_FAULT_NULL_FUNCTION,
  MINOS_FAULT_INTEGER_DIVIDE_BY_ZERO,
  MINOS_FAULT_INTEGER_OVERFLOW,
  MINOS_FAULT_INVALID_CONVERSION,
  MINOS_FAULT_UNREACHABLE,
  MINOS_FAULT_STACK_EXHAUSTION,
  MINOS_FAULT_MEMORY_LIMIT,
  MINOS_FAULT_TABLE_LIMIT,
  MINOS_FAULT_CPU_LIMIT,
  MINOS_FAULT_INIT_TIMEOUT,
  MINOS_FAULT_KILLED,
  MINOS_FAULT_HOST_ERROR, /* the runtime could not serve the cell */
  MINOS_FAULT_TIMEOUT,    /* it ran past its wall-clock limit (minos run --timeout) */
  MINOS_FAULT_SIGNAL,       /* a native cell's process died by a signal */
  MINOS_FAULT_BLOCKED_CALL, /* a native cell made a system call its filter refuses */
  MINOS_FAULT_COUNT
} minos_fault;

/* How a child ended (cwait). */
typedef struct minos_cell_status {
  uint32_t fault;     /* a minos_fault; MINOS_FAULT_NONE if it exited */
  uint32_t exit_code; /* when it exited */
} minos_cell_status;

#define MINOS_ARCH_WASM 1
#define MINOS_ARCH_NATIVE 2 /* an x86-64 Linux executable, run as a sandboxed process */

/* Where cnew places the child (a hint; one worker means one place).
 * MINOS_PLACE_ANY, the default: on the parent's worker (no wake-up of
 * another CPU), moved before it runs its code to an idle worker if the
 * parent's is busy with a CPU-bound cell. */
#define MINOS_PLACE_ANY 0
#define MINOS_PLACE_SAME_WORKER 1
#define MINOS_PLACE_OTHER_WORKER 2

/* cnew's arch spec. A child's limits are at most what its parent has
 * left: a limit of 0 means all of that, and asking for more than that is
 * refused (MINOS_ELIMIT), never cut down silently. Whatever a child
 * spends (memory, its channels, CPU time, host descriptors, cells of its
 * own) counts against its parent's limits too, so no number of children
 * lets a cell spend more than it was given. Creating cells is a grant:
 * a cell without one (minos run --max-cells, a spec's "spawn" grant) gets
 * MINOS_EPERM, and MINOS_ELIMIT once it has as many live descendants as
 * it may (a cell counts until its parent's cwait, or its parent's end). */
typedef struct minos_arch_spec {
  uint32_t size;             /* sizeof(minos_arch_spec): the layout's version */
  uint32_t arch;             /* MINOS_ARCH_WASM or MINOS_ARCH_NATIVE: what the code is */
  uint64_t memory_bytes;     /* linear memory and channel buffers */
  uint64_t cpu_time_ns;      /* CPU time before a "cpu limit" fault */
  uint64_t init_timeout_ns;  /* initialisation deadline; 0: 1 second */
  uint32_t stack_bytes;      /* stack for the child's code; 0: 1 MiB */
  uint32_t placement;        /* MINOS_PLACE_* */
  /* From here on, only in specs of size 48 or more (older ones mean 0). */
  uint32_t descriptors;      /* descriptors it may hold at once (channel ends too) */
  uint32_t max_cells;        /* live descendants it may have */
} minos_arch_spec;

/* Channel capacity: 0 means the default (64 KiB); at most 64 MiB, the
 * largest module cnew accepts, so a parent can pipe code to itself. */
#define MINOS_CHANNEL_DEFAULT_CAPACITY (64u * 1024)
#define MINOS_CHANNEL_MAX_CAPACITY (64u * 1024 * 1024)

/* read's timeout: wait for ever, or not at all. */
#define MINOS_WAIT_FOREVER ((int64_t)-1)
#define MINOS_NO_WAIT ((int64_t)0)

/* The calls, for guests: a wasm module, or a native program (neither the
 * runtime nor a program embedding it through minos_host.h). */
#if defined(__wasm__) || !(defined(MINOS_HOST_H) || defined(MINOS_RUNTIME))
#if defined(__wasm__)
#define MINOS_IMPORT(name) __attribute__((import_module("minos"), import_name(#name)))
#else
/* A native program: the same calls, from libminos-guest.a (a native cell
 * that may create cells reaches the runtime through its control socket;
 * channels are pipes, network ends sockets). */
#define MINOS_IMPORT(name)
#endif

/* New channel of `capacity` bytes; ends[0] is the write end, ends[1] the
 * read end, both held by the caller. */
MINOS_IMPORT(pipe) int32_t minos_pipe(uint32_t capacity, int32_t ends[2]);
/* Writes 1..length bytes; blocks while the buffer is full. */
MINOS_IMPORT(write) int32_t minos_write(int32_t wfd, const void *data, uint32_t length);
/* Reads from whichever of rfds[0..count) is ready first and stores that
 * descriptor in *from. timeout_ns: MINOS_WAIT_FOREVER, MINOS_NO_WAIT
 * (MINOS_EAGAIN if nothing is ready) or a wait in nanoseconds (then
 * MINOS_ETIMEDOUT). Returns the bytes read; 0: *from is finished. */
MINOS_IMPORT(read) int32_t minos_read_timeout(const int32_t *rfds, uint32_t count, void *buffer,
                                              uint32_t size, int32_t *from, int64_t timeout_ns);
MINOS_IMPORT(wclose) int32_t minos_wclose(int32_t wfd);
MINOS_IMPORT(rclose) int32_t minos_rclose(int32_t rfd);
/* Move an end into child `cid`: returns its number there. */
MINOS_IMPORT(wpass) int32_t minos_wpass(int32_t wfd, int32_t cid);
MINOS_IMPORT(rpass) int32_t minos_rpass(int32_t rfd, int32_t cid);
/* Create a child from the code read from code_rfd (which it consumes and
 * closes); returns its id. */
MINOS_IMPORT(cnew) int32_t minos_cnew(int32_t code_rfd, const minos_arch_spec *spec,
                                      uint32_t spec_size);
MINOS_IMPORT(cstart) int32_t minos_cstart(int32_t cid);
MINOS_IMPORT(ckill) int32_t minos_ckill(int32_t cid);
/* Waits for the child's end and forgets it: cid is free afterwards. */
MINOS_IMPORT(cwait) int32_t minos_cwait(int32_t cid, minos_cell_status *status);
/* Connects to `address` (length bytes of text, see "Network"): ends[0]
 * writes to the peer, ends[1] reads from it. MINOS_EPERM if no connect
 * rule allows it, MINOS_EINVAL if it is malformed (or UDP), MINOS_ECLOSED
 * if it is refused or unreachable. A connection that takes time completes
 * after the call; if it fails then, the ends say so as a reset would. */
MINOS_IMPORT(connect) int32_t minos_connect(const char *address, uint32_t length, int32_t ends[2]);
/* Listens on `address`: returns the listener's descriptor. MINOS_EPERM if
 * no listen rule allows it (or the host refuses it), MINOS_EINVAL if it is
 * malformed, MINOS_EIO if it is in use (the runtime logs why). At most 128
 * connections wait to be accepted; the ones past that are closed. */
MINOS_IMPORT(listen) int32_t minos_listen(const char *address, uint32_t length);
/* Takes the next connection of a listener: ends as minos_connect's.
 * timeout_ns as minos_read_timeout's (MINOS_EAGAIN, MINOS_ETIMEDOUT);
 * MINOS_EBADF if `listener` is not a listener this cell holds. */
MINOS_IMPORT(accept) int32_t minos_accept(int32_t listener, int32_t ends[2], int64_t timeout_ns);

static inline int32_t minos_read(const int32_t *rfds, uint32_t count, void *buffer,
                                 uint32_t size, int32_t *from) {
  return minos_read_timeout(rfds, count, buffer, size, from, MINOS_WAIT_FOREVER);
}
static inline int32_t minos_try_read(const int32_t *rfds, uint32_t count, void *buffer,
                                     uint32_t size, int32_t *from) {
  return minos_read_timeout(rfds, count, buffer, size, from, MINOS_NO_WAIT);
}
/* What ended a cell, in words: the runtime's own names for its faults. */
static inline const char *minos_fault_text(uint32_t fault) {
  static const char *const names[MINOS_FAULT_COUNT] = {
      "none", "out-of-bounds memory access", "out-of-bounds table access",
      "indirect call type mismatch", "null function", "integer divide by zero",
      "integer overflow", "invalid conversion to integer", "unreachable", "stack exhaustion",
      "memory limit", "table limit", "cpu limit", "init timeout", "killed", "host error",
      "timeout", "killed by a signal", "blocked system call"};
  return fault < MINOS_FAULT_COUNT ? names[fault] : "unknown fault";
}
#endif /* guests */

#endif
