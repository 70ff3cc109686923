/* SPDX-License-Identifier: Apache-2.0 */
/* A system spec: one JSON file describing a whole system of cells, how
 * their channels are wired, what each may use, how each is restarted and
 * which events spawn a fresh cell. spec_load parses and validates it in
 * one pass and reports every problem it finds, each with its JSON path and
 * line:column, the way a compiler reports errors; nothing runs from a spec
 * with problems. The format is documented in the README and, formally, in
 * spec/minos-spec.schema.json.
 *
 * Units: sizes are bytes (a number) or text with a unit ("64K", "16M",
 * "1G"); durations are milliseconds (a number) or text with a unit
 * ("250us", "100ms", "2s", "1m"). */
#ifndef MINOS_SPEC_SPEC_H
#define MINOS_SPEC_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/rule.h"

typedef struct spec_position {
  unsigned line, column; /* 1-based; 0: unknown */
} spec_position;

/* Where a cell's stdin, stdout or stderr goes when no channel is wired to
 * it. Defaults: stdin null, stdout and stderr to the system's log. */
typedef enum spec_stdio_target {
  STDIO_NULL,     /* stdin: empty; output: discarded */
  STDIO_LOG,      /* output: one log line per line written, with the cell's name */
  STDIO_TERMINAL, /* minos's own descriptor of the same number */
  STDIO_CHANNEL,  /* a channel of the spec is wired to it */
} spec_stdio_target;

typedef enum spec_restart_policy { RESTART_NEVER, RESTART_ON_FAILURE, RESTART_ALWAYS } spec_restart_policy;

typedef struct spec_restart {
  spec_restart_policy policy;  /* default RESTART_ON_FAILURE */
  uint32_t max_restarts;       /* within window_ns; default 5 */
  uint64_t window_ns;          /* default 10 s */
  /* The first restart in a window is immediate; the next waits
   * backoff_initial_ns, doubling each time up to backoff_max_ns. */
  uint64_t backoff_initial_ns; /* default 10 ms */
  uint64_t backoff_max_ns;     /* default 1 s */
} spec_restart;

/* When a service's instance counts as ready, so that the next member of
 * its group may start (and systemd hears READY=1 once all are):
 *   started     its initialisation is done (the default);
 *   first_read  it first reads one of its inputs (wasm cells only: a
 *               native program's pipe is read ahead by the runtime);
 *   notify      it writes to the end numbered in MINOS_READY_FD.
 * Either way within its init_timeout, or it ends with an init timeout. */
typedef enum spec_readiness { READY_STARTED, READY_FIRST_READ, READY_NOTIFY } spec_readiness;

typedef enum spec_trigger_kind { TRIGGER_NONE, TRIGGER_TCP, TRIGGER_CHANNEL } spec_trigger_kind;

/* A trigger makes the cell a template: no instance runs until an event
 * (a TCP connection, a line on a channel) spawns a fresh one for it. */
typedef struct spec_trigger {
  spec_trigger_kind kind;
  char *listen;         /* TCP: address to listen on, "127.0.0.1:7000" or ":7000" */
  uint16_t port;        /* TCP: the port of `listen` */
  char *channel;        /* CHANNEL: the channel whose lines spawn cells */
  uint32_t concurrency; /* instances alive at once; default 64 */
  uint32_t backlog;     /* events queued while at the limit; default 128; beyond: refused */
} spec_trigger;

typedef struct spec_dir_grant {
  char *host_path;  /* resolved against the spec file's directory */
  char *guest_path; /* what the cell sees it as; default: same as given */
  bool read_only;
  spec_position at;
} spec_dir_grant;

typedef struct spec_grants {
  spec_dir_grant *dirs;
  size_t dir_count;
  net_rule *connect; /* destinations it may connect to */
  size_t connect_count;
  net_rule *listen;  /* addresses it may listen on */
  size_t listen_count;
  bool clock;        /* wasi clock_time_get, clock_res_get */
  bool random;       /* wasi random_get */
  /* "spawn": {"max_cells": N}: it may create cells (cnew), N of them
   * alive at once below it, all its descendants together; 0: it may not. */
  uint32_t spawn_max_cells;
} spec_grants;

/* What one cell may put into the system's log: the lines its stdout and
 * stderr send there, all its instances together (a restart or a trigger's
 * next instance does not start afresh). Given as the spec's "log_limits"
 * (every cell's default), a cell's "limits": {"log": ...}, or minos up's
 * --log-* options (which replace the spec's defaults, not a cell's own).
 * Defaults, for a cell that sets none:
 *   rate      100 lines a second ("100/s"; also "/m", "/h"), sustained;
 *   burst     1000 lines at once above the rate;
 *   max_bytes 64 MiB over the cell's whole life, then nothing more;
 *   max_line  4 KiB: a longer line is cut, "... [cut N bytes]" after it.
 * Lines beyond these are dropped, never waited for (the cell is not held
 * back), and counted: one "dropped N lines" event at most once a second. */
