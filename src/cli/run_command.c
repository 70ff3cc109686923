/* SPDX-License-Identifier: Apache-2.0 */
/* minos run: one module as one sealed cell, with wasmtime's conventions
 * where they overlap (--dir HOST::GUEST, --env, args after the module). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/log.h"

#include "core/bridge.h"
#include "core/runtime.h"
#include "net/rule.h"
#include "spec/spec.h"
#include "core/code.h"

typedef struct run_options {
  cell_grant *grants;
  size_t grant_count;
  net_rule *connect_rules, *listen_rules;
  size_t connect_rule_count, listen_rule_count;
  const char **env;
  size_t env_count;
  long long memory_limit, stack_size;
  uint64_t cpu_time_ns, timeout_ns; /* 0: none */
  uint64_t max_cells, max_total_cells, descriptors; /* 0: the defaults */
  const char *module_path;
  const char *argv0; /* the program's argv[0]; NULL: module_path */
  char **guest_args;
  int guest_arg_count;
} run_options;

/* "HOST::GUEST" or "HOST" (seen by the guest under the same name). */
static int add_grant(run_options *options, const char *text, int read_only) {
  cell_grant *grown = realloc(options->grants, sizeof *grown * (options->grant_count + 1));
  if (!grown) return -1;
  options->grants = grown;
  const char *separator = strstr(text, "::");
  char *host = separator ? strndup(text, (size_t)(separator - text)) : strdup(text);
  const char *guest = separator ? separator + 2 : text;
  if (!host || !*host || !*guest) {
    log_error("--dir needs HOST or HOST::GUEST, got '%s'", text);
    free(host);
    return -1;
  }
  grown[options->grant_count++] = (cell_grant){host, guest, read_only};
  return 0;
}

/* --connect RULE, --listen RULE (net/rule.h). */
static int add_rule(const char *flag, const char *text, net_rule **rules, size_t *count) {
  net_rule *grown = realloc(*rules, sizeof *grown * (*count + 1));
  if (!grown) return -1;
  *rules = grown;
  char error[256];
  if (!net_rule_parse(text, &grown[*count], error, sizeof error)) {
    log_error("%s '%s': %s", flag, text, error);
    return -1;
  }
  ++*count;
  return 0;
}

static int add_env(run_options *options, const char *text) {
  const char **grown = realloc(options->env, sizeof *grown * (options->env_count + 1));
  if (!grown) return -1;
  options->env = grown;
  if (!strchr(text, '=')) { /* --env KEY: pass minos's own value through */
    const char *value = getenv(text);
    if (!value) {
      log_error("--env %s: no such variable in minos's environment", text);
      return -1;
    }
    char *pair = malloc(strlen(text) + strlen(value) + 2);
    if (!pair) return -1;
    sprintf(pair, "%s=%s", text, value);
    text = pair; /* lives until exit */
  } else if (text[0] == '=') {
    log_error("--env needs KEY=VALUE, got '%s'", text);
    return -1;
  }
  grown[options->env_count++] = text;
  return 0;
}

/* Sizes as a spec writes them (spec_parse_size), up to 1 TiB. */
static int parse_size_option(const char *flag, const char *value, long long *out) {
  uint64_t bytes;
  bool valid = spec_parse_size(value, &bytes) && bytes > 0 && bytes <= (1ULL << 40);
  if (!valid) log_error("%s: '%s' is not a size (e.g. 65536, 64K, 16M, 1G)", flag, value);
  *out = valid ? (long long)bytes : -1;
  return valid ? 0 : -1;
}

/* A wasm page is the least memory a limit can mean: below it, a limit
 * would be no limit at all (or nothing could run), so it is refused. */
static int parse_memory_option(const char *value, long long *out) {
  if (parse_size_option("--max-memory", value, out) != 0) return -1;
  if (*out >= 65536) return 0;
  log_error("--max-memory: '%s' is below one wasm page (64K), the least a cell can have", value);
  return -1;
}

static int parse_duration_option(const char *flag, const char *value, uint64_t *out) {
  if (spec_parse_duration(value, out) && *out > 0) return 0;
  log_error("%s: '%s' is not a duration above 0 (e.g. 500ms, 2s, 1m)", flag, value);
  return -1;
}

