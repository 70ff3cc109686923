/* SPDX-License-Identifier: Apache-2.0 */
/* Cells: sealed processes. A cell owns a guarded stack, an execution
 * context on it, and a list of resources; its arch (wasm, native) decides
 * what runs on that stack. A cell ends exactly once, by exiting or by a
 * fault, and its end is kept (a zombie) until its owner reaps it. */
#ifndef MINOS_CORE_CELL_H
#define MINOS_CORE_CELL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/context.h"
#include "core/error.h"
#include "core/resource.h"
#include "core/stack.h"
#include "core/sync.h"
#include "core/waiter.h"

typedef enum cell_fault {
  FAULT_NONE = 0,
  FAULT_MEMORY_OUT_OF_BOUNDS,
  FAULT_TABLE_OUT_OF_BOUNDS,
  FAULT_INDIRECT_CALL_TYPE_MISMATCH,
  FAULT_NULL_FUNCTION,
  FAULT_INTEGER_DIVIDE_BY_ZERO,
  FAULT_INTEGER_OVERFLOW,
  FAULT_INVALID_CONVERSION,
  FAULT_UNREACHABLE,
  FAULT_STACK_EXHAUSTION,
  FAULT_MEMORY_LIMIT,
  FAULT_TABLE_LIMIT,
  FAULT_CPU_LIMIT,
  FAULT_INIT_TIMEOUT,
  FAULT_KILLED,
  FAULT_HOST_ERROR, /* the runtime could not serve the cell (details logged) */
  FAULT_TIMEOUT,    /* it ran longer than its wall-clock limit */
  FAULT_SIGNAL,       /* a native cell's process died by a signal (outcome.where names it) */
  FAULT_BLOCKED_CALL, /* a native cell made a system call its filter refuses */
  FAULT_COUNT
} cell_fault;

const char *cell_fault_name(cell_fault fault);

typedef enum cell_state { CELL_NEW, CELL_READY, CELL_RUNNING, CELL_BLOCKED, CELL_ENDED } cell_state;

typedef struct cell_outcome {
  bool faulted;
  uint32_t exit_code;  /* when !faulted */
  cell_fault fault;    /* when faulted */
  uintptr_t fault_address; /* code address of the fault, if known */
  char where[160];     /* where the fault happened, if known (a function name) */
} cell_outcome;

/* A faulted outcome in one line: "out-of-bounds memory access in f3",
 * "segmentation fault (SIGSEGV)", "blocked system call mount". */
void cell_outcome_describe(const cell_outcome *outcome, char *text, size_t size);

struct account;

/* A cell's own limits; the accounts above it (core/account.h) may hold it
 * to less. */
typedef struct cell_limits {
  uint64_t memory_bytes; /* linear memory and channels; 0 = the arch's own maximum */
  size_t stack_bytes;    /* native stack the cell's code may use */
  uint64_t cpu_time_ns;  /* CPU time before a "cpu limit" fault; 0 = none */
  uint64_t host_fds;     /* host descriptors it may hold; 0 = none of its own */
  uint64_t max_cells;    /* live descendants it may have; 0 = it may create none */
  /* The account the cell is counted in and charged to (its parent's, or
   * its runtime's root); NULL: none. */
  struct account *parent_account;
  /* The cell's code checks its own stack depth (compact wasm code), so its
   * stack needs no guard page and comes from a shared arena (stack.h). */
  bool unguarded_stack;
} cell_limits;

/* What a cell uses now, for operators (minos ps): zero where the arch
 * does not say. */
typedef struct cell_usage {
  int pid;                 /* a native cell's first process (its init) */
  uint64_t cpu_ns;         /* its processes' CPU time (native) */
  uint64_t resident_bytes; /* its processes' resident memory (native) */
  uint64_t descriptors;    /* its program's open descriptors (native) */
} cell_usage;

typedef struct cell cell;
struct scheduler;
struct channel_end;
struct child_table;

typedef struct cell_arch {
  const char *name;
  /* Runs on the cell's own stack. Returning ends the cell with exit code 0. */
  void (*run)(cell *cell);
  /* In a signal handler: whether a memory fault at data address `address`,
   * code address `pc`, is the cell's own doing (FAULT_NONE: it is not). */
  cell_fault (*classify_fault)(cell *cell, uintptr_t address, uintptr_t pc);
  /* After the cell ended, before its resources are released: fill in
   * outcome.where (may be NULL). */
  void (*describe_end)(cell *cell);
  /* In a signal handler: whether the cell, interrupted at pc, may be
   * switched away from there (it holds no lock and is in no host call). */
  bool (*preemptible_at)(cell *cell, uintptr_t pc);
  /* In a signal handler, when the cell is not preemptible where it is:
   * have it call preempt_safe_point (core/preempt.h) at its next safe
   * point. NULL: the arch has none, and a later tick catches the cell. */
  void (*ask_safe_point)(cell *cell);
  /* From any thread (its parent's): gives the cell a channel end under its
   * lowest free descriptor number; the number, or a negative minos_status
   * (the end then stays the caller's). */
  int32_t (*install_end)(cell *cell, struct channel_end *end);
  /* At reap: frees what the arch kept for the zombie. */
  void (*destroy)(cell *cell);
  /* Whether the cell's initialisation is done (a supervisor enforces the
   * init timeout of the cells it starts). */
  bool (*initialised)(cell *cell);
  /* Whether it is initialised; if not, the waiter is woken once when it
   * is (or ends). NULL: the arch's cells are initialised at creation. */
  bool (*watch_initialised)(cell *cell, waiter *watcher);
  /* Lets a cell created to wait after its initialisation (wait_for_start
   * in core/code.h) go on. */
  void (*let_start)(cell *cell);
  /* From any thread, while the cell lives: what its processes use. NULL:
   * a cell with no process of its own (the runtime's CPU samples and
   * accounts say what it uses). */
  void (*usage)(cell *cell, cell_usage *out);
} cell_arch;