enum {
  SPEC_LOG_RATE = 1,
  SPEC_LOG_BURST = 2,
  SPEC_LOG_MAX_BYTES = 4,
  SPEC_LOG_MAX_LINE = 8,
};
typedef struct spec_log_limits {
  unsigned set;            /* the SPEC_LOG_* given; the rest come from defaults */
  uint64_t rate_lines;     /* rate_lines per rate_period_ns */
  uint64_t rate_period_ns;
  uint64_t burst;
  uint64_t max_bytes;
  uint64_t max_line;
} spec_log_limits;

#define SPEC_LOG_RATE_MAX 1000000 /* lines in one period */
#define SPEC_LOG_BURST_MAX 1000000
#define SPEC_LOG_MAX_BYTES_MIN ((uint64_t)1 << 10)
#define SPEC_LOG_MAX_BYTES_MAX ((uint64_t)1 << 40)
#define SPEC_LOG_MAX_LINE_MIN 64
#define SPEC_LOG_MAX_LINE_MAX ((uint64_t)64 << 10)

typedef struct spec_limits {
  uint64_t memory_bytes;    /* default 64 MiB */
  uint64_t cpu_time_ns;     /* 0: none (default) */
  uint64_t init_timeout_ns; /* default 1 s */
  uint32_t descriptors;     /* default 64 */
  spec_log_limits log;      /* only what the cell itself sets */
} spec_limits;

/* A named extra end of a cell, beyond its stdio. The cell finds its number
 * in the environment variable MINOS_END_<NAME> (upper case). */
typedef struct spec_end {
  char *name;
  bool writes; /* the cell writes to it, else reads */
  spec_position at;
} spec_end;

typedef struct spec_cell {
  char *name;
  spec_position at;
  char *code_path; /* resolved against the spec file's directory */
  const char *arch; /* "wasm" or "native" if the spec says which; the code must be it */
  char **args;     /* args[0] is the program name (default: the cell's name) */
  size_t arg_count;
  char **env;      /* "KEY=VALUE" */
  size_t env_count;
  spec_stdio_target stdio[3];
  spec_end *ends;
  size_t end_count;
  spec_limits limits;
  spec_grants grants;
  spec_restart restart;
  spec_trigger trigger;
  spec_readiness ready;
  uint64_t grace_ns; /* on stop: its time to end before it is killed; 0: the system's */
  long group;        /* the group it is a member of (index in spec.groups), -1: none */
} spec_cell;

/* Supervision groups (OTP's supervisors): what a member's restart does to
 * the other members of its group.
 *   one_for_one   only that member restarts;
 *   one_for_all   every member is ended (in reverse order), then all start
 *                 again in order;
 *   rest_for_one  the members after it in order are ended, then it and
 *                 they start again in order.
 * A group starts its members in order, each once the one before is ready,
 * and stops them in reverse order, each with its own grace. More than
 * `intensity` restarts within `period` and the group gives up: its
 * members end and its own group restarts it as one member (or, at the
 * top, the system's on_give_up applies). */
typedef enum spec_strategy { STRATEGY_ONE_FOR_ONE, STRATEGY_ONE_FOR_ALL, STRATEGY_REST_FOR_ONE } spec_strategy;
/* "one_for_one"..., "started"...: as the spec writes them. */
const char *spec_strategy_name(spec_strategy strategy);
const char *spec_readiness_name(spec_readiness readiness);

/* How deep groups may nest. */
#define SPEC_GROUP_DEPTH_MAX 16
typedef struct spec_member {
  bool is_group;
  size_t index; /* in spec.cells or spec.groups */
} spec_member;
typedef struct spec_group {
  char *name;
  spec_position at;
  spec_strategy strategy; /* default one_for_one */
  uint32_t intensity;     /* default 5 */
  uint64_t period_ns;     /* default 10 s */
  spec_member *members;   /* in start order */
  size_t member_count;
  long parent;            /* the group it is a member of, -1: none */
} spec_group;

/* One side of a channel: a cell's stdio slot, one of its named ends, or
 * (the reading side only) a channel trigger. */
typedef enum spec_slot_kind { SLOT_STDIN, SLOT_STDOUT, SLOT_STDERR, SLOT_END, SLOT_TRIGGER } spec_slot_kind;

typedef struct spec_endpoint {
  size_t cell;          /* index in spec.cells */
  spec_slot_kind slot;
  size_t end;           /* SLOT_END: index in the cell's ends */
  char *text;           /* as written: "kv.stdin" */
  spec_position at;
} spec_endpoint;

typedef struct spec_channel {
  char *name;           /* default "FROM->TO" */
  spec_endpoint from;   /* the writing side */
  spec_endpoint to;     /* the reading side */
  uint32_t capacity;    /* 0: the default */
  /* "on_writer_restart": what the reader sees when the writing cell's
   * instance is replaced. "continue" (the default): nothing; the stream
   * goes on with the next instance's output, so a program that reads to
   * the end (a logger, a filter) keeps working. "reset": one read fails
   * with ECONNRESET, for request/reply protocols whose client must learn
   * that the reply in flight is lost. */
  bool reset_reader;
  spec_position at;
} spec_channel;