int parse_count_option(const char *flag, const char *value, uint64_t low, uint64_t high,
                              uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long count = strtoull(value, &end, 10);
  if (value[0] >= '0' && value[0] <= '9' && *end == '\0' && errno == 0 && count >= low &&
      count <= high) {
    *out = count;
    return 0;
  }
  log_error("%s: '%s' is not a whole number from %llu to %llu", flag, value,
            (unsigned long long)low, (unsigned long long)high);
  return -1;
}

enum {
  OPTION_DIR = OPTION_LONG_ONLY, OPTION_RO_DIR, OPTION_ENV, OPTION_CONNECT, OPTION_LISTEN,
  OPTION_MAX_MEMORY, OPTION_MAX_STACK, OPTION_MAX_CPU, OPTION_TIMEOUT, OPTION_MAX_CELLS,
  OPTION_MAX_TOTAL_CELLS, OPTION_MAX_DESCRIPTORS, OPTION_ARGV0,
};

static const struct option run_long_options[] = {
    {"dir", required_argument, NULL, OPTION_DIR},
    {"ro-dir", required_argument, NULL, OPTION_RO_DIR},
    {"env", required_argument, NULL, OPTION_ENV},
    {"connect", required_argument, NULL, OPTION_CONNECT},
    {"listen", required_argument, NULL, OPTION_LISTEN},
    {"max-memory", required_argument, NULL, OPTION_MAX_MEMORY},
    {"max-stack", required_argument, NULL, OPTION_MAX_STACK},
    {"max-cpu", required_argument, NULL, OPTION_MAX_CPU},
    {"timeout", required_argument, NULL, OPTION_TIMEOUT},
    {"max-cells", required_argument, NULL, OPTION_MAX_CELLS},
    {"max-total-cells", required_argument, NULL, OPTION_MAX_TOTAL_CELLS},
    {"max-descriptors", required_argument, NULL, OPTION_MAX_DESCRIPTORS},
    {"argv0", required_argument, NULL, OPTION_ARGV0},
    {"verbose", no_argument, NULL, 'v'},
    OPTION_HELP,
    OPTION_END,
};

/* One option and its value (optarg): 0, or -1 with the reason logged. */
static int take_option(int option, const char *value, run_options *options) {
  switch (option) {
  case 'v': log_set_level(LOG_INFO); return 0;
  case OPTION_DIR: return add_grant(options, value, 0);
  case OPTION_RO_DIR: return add_grant(options, value, 1);
  case OPTION_ENV: return add_env(options, value);
  case OPTION_CONNECT:
    return add_rule("--connect", value, &options->connect_rules, &options->connect_rule_count);
  case OPTION_LISTEN:
    return add_rule("--listen", value, &options->listen_rules, &options->listen_rule_count);
  case OPTION_MAX_MEMORY: return parse_memory_option(value, &options->memory_limit);
  case OPTION_MAX_STACK: return parse_size_option("--max-stack", value, &options->stack_size);
  case OPTION_MAX_CPU: return parse_duration_option("--max-cpu", value, &options->cpu_time_ns);
  case OPTION_TIMEOUT: return parse_duration_option("--timeout", value, &options->timeout_ns);
  case OPTION_MAX_CELLS:
    return parse_count_option("--max-cells", value, 1, 1000000, &options->max_cells);
  case OPTION_MAX_TOTAL_CELLS:
    return parse_count_option("--max-total-cells", value, 1, MAX_TOTAL_CELLS_LIMIT,
                              &options->max_total_cells);
  case OPTION_MAX_DESCRIPTORS:
    return parse_count_option("--max-descriptors", value, 3, 1000000, &options->descriptors);
  case OPTION_ARGV0: options->argv0 = value; return 0;
  }
  return -1;
}

/* The options, then CODE and the program's own arguments, as they are
 * (in order: a flag after CODE is the program's). True to run; else
 * false, with the exit status (0 after --help). */
static bool parse_options(int argc, char **argv, run_options *options, int *exit_status) {
  options_parser parser = {.command = "run", .short_options = "hv",
                           .long_options = run_long_options, .in_order = true,
                           .argc = argc, .argv = argv};
  int option;
  *exit_status = EXIT_USAGE;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) *exit_status = parser.exit_status;
    if (option == OPTIONS_QUIT || take_option(option, optarg, options) != 0) return false;
  }
  if (!options_operands(&parser, 1, -1, "a module or a program (CODE)")) return false;
  options->module_path = argv[parser.operand];
  options->guest_args = argv + parser.operand;
  options->guest_arg_count = argc - parser.operand;
  /* The name the program is known by (minos oci: the image's path, not
   * where the engine keeps the image on the host). */
  if (options->argv0) argv[parser.operand] = (char *)options->argv0;
  return true;
}

