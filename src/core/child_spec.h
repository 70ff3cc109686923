/* SPDX-License-Identifier: Apache-2.0 */
/* cnew's arch spec, the same for a parent of any arch (the wasm cell's
 * import, a native cell's control socket): its checks, the limits it
 * asks for resolved against what the parent has left, and the child's
 * configuration. A child's limits are at most what its parent has left:
 * 0 takes all that is left, more is refused (MINOS_ELIMIT), never cut
 * down (include/minos.h). */
#ifndef MINOS_CORE_CHILD_SPEC_H
#define MINOS_CORE_CHILD_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/cell.h"
#include "core/code.h"

typedef struct child_limits {
  uint64_t memory_bytes, cpu_time_ns, host_fds, max_cells;
  uint32_t descriptors;
} child_limits;

/* MINOS_EINVAL for a spec no parent may give (an arch, placement or stack
 * it cannot be). */
minos_status child_spec_check(const minos_arch_spec *spec);

/* MINOS_EPERM without the spawn grant; MINOS_ELIMIT past what is left.
 * descriptors_left: the parent's own descriptor limit. */
minos_status child_limits_resolve(const cell *parent, const minos_arch_spec *spec,
                                  uint32_t descriptors_left, child_limits *out);

/* The configuration every child gets: "PARENT/child" (in name), argv
 * ["child"], its limits, its parent's account and denied grants, and a
 * wait for cstart. */
cell_config child_config(const cell *parent, const minos_arch_spec *spec,
                         const child_limits *limits, uint32_t denied_grants, char *name,
                         size_t name_size);

#endif
