/* SPDX-License-Identifier: Apache-2.0 */
/* Text for a terminal's cells (minos top): what fits in a number of
 * columns, measured as the terminal will show it (a CJK character takes
 * two, a combining mark none), with every character the terminal cannot
 * show as itself written as a visible \xNN instead. Text from a system
 * (cell names, log lines) goes through here, so that nothing in it can
 * move the cursor, change the screen's state, or make a line wider than
 * the screen, where it would wrap onto the next one. The locale's
 * LC_CTYPE decides what is printable (setlocale first). */
#ifndef MINOS_CLI_SCREEN_TEXT_H
#define MINOS_CLI_SCREEN_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Copies into out (NUL-terminated, size > 0) the start of text that fits
 * in `columns`; returns how many columns it takes. */
int screen_fit(char *out, size_t size, const char *text, int columns);

/* Whether curses knows the terminal TERM names (screen_terminal.c). Asked
 * before newterm, which leaks its screen when it does not. */
bool screen_terminal_known(void);

#endif
