/* Links a cell plants inside a grant stay inside it. Following a link is
 * always done beneath (resolve.c), so no link can take the cell itself out;
 * this is for host programs that walk the granted directory later (a
 * backup, a web server) and follow links as they find them.
 *
 * The rule, checked when a link is made (path_symlink) and when one is
 * moved (path_rename, and path_link of a link itself), is lexical on the
 * target and physical on the place:
 *   - an absolute target is refused;
 *   - ".." may only come first ("../../a/b"), never after a name ("a/../b"),
 *     because a name may be, or later become, a link, which would make the
 *     ".." after it lead elsewhere than it reads;
 *   - the leading ".." may climb at most as high as the grant's root: the
 *     link's directory's depth below it, found by the kernel walking ".."
 *     up to one of the cell's granted directories (so links on the way
 *     count as where they lead).
 * A refused link gets EPERM. Moving a directory closer to the grant's
 * root moves every link beneath it: the move is refused with EPERM if one
 * would then climb out, and with EXDEV (programs then copy, recreating
 * the links under this rule) when the tree is too big to check. */
#ifndef MINOS_WASM_WASI_LINK_GUARD_H
#define MINOS_WASM_WASI_LINK_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm/wasm_cell.h"

/* A WASI errno: success if a link to `target` may be placed in the
 * directory `directory_fd`. */
uint32_t link_guard_check_target(wasm_cell *self, int directory_fd, const char *target);

/* A WASI errno: success if `name` in `from_fd` may appear in `to_fd`
 * (moved or linked there) without a link leaving the grant. Directories
 * are looked into only if `with_contents` (a rename). */
uint32_t link_guard_check_move(wasm_cell *self, int from_fd, const char *name, int to_fd,
                               bool with_contents);

#endif
