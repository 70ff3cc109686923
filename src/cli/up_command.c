/* SPDX-License-Identifier: Apache-2.0 */
/* minos up: run a whole system from its spec and keep it running. */
#include <signal.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/log.h"
#include "spec/spec.h"
#include "sup/supervisor.h"

static supervisor *running;
/* The log's format (--log-format): text unless told json. */
static log_format up_log_format = LOG_FORMAT_TEXT;

static void on_stop_signal(int number) {
  (void)number;
  if (running) supervisor_request_stop(running);
}

static void catch_stop_signals(void) {
  struct sigaction action = {.sa_handler = on_stop_signal};
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
}

/* SIGHUP: logrotate moved the log file away; the supervisor, woken, opens
 * it again at once (core/log.h), or else the next line does. Never its
 * default action, which would end the system. */
static void on_hangup(int number) {
  (void)number;
  log_request_reopen();
  if (running) supervisor_wake(running);
}

static void catch_hangup(void) {
  struct sigaction action = {.sa_handler = on_hangup, .sa_flags = SA_RESTART};
  sigemptyset(&action.sa_mask);
  sigaction(SIGHUP, &action, NULL);
}

/* The log goes to the spec's file (or --log's), appended, so it can be
 * followed with tail -f while the system runs; else to stderr. */
static int open_log(const char *path) {
  char error[600];
  if (!path) {
    log_set_destination(2, up_log_format);
  } else if (!log_open_file(path, up_log_format, error, sizeof error)) {
    log_error("%s", error);
    return -1;
  }
  catch_hangup();
  return 0;
}

int run_system(const spec *system, const char *log_path, const char *control_path,
               const char *metrics_address) {
  if (open_log(log_path ? log_path : system->log_path) != 0) return EXIT_RUNTIME_ERROR;
  char error[512] = "";
  supervisor *created;
  minos_status status = supervisor_create(system, &created, error, sizeof error);
  if (status != MINOS_OK) {
    log_error("%s", error[0] ? error : minos_status_name(status));
    return status == MINOS_EMODULE ? EXIT_INVALID_MODULE : EXIT_RUNTIME_ERROR;
  }
  status = supervisor_open_control(created, control_path, metrics_address, error, sizeof error);
  if (status != MINOS_OK) {
    log_error("%s", error);
    supervisor_free(created);
    return EXIT_RUNTIME_ERROR;
  }
  running = created;
  catch_stop_signals();
  int exit_status = supervisor_run(created);
  supervisor_free(created);
  running = NULL;
  return exit_status;
}

/* --log-rate and the like: the system's default log limits, in place of
 * the spec's "log_limits" (a cell's own limits.log still win). */
static bool take_log_limit(const char *option, const char *key, const char *value,
                           spec_log_limits *limits) {
  char error[160];
  if (spec_set_log_limit(limits, key, value, error, sizeof error)) return true;
  log_error("up: %s: %s", option, error);
  return false;
}

static void override_log_limits(spec *system, const spec_log_limits *given) {
  spec_log_limits *limits = &system->log_limits;
  if (given->set & SPEC_LOG_RATE) {
    limits->rate_lines = given->rate_lines;
    limits->rate_period_ns = given->rate_period_ns;
  }
  if (given->set & SPEC_LOG_BURST) limits->burst = given->burst;
  if (given->set & SPEC_LOG_MAX_BYTES) limits->max_bytes = given->max_bytes;
  if (given->set & SPEC_LOG_MAX_LINE) limits->max_line = given->max_line;
  limits->set |= given->set;
}

enum {
  OPTION_LOG = OPTION_LONG_ONLY, OPTION_CONTROL, OPTION_METRICS, OPTION_MAX_TOTAL_CELLS,
  OPTION_LOG_RATE, OPTION_LOG_BURST, OPTION_LOG_MAX_BYTES, OPTION_LOG_MAX_LINE,
  OPTION_LOG_FORMAT,
};

