/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/options.h"

#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/help.h"
#include "core/log.h"

/* One line: what is wrong (after "COMMAND: " if `prefixed`), the usage,
 * and where to read more. */
static int refuse(const options_parser *self, bool prefixed, const char *what) {
  char usage[160];
  const char *command = self->command ? self->command : "";
  help_usage(self->command, usage, sizeof usage);
  log_error("%s%s%s (usage: %s; try 'minos %s%s--help')", prefixed ? command : "",
            prefixed && self->command ? ": " : "", what, usage, command,
            self->command ? " " : "");
  return EXIT_USAGE;
}

/* The long options `typed` (without its "--" and any "=value") abbreviates. */
static void list_matches(const options_parser *self, const char *typed, size_t length, char *text,
                         size_t size) {
  size_t used = 0;
  text[0] = '\0';
  for (const struct option *each = self->long_options; each->name; each++)
    if (strncmp(each->name, typed, length) == 0 && used < size) {
      int written = snprintf(text + used, size - used, "%s--%s", used ? ", " : "", each->name);
      if (written > 0) used += (size_t)written;
    }
}

/* A long option getopt refused: unknown, ambiguous, or given a value it
 * does not take. The argument as typed is argv[optind - 1]. */
static int refuse_long(const options_parser *self, int value) {
  const char *typed = self->argv[optind - 1];
  size_t length = strcspn(typed + 2, "=");
  char what[400], matches[256];
  list_matches(self, typed + 2, length, matches, sizeof matches);
  if (value != 0)
    snprintf(what, sizeof what, "option '%.*s' takes no value", (int)length + 2, typed);
  else if (matches[0])
    snprintf(what, sizeof what, "option '%.*s' is ambiguous: %s", (int)length + 2, typed,
             matches);
  else
    snprintf(what, sizeof what, "unknown option '%.*s'", (int)length + 2, typed);
  return refuse(self, true, what);
}

/* Whether getopt's optopt names a one-letter option the command has. */
static bool is_short_option(const options_parser *self, int letter) {
  return letter > 0 && letter < OPTION_LONG_ONLY && letter != ':' &&
         strchr(self->short_options, letter);
}

/* getopt's '?': an unknown letter, or a long option it refused. getopt
 * sets optopt to 0 for an unknown or ambiguous long option, to the
 * option's value for one given a value it does not take, and to the
 * letter for an unknown one (which may sit inside a cluster, as in -vx,
 * where argv[optind - 1] is not the one being read). */
static int refuse_unknown(const options_parser *self) {
  const char *typed = self->argv[optind - 1];
  bool long_given_value = strncmp(typed, "--", 2) == 0 && strchr(typed, '=') &&
                          (optopt >= OPTION_LONG_ONLY || is_short_option(self, optopt));
  bool long_refused = optopt == 0 || long_given_value;
  if (long_refused) return refuse_long(self, optopt);
  char what[64];
  snprintf(what, sizeof what, "unknown option '-%c'", optopt);
  return refuse(self, true, what);
}

/* getopt's ':': an option that needs a value came last. */
static int refuse_missing_value(const options_parser *self) {
  const char *typed = self->argv[self->argc - 1];
  char what[200];
  if (strncmp(typed, "--", 2) == 0)
    snprintf(what, sizeof what, "option '%s' needs a value", typed);
  else
    snprintf(what, sizeof what, "option '-%c' needs a value", optopt);
  return refuse(self, true, what);
}

int options_next(options_parser *self) {
  char getopt_options[64];
  /* '+': stop at the first operand (else getopt moves operands after the
   * options); ':': report a missing value apart from an unknown option. */
  snprintf(getopt_options, sizeof getopt_options, "%s:%s", self->in_order ? "+" : "",
           self->short_options);
  if (self->operand == 0) {
    optind = 0; /* glibc: start afresh, its state and the argv given */
    self->operand = -1;
  }
  opterr = 0; /* the errors are ours, said once, in the project's log */
  int value = getopt_long(self->argc, self->argv, getopt_options, self->long_options, NULL);
  if (value == -1) {
    self->operand = optind;
    return OPTIONS_END;
  }
  if (value == 'h') {
    help_print(stdout, self->command);
    self->exit_status = fflush(stdout) == 0 ? 0 : EXIT_RUNTIME_ERROR;
    return OPTIONS_QUIT;
  }
  if (value == '?' || value == ':') {
    self->exit_status = value == '?' ? refuse_unknown(self) : refuse_missing_value(self);
    return OPTIONS_QUIT;
  }
  return value;
}

bool options_operands(options_parser *self, int least, int most, const char *needed) {
  int count = self->argc - self->operand;
  char what[400];
  if (count < least) {
    snprintf(what, sizeof what, "%s needs %s", self->command, needed); /* "check needs a spec" */
    self->exit_status = refuse(self, false, what);
    return false;
  }
  if (most >= 0 && count > most) {
    snprintf(what, sizeof what, "unexpected operand '%s'", self->argv[self->operand + most]);
    self->exit_status = refuse(self, true, what);
    return false;
  }
  return true;
}

bool options_help_only(options_parser *self, int least, int most, const char *needed) {
  static const struct option help_only[] = {OPTION_HELP, OPTION_END};
  self->short_options = "h";
  self->long_options = help_only;
  int option;
  while ((option = options_next(self)) != OPTIONS_END)
    if (option == OPTIONS_QUIT) return false;
  return options_operands(self, least, most, needed);
}
