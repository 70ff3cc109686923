/* SPDX-License-Identifier: Apache-2.0 */
/* The minos command's help: an overview and one text per command, each
 * starting with its usage line. doc/minos.1 says the same at length. */
#ifndef MINOS_CLI_HELP_H
#define MINOS_CLI_HELP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Whether COMMAND is one of minos's commands (so it has a help). */
bool help_exists(const char *command);
/* Prints COMMAND's help (NULL: the overview of every command) to out. */
void help_print(FILE *out, const char *command);
/* COMMAND's usage line ("minos run [options] CODE [args...]") into text;
 * NULL: the overview's. */
void help_usage(const char *command, char *text, size_t size);

#endif
