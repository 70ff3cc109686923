/* SPDX-License-Identifier: Apache-2.0 */
/* Apart from the rest: term.h defines macros named lines, columns and
 * more, which would rename ordinary variables elsewhere (its own header
 * comes first for that reason). */
#include "cli/screen_text.h"

#include <curses.h>
#include <term.h>

bool screen_terminal_known(void) {
  int error = 0;
  if (setupterm(NULL, 1, &error) != OK) return false;
  del_curterm(cur_term);
  cur_term = NULL;
  return true;
}
