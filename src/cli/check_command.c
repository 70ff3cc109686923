/* SPDX-License-Identifier: Apache-2.0 */
/* minos check: validate a spec without running it, the way a compiler
 * checks a program: every problem, each with its place in the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/log.h"
#include "spec/spec.h"

/* A spec's problems, one line each: as a compiler says them (file:line:
 * column, for editors), or, where the log has a form of its own (minos up
 * --log-format), as lines of that log, so that every line it writes has
 * its time and level (and is JSON where asked). */
static void report_problems(const spec_problems *problems, const char *path) {
  char *text = NULL;
  size_t size = 0;
  FILE *lines = log_get_format() == LOG_FORMAT_PLAIN ? NULL : open_memstream(&text, &size);
  if (!lines) {
    spec_problems_print(problems, path, stderr);
    return;
  }
  spec_problems_print(problems, path, lines);
  fclose(lines);
  for (char *line = text, *end; line && *line; line = end + 1) {
    end = strchr(line, '\n');
    if (end) *end = '\0';
    log_error("%s", line);
    if (!end) break;
  }
  free(text);
}

spec *load_spec_reporting(const char *path, int *exit_status) {
  char error[256];
  size_t length;
  char *text = spec_read_file(path, &length, error, sizeof error);
  if (!text) {
    log_error("cannot read %s: %s", path, error);
    *exit_status = EXIT_USAGE;
    return NULL;
  }
  spec_problems problems = {0};
  spec *loaded = spec_load_text(text, length, path, &problems);
  free(text);
  if (!loaded) {
    report_problems(&problems, path);
    spec_problems_free(&problems);
    *exit_status = EXIT_PROBLEMS;
  }
  return loaded;
}

static int check_file(const char *path) {
  int exit_status = 0;
  spec *loaded = load_spec_reporting(path, &exit_status);
  if (!loaded) return exit_status;
  printf("%s: ok: %zu cell%s, %zu channel%s\n", path, loaded->cell_count,
         loaded->cell_count == 1 ? "" : "s", loaded->channel_count,
         loaded->channel_count == 1 ? "" : "s");
  spec_free(loaded);
  return 0;
}

int command_check(int argc, char **argv) {
  options_parser parser = {.command = "check", .argc = argc, .argv = argv};
  if (!options_help_only(&parser, 1, -1, "a spec file")) return parser.exit_status;
  /* The worst outcome wins: an unreadable file over a spec with problems. */
  int exit_status = 0;
  for (int i = parser.operand; i < argc; i++) {
    int status = check_file(argv[i]);
    if (status > exit_status) exit_status = status;
  }
  fflush(stdout);
  return exit_status;
}