static int exit_status_for_load_failure(minos_status status, const char *path, const char *error) {
  if (status == MINOS_EMODULE) {
    log_error("invalid module %s: %s", path, error);
    return EXIT_INVALID_MODULE;
  }
  log_error("%s", error);
  return EXIT_RUNTIME_ERROR;
}

int report_outcome(const cell_outcome *outcome) {
  if (!outcome->faulted) return outcome->exit_code > 255 ? 255 : (int)outcome->exit_code;
  char description[256];
  cell_outcome_describe(outcome, description, sizeof description);
  log_error("%s: %s", outcome->fault <= FAULT_STACK_EXHAUSTION ? "trap" : "fault", description);
  return EXIT_TRAP;
}

/* The cell's stdio: a channel per slot, the cell's end in config, a
 * bridge to the host descriptor on the other. A host descriptor that is
 * not open leaves the slot closed. */
typedef struct host_stdio {
  bridge *bridges[3];
} host_stdio;

static minos_status wire_stdio(host_stdio *wiring, cell_config *config) {
  for (int fd = 0; fd < 3; fd++) {
    config->stdio[fd] = NULL;
    if (fcntl(fd, F_GETFL) < 0) continue;
    channel_end *write_end, *read_end;
    minos_status status = channel_create(0, &write_end, &read_end);
    if (status == MINOS_OK) {
      status = fd == 0 ? bridge_from_fd(fd, write_end, true, &wiring->bridges[fd])
                       : bridge_to_fd(read_end, fd, &wiring->bridges[fd]);
      if (status != MINOS_OK) {
        channel_end_close(write_end);
        channel_end_close(read_end);
      }
    }
    if (status != MINOS_OK) return status;
    config->stdio[fd] = fd == 0 ? read_end : write_end;
  }
  return MINOS_OK;
}

/* Output first, so everything the cell wrote is out before minos speaks. */
static void finish_stdio(host_stdio *wiring) {
  bridge_finish(wiring->bridges[1]);
  bridge_finish(wiring->bridges[2]);
  bridge_finish(wiring->bridges[0]);
}

/* minos run's SIGTERM, as minos up's stop: the cell's stdin ends, which
 * a well-behaved cell takes as the signal to finish; one still running
 * STOP_GRACE_NS later is killed (fault "killed"). SIGTERM is blocked in
 * every thread (stop_signals, before the runtime's threads exist) and
 * taken here, between waits of at most STOP_POLL_NS. */
#define STOP_GRACE_NS 2000000000ull
#define STOP_POLL_NS 100000000ull

static void block_stop_signal(void) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
}

static bool stop_requested(void) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  return sigtimedwait(&stop, NULL, &(struct timespec){0, 0}) == SIGTERM;
}

