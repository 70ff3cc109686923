/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's side of a native cell's control socket (control_protocol.h):
 * the guest API's cell calls for a native program that may create cells,
 * answered by the cell's own coroutine on its worker, as a wasm cell's host
 * calls are: a call that waits (cnew reading code, cwait) parks the cell,
 * never the worker. The semantics are the wasm calls' (include/minos.h),
 * but for one: a child is placed as soon as it is created, and a wasm
 * child whose initialisation fails is seen at cwait, not at cnew. */
#ifndef MINOS_NATIVE_CONTROL_H
#define MINOS_NATIVE_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "core/cell.h"

typedef struct control_limits {
  uint32_t descriptors;   /* the native cell's own: a child gets at most these */
  uint32_t denied_grants; /* a child gets no grant its parent lacks */
} control_limits;

/* Answers the requests waiting on control_fd (non-blocking), from the
 * cell's coroutine, a bounded number at a time: true if more may wait. */
bool control_serve(cell *self, int control_fd, const control_limits *limits);

#endif