/* How the runtime's view of a cell's wakeups moves (see scheduler.c). */
enum { CELL_AWAKE, CELL_NOTIFIED, CELL_PARKED };

struct cell {
  uint64_t id;
  char name[48];
  cell_state state;
  cell_limits limits;
  const cell_arch *arch;
  void *arch_data;
  execution_context context;
  guarded_stack stack;
  resource_list resources;
  cell_outcome outcome;
  struct scheduler *scheduler;
  bool place_anywhere;    /* placed PLACE_ANY: it may move before its start */
  bool parked_at_start;   /* under end_lock: waiting in cell_wait_to_be_started */
  cell *next_ready;
  atomic_uint wake_state;  /* CELL_AWAKE, CELL_NOTIFIED or CELL_PARKED */
  atomic_uint end_request; /* a cell_fault it must end with, or FAULT_NONE */
  uint64_t cpu_used_ns;    /* sampled by the preemption tick */
  uint64_t preempted_at;   /* when the tick last took the CPU from it */
  uint64_t deadline;       /* while blocked with a deadline */
  size_t timer_slot;       /* its place in the scheduler's deadline heap */
  waiter waiter;           /* how others wake it */
  /* Its end, as seen by its owner (a parent cell or the host). */
  spinlock end_lock;
  atomic_bool ended;
  bool orphaned;           /* its owner let go: the runtime frees it */
  waiter *end_waiter;      /* the owner, waiting for its end */
  struct child_table *children; /* core/children.c, created on first use */
  struct account *account; /* what it and its descendants spend (core/account.h) */
};

/* For an arch's run: parks until *start_requested (read under the cell's
 * end_lock, set there by its let_start); an end requested first wins. */
void cell_wait_to_be_started(cell *cell, const bool *start_requested);
/* For an arch's let_start: sets *start_requested under the end_lock and
 * wakes the cell (from any thread). */
void cell_request_start(cell *cell, bool *start_requested);

/* See cell_arch.initialised and let_start. */
static inline bool cell_initialised(cell *item) { return item->arch->initialised(item); }
static inline bool cell_watch_initialised(cell *item, waiter *watcher) {
  return item->arch->watch_initialised ? item->arch->watch_initialised(item, watcher) : true;
}
static inline void cell_let_start(cell *item) { item->arch->let_start(item); }

/* MINOS_ELIMIT when limits->parent_account has no room for one more cell. */
minos_status cell_create(const char *name, const cell_arch *arch, void *arch_data,
                         const cell_limits *limits, cell **out);

/* In the preemption signal handler: counts CPU time the cell spent, at
 * its account and above; whether it or an account above it has used up
 * its CPU time (the cell must end with a "cpu limit" fault). */
void cell_charge_cpu(cell *cell, uint64_t spent_ns);
bool cell_cpu_exhausted(const cell *cell);

/* Ownership: registered resources are released when the cell ends. */
void cell_own(cell *cell, resource *resource, resource_release_fn release);

/* End the calling cell. Only valid on the cell's own stack (or in a signal
 * handler running for it); never returns. */
__attribute__((noreturn)) void cell_exit(cell *cell, uint32_t exit_code);
/* Async-signal-safe: it only records and switches. */
__attribute__((noreturn)) void cell_fault_now(cell *cell, cell_fault fault, uintptr_t address);

/* From any thread: asks the cell to end with `fault` (FAULT_KILLED,
 * FAULT_INIT_TIMEOUT...). A running cell ends at its next safe point: a
 * preemption tick in its own code, or the return of the host call it is
 * blocked in. The first request wins. */
void cell_request_end(cell *cell, cell_fault fault);
/* Called by host code of the cell itself when it is safe to end there:
 * ends the cell if an end was requested. */
void cell_honour_end_request(cell *cell);
/* Waits (as `waiter`) until the cell has ended or the deadline passed;
 * returns whether it ended. */
bool cell_wait_end(cell *cell, waiter *waiter, uint64_t deadline);
/* Registers `owner` to be woken when the cell ends, without waiting (a
 * supervisor watching many cells); true if it has already ended. */
bool cell_watch_end(cell *cell, waiter *owner);
/* After the cell has ended: frees the zombie. */
void cell_reap(cell *cell);
/* The owner lets go of a cell: it is asked to end (FAULT_KILLED) if it
 * has not, and freed when it has. */
void cell_disown(cell *cell);
/* The owner lets go of a cell and leaves it running: it is freed when it
 * ends (a supervisor's per-request cells, tracked by a resource of theirs). */
void cell_detach(cell *cell);
/* Internal to core: the cell has ended and released everything. */
void cell_mark_ended(cell *cell);

/* The cell running on this thread, or NULL in the scheduler. */
cell *cell_current(void);

#endif
