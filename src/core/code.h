/* SPDX-License-Identifier: Apache-2.0 */
/* Code for cells, whatever its arch. Each arch (wasm today; native next)
 * says which code is its own by its first bytes, prepares it (a wasm
 * module is validated, compiled into the cache and loaded) and creates
 * cells from what it prepared. The supervisor, the CLI and libminos create
 * cells only through this file, so they know no arch by name; the list of
 * archs is src/archs/archs.c. */
#ifndef MINOS_CORE_CODE_H
#define MINOS_CORE_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct account;
struct cell;
struct channel_end;
struct net_rule;

/* What a cell may be refused (cell_config.denied_grants holds the
 * GRANT_BITs of those it lacks). */
typedef enum grant_kind {
  GRANT_NONE,    /* channels, stdio, args, environment, exit */
  GRANT_FILES,   /* granted directories */
  GRANT_CLOCK,
  GRANT_RANDOM,
  GRANT_CONNECT,
  GRANT_LISTEN,
} grant_kind;
#define GRANT_BIT(kind) (1u << (kind))

/* "a directory grant", "the clock grant"... for error messages. */
const char *grant_kind_name(grant_kind kind);

/* A granted directory. */
typedef struct cell_grant {
  const char *host_path;  /* directory on the host */
  const char *guest_path; /* name the cell sees it under (NULL: host_path) */
  bool read_only;
} cell_grant;

/* What a cell is given and held to. Zero is "none" unless said otherwise. */
typedef struct cell_config {
  const char *name;
  const char *const *args; /* args[0] is the program's name */
  size_t arg_count;
  const char *const *env; /* "KEY=VALUE" */
  size_t env_count;
  const cell_grant *grants;
  size_t grant_count;
  /* Ends for 0, 1 and 2 (NULL: closed), which the cell takes over even
   * when its creation fails. */
  struct channel_end *stdio[3];
  /* Network grants, copied into the cell: where it may connect, listen. */
  const struct net_rule *connect_rules;
  size_t connect_rule_count;
  const struct net_rule *listen_rules;
  size_t listen_rule_count;
  uint64_t memory_limit_bytes; /* 0: the arch's largest */
  size_t stack_bytes;          /* 0: the arch's default */
  uint64_t cpu_time_ns;
  uint32_t descriptor_limit; /* 0: the arch's default */
  /* Where the cell is counted and charged (core/account.h): the runtime's
   * root, or a parent's account. Required. */
  struct account *parent_account;
  uint64_t host_fds;  /* host descriptors it may hold (runtime.cell_host_fds) */
  uint64_t max_cells; /* live descendants it may create; 0: none */
  /* Grants the cell lacks (GRANT_BITs): code that needs one of them is
   * refused. 0: everything the code asks for (minos run). */
  uint32_t denied_grants;
  /* Stop after initialisation until cell_let_start (a supervisor gives
   * the cell its ends first). */
  bool wait_for_start;
} cell_config;

typedef struct code_report {
  bool cache_hit; /* prepared before: nothing was compiled */
  char summary[160]; /* what preparing did, when not a compile ("" otherwise) */
  char error[1024]; /* one line, on failure */
} code_report;

/* What a cell's configuration lacks for code to run (minos check): a
 * grant the code needs, or memory it needs from its start. */
typedef enum code_problem_kind { CODE_NEEDS_GRANT, CODE_NEEDS_MEMORY } code_problem_kind;
typedef struct code_problem {
  code_problem_kind kind;
  grant_kind grant;  /* CODE_NEEDS_GRANT */
  const char *what;  /* "imports wasi_snapshot_preview1.path_open", "the module's initial
                      * memory (16 pages of 64 KiB, 1048576 bytes)" */
} code_problem;
typedef void (*code_problem_report)(void *context, const code_problem *problem);

/* One arch's part. */
typedef struct code_arch {
  const char *name;
  const char *runs; /* what it runs, for errors: "WebAssembly modules" */
  /* Whether the code starting with these bytes is this arch's. */
  bool (*owns)(const uint8_t *head, size_t length);
  /* Prepares code from the file at `name` (bytes NULL) or from bytes
   * (`name` then names them in errors), for cells with this memory limit:
   * *prepared, released with release. MINOS_EMODULE: code the arch refuses
   * (malformed, invalid, needing what minos does not provide); the reason
   * in report->error. */
  minos_status (*prepare)(const char *name, const uint8_t *bytes, size_t length,
                          uint64_t memory_limit_bytes, void **prepared, code_report *report);
  void (*release)(void *prepared);
  /* Checks code in a file as preparing it would, compiling nothing
   * (minos check): *inspected, released with release_inspected.
   * MINOS_EMODULE with why in error for code the arch refuses. */
  minos_status (*inspect)(const char *path, void **inspected, char *error, size_t error_size);
  /* What a cell with this memory limit and these denied grants lacks for
   * the inspected code, each problem reported once. */
  void (*cell_problems)(const void *inspected, uint64_t memory_limit_bytes,
                        uint32_t denied_grants, code_problem_report report, void *context);
  void (*release_inspected)(void *inspected);
  /* Whether its cells can be given this network grant (NULL: any); if
   * not, why in `why`. create refuses what this refuses. */
  bool (*takes_network_rule)(const struct net_rule *rule, char *why, size_t why_size);
  /* A cell ready to be placed (runtime_place); error names what failed. */
  minos_status (*create)(void *prepared, const cell_config *config, struct cell **out, char *error,
                         size_t error_size);
} code_arch;

/* Code prepared by its arch; copies share it until released. */
typedef struct cell_code {
  const code_arch *arch;
  void *prepared;
} cell_code;

/* What code starting with these bytes is, for an error, whether an arch
 * of this build owns it or not: "a WebAssembly module", "an x86-64 ELF
 * executable", "a script (#!/bin/sh)", "an ELF object for AArch64, not
 * x86-64", "an empty file"... Reads at most the first 64 bytes. */
const char *code_describe(const uint8_t *head, size_t length, char *buffer, size_t size);

/* The arch whose code starts with these bytes (NULL: none). */
const code_arch *code_arch_of(const uint8_t *head, size_t length);

/* Prepares the code in a file (a regular file; never waits on a FIFO),
 * or in bytes (display_name names it in errors). Code no arch owns is
 * refused (MINOS_EMODULE) with what it is and what minos runs. */
minos_status code_prepare_file(const char *path, uint64_t memory_limit_bytes, cell_code *out,
                               code_report *report);
minos_status code_prepare_bytes(const uint8_t *bytes, size_t length, const char *display_name,
                                uint64_t memory_limit_bytes, cell_code *out,
                                code_report *report);
void code_release(cell_code *code);

/* Code checked as code_arch.inspect says, its arch told by its first
 * bytes (code no arch owns: MINOS_EMODULE, what it is in error). */
typedef struct inspected_code {
  const code_arch *arch;
  void *inspected;
} inspected_code;
minos_status code_inspect_file(const char *path, inspected_code *out, char *error,
                               size_t error_size);
void code_cell_problems(const inspected_code *code, uint64_t memory_limit_bytes,
                        uint32_t denied_grants, code_problem_report report, void *context);
void code_inspected_release(inspected_code *code);
/* Whether cells of this code can be given this network grant (why not in
 * `why`): minos check refuses what a cell could not start with. */
bool code_takes_network_rule(const inspected_code *code, const struct net_rule *rule, char *why,
                             size_t why_size);

/* Creates a cell running the code: see code_arch.create. */
minos_status code_create_cell(const cell_code *code, const cell_config *config, struct cell **out,
                              char *error, size_t error_size);

#endif
