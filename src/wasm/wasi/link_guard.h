/* SPDX-License-Identifier: Apache-2.0 */
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
 * the links under this rule) when the tree is too big to check.
 *
 * The checks run wherever their call runs (path_job.c): on the worker, or
 * off it for a slow file system. On the worker (same_mount) they never
 * step into another mount, which may be slow: where they would, they
 * answer NOTCAPABLE and the call is tried again off the worker. */
#ifndef MINOS_WASM_WASI_LINK_GUARD_H
#define MINOS_WASM_WASI_LINK_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wasm/wasm_cell.h"

/* The granted directories a cell holds, by identity (recorded when each
 * was granted, so taking them costs no system call). */
typedef struct link_guard {
  struct grant_identity {
    dev_t device;
    ino_t inode;
  } *roots;
  size_t count;
  bool same_mount; /* on the worker: see above */
} link_guard;

/* A WASI errno (NOMEM): the cell's grants, taken now. */
uint32_t link_guard_take(wasm_cell *self, bool same_mount, link_guard *out);
void link_guard_release(link_guard *guard);

/* A WASI errno: success if a link to `target` may be placed in the
 * directory `directory_fd`. */
uint32_t link_guard_check_target(const link_guard *guard, int directory_fd, const char *target);

/* A WASI errno: success if `name` in `from_fd` may appear in `to_fd`
 * (moved or linked there) without a link leaving the grant. Directories
 * are looked into only if `with_contents` (a rename). */
uint32_t link_guard_check_move(const link_guard *guard, int from_fd, const char *name, int to_fd,
                               bool with_contents);

#endif
