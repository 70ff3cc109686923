/* SPDX-License-Identifier: Apache-2.0 */
/* The minos command's subcommands. Each returns the process exit status. */
#ifndef MINOS_CLI_COMMANDS_H
#define MINOS_CLI_COMMANDS_H

#include "core/cell.h"
#include "core/code.h"

/* Exit statuses of minos itself (a guest's own exit code passes through). */
enum {
  EXIT_PROBLEMS = 1,       /* minos check: the spec has problems */
  EXIT_OCI_FAILED = 1,     /* minos oci: the command failed (as runc's) */
  EXIT_USAGE = 2,          /* bad command line */
  EXIT_INVALID_MODULE = 2, /* malformed, invalid or refused module */
  EXIT_RUNTIME_ERROR = 125, /* minos could not do its job (toolchain, i/o, grants) */
  EXIT_TRAP = 134,          /* the cell trapped or hit a limit (128 + SIGABRT, as wasmtime) */
};

int command_run(int argc, char **argv);
int command_compile(int argc, char **argv);
int command_demo(int argc, char **argv);
int command_check(int argc, char **argv);
int command_up(int argc, char **argv);
int command_ps(int argc, char **argv);
int command_logs(int argc, char **argv);
int command_top(int argc, char **argv);
/* minos kill|restart SYSTEM CELL, minos stop SYSTEM: argv[0] says which. */
int command_control(int argc, char **argv);
/* minos oci GLOBALS COMMAND ...: the OCI runtime command line. */
int command_oci(int argc, char **argv);

struct spec;
/* Reads and loads a spec, printing what is wrong with it if anything: NULL
 * then, with *exit_status EXIT_USAGE (unreadable) or EXIT_PROBLEMS. */
struct spec *load_spec_reporting(const char *path, int *exit_status);
/* Runs a loaded spec under a supervisor until it ends or is stopped
 * (SIGINT, SIGTERM); the log goes to log_path, else the spec's, else stderr. */
int run_system(const struct spec *system, const char *log_path, const char *control_path,
               const char *metrics_address);


/* A whole number from low to high given to `flag`: 0 and *out set, or -1
 * with the reason logged. */
int parse_count_option(const char *flag, const char *value, uint64_t low, uint64_t high,
                       uint64_t *out);
/* The most live cells a runtime may be told to hold (--max-total-cells). */
#define MAX_TOTAL_CELLS_LIMIT 100000000u

/* Runs one cell of the code to its end on a runtime of its own. */
minos_status run_cell_to_end(const cell_code *code, const cell_config *config,
                             cell_outcome *outcome, char *error, size_t error_size);
/* Logs how a cell ended; returns the exit status minos reports for it. */
int report_outcome(const cell_outcome *outcome);

#endif