static const struct option up_long_options[] = {
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"log", required_argument, NULL, OPTION_LOG},
    {"log-format", required_argument, NULL, OPTION_LOG_FORMAT},
    {"control", required_argument, NULL, OPTION_CONTROL},
    {"metrics", required_argument, NULL, OPTION_METRICS},
    {"max-total-cells", required_argument, NULL, OPTION_MAX_TOTAL_CELLS},
    {"log-rate", required_argument, NULL, OPTION_LOG_RATE},
    {"log-burst", required_argument, NULL, OPTION_LOG_BURST},
    {"log-max-bytes", required_argument, NULL, OPTION_LOG_MAX_BYTES},
    {"log-max-line", required_argument, NULL, OPTION_LOG_MAX_LINE},
    OPTION_HELP,
    OPTION_END,
};

/* What minos up was told on its command line. */
typedef struct up_options {
  const char *log_path, *control_path, *metrics_address;
  spec_log_limits log_limits;
  uint64_t max_total_cells;
} up_options;

/* One option and its value (optarg): false with the reason logged. */
static bool take_option(int option, const char *value, up_options *given) {
  switch (option) {
  case 'v': log_set_level(LOG_DEBUG); return true;
  case 'q': log_set_level(LOG_WARN); return true;
  case OPTION_LOG: given->log_path = value; return true;
  case OPTION_LOG_FORMAT:
    if (log_format_named(value, &up_log_format)) {
      log_set_destination(2, up_log_format); /* what follows is said in it */
      return true;
    }
    log_error("up: --log-format %s: the formats are text and json", value);
    return false;
  case OPTION_CONTROL: given->control_path = value; return true;
  case OPTION_METRICS:
    given->metrics_address = value;
    if (spec_metrics_address_valid(value)) return true;
    log_error("up: --metrics %s: not HOST:PORT, HOST an IP address or localhost, PORT 1 to "
              "65535 (127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464)", value);
    return false;
  case OPTION_MAX_TOTAL_CELLS:
    return parse_count_option("--max-total-cells", value, 1, MAX_TOTAL_CELLS_LIMIT,
                              &given->max_total_cells) == 0;
  case OPTION_LOG_RATE: return take_log_limit("--log-rate", "rate", value, &given->log_limits);
  case OPTION_LOG_BURST: return take_log_limit("--log-burst", "burst", value, &given->log_limits);
  case OPTION_LOG_MAX_BYTES:
    return take_log_limit("--log-max-bytes", "max_bytes", value, &given->log_limits);
  case OPTION_LOG_MAX_LINE:
    return take_log_limit("--log-max-line", "max_line", value, &given->log_limits);
  }
  return false;
}

int command_up(int argc, char **argv) {
  up_options given = {0};
  options_parser parser = {.command = "up", .short_options = "hvq",
                           .long_options = up_long_options, .argc = argc, .argv = argv};
  log_set_level(LOG_INFO);
  int option;
  while ((option = options_next(&parser)) != OPTIONS_END) {
    if (option == OPTIONS_QUIT) return parser.exit_status;
    if (!take_option(option, optarg, &given)) return EXIT_USAGE;
  }
  if (!options_operands(&parser, 1, 1, "a spec")) return parser.exit_status;
  /* From here on minos up speaks as a system's log (time, level), in its
   * format, from the spec's problems to the system's end. */
  log_set_destination(2, up_log_format);
  const char *path = argv[parser.operand];
  int load_status = 0;
  spec *system = load_spec_reporting(path, &load_status);
  if (!system) {
    if (load_status == EXIT_PROBLEMS)
      log_error("%s has problems; nothing was started (see 'minos check %s')", path, path);
    return EXIT_USAGE;
  }
  override_log_limits(system, &given.log_limits);
  system->max_total_cells = given.max_total_cells;
  int exit_status = run_system(system, given.log_path, given.control_path, given.metrics_address);
  spec_free(system);
  return exit_status;
}
