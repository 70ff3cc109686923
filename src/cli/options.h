/* SPDX-License-Identifier: Apache-2.0 */
/* How every subcommand reads its command line: getopt_long, with the same
 * errors everywhere. An unknown or ambiguous option, a missing or an
 * unwanted option value, and a wrong number of operands each get one line
 * naming what is wrong and the command's usage, and exit status 2; --help
 * (-h) prints the command's help on stdout, exit status 0; "--" ends the
 * options, so an operand may look like one (minos check -- -x.json).
 *
 * A command whose operands end in a program's arguments (run) parses in
 * order: the options stop at the first operand, and whatever follows it is
 * the program's, flags included. The others take options anywhere among
 * their operands, as they always did (minos ps ctl --json). */
#ifndef MINOS_CLI_OPTIONS_H
#define MINOS_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>

/* Every command's --help; its short form -h goes in short_options. */
#define OPTION_HELP {"help", no_argument, NULL, 'h'}
#define OPTION_END {NULL, 0, NULL, 0}
/* Values of long options that have no one-letter form. */
#define OPTION_LONG_ONLY 256

typedef struct options_parser {
  const char *command;               /* "run": for messages and its help */
  const char *short_options;         /* getopt's letters ("hv"), 'h' included */
  const struct option *long_options; /* ending in OPTION_END, OPTION_HELP among them */
  bool in_order;                     /* stop at the first operand (run) */
  int argc;
  char **argv;     /* argv[0] is the command's name */
  int exit_status; /* after OPTIONS_QUIT: what the command returns */
  int operand;     /* after OPTIONS_END: the first operand's index (0 before) */
} options_parser;

enum {
  OPTIONS_END = -1,  /* no more options: the operands are argv[operand..argc) */
  OPTIONS_QUIT = -2, /* --help was printed, or an error said: return exit_status */
};

/* The next option's value (its letter, or its OPTION_LONG_ONLY + n), its
 * argument in optarg; or OPTIONS_END, or OPTIONS_QUIT. The first call
 * starts the parse. */
int options_next(options_parser *self);

/* Whether there are `least` to `most` operands (most < 0: no bound); if
 * not, says so, naming what is missing (`needed`, as in "check needs a
 * spec file") or the first operand too many, with the usage. */
bool options_operands(options_parser *self, int least, int most, const char *needed);

/* The whole parse for a command whose only option is --help (its command,
 * argc and argv set): true to go on with argv[operand..argc), false to
 * return exit_status at once. */
bool options_help_only(options_parser *self, int least, int most, const char *needed);

#endif