/* When a cell has used up its restarts. */
typedef enum spec_give_up { GIVE_UP_STOP, GIVE_UP_CONTINUE } spec_give_up;

typedef struct spec {
  char *path;      /* the spec file, as given ("<embedded>" for the demo) */
  char *directory; /* relative paths in it resolve here */
  char *name;      /* default: the file's base name */
  spec_give_up on_give_up; /* default GIVE_UP_STOP */
  uint64_t grace_ns;       /* on stop: time cells get before they are killed; default 2 s */
  char *log_path;          /* NULL: the log goes to minos's stderr */
  char *metrics;           /* "127.0.0.1:9464": serve Prometheus metrics there; NULL: none */
  spec_log_limits log_limits; /* every cell's default; only what is set */
  spec_cell *cells;
  size_t cell_count;
  spec_channel *channels;
  size_t channel_count;
  spec_group *groups;
  size_t group_count;
  struct spec_lookup *lookup; /* names to cells and channels (load.c) */
  uint64_t max_total_cells; /* live cells in the runtime (minos up --max-total-cells);
                             * 0: the runtime's default */
} spec;

typedef struct spec_problem {
  char path[160];  /* JSON path: "cells.kv.limits.memory", "channels[2].to" */
  spec_position at;
  char message[320];
} spec_problem;

typedef struct spec_problems {
  spec_problem *items;
  size_t count, capacity;
} spec_problems;

/* Parses and validates the spec in `text` (from file `path`). Checks the
 * JSON, every key, type and range, the wiring, the grants, and each
 * cell's code: the file exists, is a valid module, and imports nothing its
 * grants do not allow. Returns the spec when there is no problem, else
 * NULL with every problem found added to *problems (zero it first),
 * sorted by position. */
spec *spec_load_text(const char *text, size_t length, const char *path, spec_problems *problems);
spec *spec_load_file(const char *path, spec_problems *problems);
/* The text of a spec file (NUL-terminated; free it), or NULL with the
 * reason in error: for callers that tell an unreadable file apart. */
char *spec_read_file(const char *path, size_t *length, char *error, size_t error_size);
void spec_free(spec *spec);

/* Whether text is an address metrics can be served at: "HOST:PORT" with
 * a literal IPv4 address, a bracketed IPv6 one or localhost, and a port
 * other than 0. */
bool spec_metrics_address_valid(const char *text);

/* "spec.json:12:5: cells.kv.limits.memory: ..." on `out`, one per line. */
void spec_problems_print(const spec_problems *problems, const char *path, void *out_file);
void spec_problems_free(spec_problems *problems);

/* The descriptors every instance of a cell holds from its start, in the
 * numbers it sees them under: stdio (0 to 2), then its granted directories,
 * then its named ends, then its ready end if it has one (which minos up
 * installs in that order). spec_load refuses a cell whose
 * limits.descriptors cannot hold them. */
static inline size_t spec_cell_start_descriptors(const spec_cell *of) {
  return 3 + of->grants.dir_count + of->end_count + (of->ready == READY_NOTIFY);
}

/* The most descriptors "limits": {"descriptors": N} may give a cell. */
#define SPEC_DESCRIPTORS_MAX 4096

/* The most stdio streams of a system's cells that may be the terminal
 * (minos up bridges each with a thread); spec_load refuses more. */
#define SPEC_TERMINAL_STREAMS_MAX 64

/* Lookups used when wiring a system. */
long spec_find_cell(const spec *spec, const char *name);
long spec_find_channel(const spec *spec, const char *name);

/* The host grants (host_functions.h's GRANT_BIT set) a cell's spec
 * does not give it: what its code, and its children's, may not import. */
uint32_t spec_denied_grants(const spec_grants *grants);

/* The socket address a TCP trigger listens on: its IPv4 address, its IPv6
 * one ("[::1]:7000"), or 0.0.0.0 for any (":7000", "*:7000"), with its
 * port. False if the trigger is not a valid TCP one (spec_load refuses
 * those). */
bool spec_trigger_address(const spec_trigger *trigger, struct sockaddr_storage *address,
                          socklen_t *length);

/* A cell's log limits: each its own if set, else the system's, else the
 * default (above). */
spec_log_limits spec_cell_log_limits(const spec *system, const spec_cell *of);
/* One of the system's log limits from text, as minos up's --log-rate,
 * --log-burst, --log-max-bytes and --log-max-line give them ("rate",
 * "burst", "max_bytes", "max_line"); false with the reason in error. */
bool spec_set_log_limit(spec_log_limits *limits, const char *key, const char *text, char *error,
                        size_t error_size);
/* "100/s", "6000/m", "10/h": lines per period; false if not a rate. */
bool spec_parse_rate(const char *text, uint64_t *lines, uint64_t *period_ns);

/* "64K", "16M", "1G", "4096", "512B", "1Gi": bytes; false if not a size. */
bool spec_parse_size(const char *text, uint64_t *bytes);
/* "250us", "100ms", "2s", "1.5m", "1h": nanoseconds; false if not a duration. */
bool spec_parse_duration(const char *text, uint64_t *nanoseconds);

#endif
