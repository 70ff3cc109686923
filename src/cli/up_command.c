/* SPDX-License-Identifier: Apache-2.0 */
/* minos up: run a whole system from its spec and keep it running. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/log.h"
#include "spec/spec.h"
#include "sup/supervisor.h"

static supervisor *running;

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

/* The log goes to the spec's file (or --log's), appended, so it can be
 * followed with tail -f while the system runs; else to stderr. */
static int open_log(const char *path) {
  if (!path) {
    log_set_destination(2, true);
    return 0;
  }
  /* A FIFO is fine for a user piping the log, but its reader must be there
   * already: minos never waits at open for one (O_NONBLOCK says ENXIO).
   * Writes then block as they would to a pipe on stderr. */
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0 && errno == ENXIO) {
    log_error("cannot open the log %s: it is a FIFO that no process reads; start its reader first",
              path);
    return -1;
  }
  if (fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    log_error("cannot open the log %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  log_set_destination(fd, true);
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

#define UP_USAGE                                                                         \
  "minos up [-v|-q] [--log FILE] [--log-rate N/s] [--log-burst N] [--log-max-bytes SIZE] " \
  "[--log-max-line SIZE] [--max-total-cells N] [--control SOCKET] [--metrics HOST:PORT] spec.json"

/* --log-rate and the like: the system's default log limits, in place of
 * the spec's "log_limits" (a cell's own limits.log still win). */
static bool take_log_limit(const char *option, const char *value, spec_log_limits *limits) {
  static const char *const options[][2] = {{"--log-rate", "rate"},
                                           {"--log-burst", "burst"},
                                           {"--log-max-bytes", "max_bytes"},
                                           {"--log-max-line", "max_line"}};
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    if (strcmp(option, options[i][0]) != 0) continue;
    char error[160];
    if (spec_set_log_limit(limits, options[i][1], value, error, sizeof error)) return true;
    log_error("up: %s: %s", option, error);
    return false;
  }
  log_error("up: unexpected '%s' (usage: " UP_USAGE ")", option);
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

int command_up(int argc, char **argv) {
  const char *log_path = NULL, *path = NULL, *control_path = NULL, *metrics_address = NULL;
  spec_log_limits log_limits = {0};
  uint64_t max_total_cells = 0;
  log_set_level(LOG_INFO);
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
      log_set_level(LOG_DEBUG);
    } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
      log_set_level(LOG_WARN);
    } else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
      log_path = argv[++i];
    } else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc) {
      control_path = argv[++i];
    } else if (strcmp(argv[i], "--metrics") == 0 && i + 1 < argc) {
      metrics_address = argv[++i];
      if (!spec_metrics_address_valid(metrics_address)) {
        log_error("up: --metrics %s: not HOST:PORT with a literal IP address (127.0.0.1:9464)",
                  metrics_address);
        return EXIT_USAGE;
      }
    } else if (strcmp(argv[i], "--max-total-cells") == 0 && i + 1 < argc) {
      if (parse_count_option(argv[i], argv[i + 1], 1, MAX_TOTAL_CELLS_LIMIT, &max_total_cells))
        return EXIT_USAGE;
      i++;
    } else if (strncmp(argv[i], "--log-", 6) == 0 && i + 1 < argc) {
      if (!take_log_limit(argv[i], argv[i + 1], &log_limits)) return EXIT_USAGE;
      i++;
    } else if (argv[i][0] == '-' || path) {
      log_error("up: unexpected '%s' (usage: " UP_USAGE ")", argv[i]);
      return EXIT_USAGE;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    log_error("up needs a spec: " UP_USAGE);
    return EXIT_USAGE;
  }
  int load_status = 0;
  spec *system = load_spec_reporting(path, &load_status);
  if (!system) {
    if (load_status == EXIT_PROBLEMS)
      log_error("%s has problems; nothing was started (see 'minos check %s')", path, path);
    return EXIT_USAGE;
  }
  override_log_limits(system, &log_limits);
  system->max_total_cells = max_total_cells;
  int exit_status = run_system(system, log_path, control_path, metrics_address);
  spec_free(system);
  return exit_status;
}