static uint64_t earliest(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Waits for the cell's end; past the wall-clock limit (0: none), ends it
 * with a "timeout" fault; after SIGTERM and its grace, "killed". */
static void wait_for_end(cell *created, uint64_t timeout_ns, bridge *input) {
  waiter host;
  waiter_init_host(&host);
  uint64_t deadline = timeout_ns ? deadline_after(timeout_ns) : DEADLINE_NEVER;
  uint64_t kill_at = DEADLINE_NEVER;
  cell_fault fault = FAULT_TIMEOUT;
  for (;;) {
    uint64_t until = earliest(earliest(deadline, kill_at), deadline_after(STOP_POLL_NS));
    if (cell_wait_end(created, &host, until)) return;
    uint64_t now = monotonic_ns();
    if (now >= deadline) break;
    if (now >= kill_at) {
      fault = FAULT_KILLED;
      break;
    }
    if (kill_at == DEADLINE_NEVER && stop_requested()) {
      bridge_end_input(input);
      kill_at = deadline_after(STOP_GRACE_NS);
    }
  }
  cell_request_end(created, fault);
  cell_wait_end(created, &host, DEADLINE_NEVER);
}

static minos_status run_limited(const cell_code *code, const cell_config *given,
                                uint64_t timeout_ns, uint64_t max_total_cells,
                                cell_outcome *outcome, char *error, size_t error_size) {
  runtime workers;
  block_stop_signal();
  minos_status status = runtime_init(&workers, 0);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "cannot start the runtime: %s", minos_status_name(status));
    return status;
  }
  if (max_total_cells) runtime_set_max_cells(&workers, max_total_cells);
  cell_config config = *given;
  config.parent_account = workers.root;
  /* No limit given: the most a wasm32 memory can be, for its channels too. */
  if (!config.memory_limit_bytes) config.memory_limit_bytes = (uint64_t)4 << 30;
  if (!config.host_fds || config.host_fds > workers.cell_host_fds)
    config.host_fds = workers.cell_host_fds;
  host_stdio wiring = {{NULL, NULL, NULL}};
  cell *created = NULL;
  status = wire_stdio(&wiring, &config);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "cannot wire stdio: %s", minos_status_name(status));
    for (int fd = 0; fd < 3; fd++)
      if (config.stdio[fd]) channel_end_close(config.stdio[fd]);
  }
  if (status == MINOS_OK) status = code_create_cell(code, &config, &created, error, error_size);
  if (status == MINOS_OK) status = runtime_place(&workers, created, PLACE_ANY, NULL);
  if (status == MINOS_OK) {
    wait_for_end(created, timeout_ns, wiring.bridges[0]);
    *outcome = created->outcome;
    cell_reap(created);
  } else if (created) {
    snprintf(error, error_size, "cannot start the cell: %s", minos_status_name(status));
    cell_disown(created);
  }
  finish_stdio(&wiring);
  runtime_shutdown(&workers);
  return status;
}

minos_status run_cell_to_end(const cell_code *code, const cell_config *config,
                             cell_outcome *outcome, char *error, size_t error_size) {
  return run_limited(code, config, 0, 0, outcome, error, error_size);
}

static int run_cell(run_options *options, const cell_code *code) {
  cell_config config = {
      .name = options->module_path,
      .args = (const char *const *)options->guest_args,
      .arg_count = (size_t)options->guest_arg_count,
      .env = options->env,
      .env_count = options->env_count,
      .grants = options->grants,
      .grant_count = options->grant_count,
      .memory_limit_bytes = (uint64_t)options->memory_limit,
      .stack_bytes = (size_t)options->stack_size,
      .cpu_time_ns = options->cpu_time_ns,
      .descriptor_limit = (uint32_t)options->descriptors,
      .host_fds = options->descriptors, /* no more than its table holds; 0: its share */
      .max_cells = options->max_cells,
      .connect_rules = options->connect_rules,
      .connect_rule_count = options->connect_rule_count,
      .listen_rules = options->listen_rules,
      .listen_rule_count = options->listen_rule_count,
  };
  char error[512] = "";
  cell_outcome outcome = {0};
  if (run_limited(code, &config, options->timeout_ns, options->max_total_cells, &outcome, error,
                  sizeof error) != MINOS_OK) {
    log_error("%s", error);
    return EXIT_RUNTIME_ERROR;
  }
  return report_outcome(&outcome);
}

static void free_options(run_options *options) {
  for (size_t i = 0; i < options->grant_count; i++) free((char *)options->grants[i].host_path);
  free(options->grants);
  free(options->env);
  free(options->connect_rules);
  free(options->listen_rules);
}

int command_run(int argc, char **argv) {
  run_options options = {0};
  block_stop_signal(); /* from the start: a SIGTERM during the compile waits for the cell */
  int exit_status;
  if (!parse_options(argc, argv, &options, &exit_status)) {
    free_options(&options);
    return exit_status;
  }
  code_report report;
  cell_code code;
  minos_status status =
      code_prepare_file(options.module_path, (uint64_t)options.memory_limit, &code, &report);
  if (status != MINOS_OK) {
    free_options(&options);
    return exit_status_for_load_failure(status, options.module_path, report.error);
  }
  log_info("%s: %s", options.module_path,
           report.summary[0] ? report.summary : report.cache_hit ? "cache hit" : "compiled");
  exit_status = run_cell(&options, &code);
  code_release(&code);
  free_options(&options);
  return exit_status;
}
