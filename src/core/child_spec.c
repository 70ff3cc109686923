/* SPDX-License-Identifier: Apache-2.0 */
/* cnew's arch spec for any parent: see child_spec.h. */
#include "core/child_spec.h"

#include <stdio.h>

#include "core/account.h"

minos_status child_spec_check(const minos_arch_spec *spec) {
  if (spec->arch != MINOS_ARCH_WASM && spec->arch != MINOS_ARCH_NATIVE) return MINOS_EINVAL;
  if (spec->placement > MINOS_PLACE_OTHER_WORKER) return MINOS_EINVAL;
  if (spec->stack_bytes && spec->stack_bytes < 16 * 1024) return MINOS_EINVAL;
  return MINOS_OK;
}

/* A limit asked for against what is left: 0 takes all that is left
 * (`none` if nothing is left, when 0 would mean no limit at all). More
 * than is left is refused, not cut down: a parent that asks 1 GiB for a
 * child and has 10 MiB left has made a mistake it should hear about. */
static minos_status inherit(uint64_t asked, uint64_t left, bool zero_is_unlimited,
                            uint64_t *out) {
  if (asked > left) return MINOS_ELIMIT;
  if (asked) *out = asked;
  else if (left == ACCOUNT_UNLIMITED) *out = 0;
  else if (left == 0 && zero_is_unlimited) return MINOS_ELIMIT;
  else *out = left;
  return MINOS_OK;
}

minos_status child_limits_resolve(const cell *parent, const minos_arch_spec *spec,
                                  uint32_t descriptors_left, child_limits *out) {
  const account *charged = parent->account;
  if (parent->limits.max_cells == 0) return MINOS_EPERM; /* not granted */
  uint64_t cells_left = account_remaining(charged, ACCOUNT_CELLS);
  if (cells_left == 0) return MINOS_ELIMIT;
  if (spec->descriptors > descriptors_left) return MINOS_ELIMIT;
  out->descriptors = spec->descriptors ? spec->descriptors : descriptors_left;
  minos_status status = inherit(spec->memory_bytes, account_remaining(charged, ACCOUNT_MEMORY),
                                true, &out->memory_bytes);
  if (status == MINOS_OK)
    status = inherit(spec->cpu_time_ns, account_remaining(charged, ACCOUNT_CPU), true,
                     &out->cpu_time_ns);
  if (status == MINOS_OK) /* the child itself takes one of the cells left */
    status = inherit(spec->max_cells, cells_left - 1, false, &out->max_cells);
  out->host_fds = account_remaining(charged, ACCOUNT_HOST_FDS);
  if (out->host_fds == ACCOUNT_UNLIMITED) out->host_fds = out->descriptors;
  return status;
}

cell_config child_config(const cell *parent, const minos_arch_spec *spec,
                         const child_limits *limits, uint32_t denied_grants, char *name,
                         size_t name_size) {
  static const char *const args[] = {"child"};
  snprintf(name, name_size, "%s/child", parent->name);
  return (cell_config){
      .name = name,
      .args = args,
      .arg_count = 1,
      .memory_limit_bytes = limits->memory_bytes,
      .stack_bytes = spec->stack_bytes,
      .cpu_time_ns = limits->cpu_time_ns,
      .descriptor_limit = limits->descriptors,
      .parent_account = parent->account,
      .host_fds = limits->host_fds,
      .max_cells = limits->max_cells,
      .wait_for_start = true,
      .denied_grants = denied_grants,
  };
}
