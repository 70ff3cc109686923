/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket of a native cell that may create cells: how
 * libminos-guest.a (src/guest) asks the runtime for the guest API's cell
 * calls, which a process cannot make alone (cnew, wpass, rpass, cstart,
 * ckill, cwait). A SOCK_SEQPACKET socket whose number the program finds
 * in MINOS_CONTROL; one request per message, with a descriptor attached
 * (SCM_RIGHTS) for cnew (the code's read side) and the passes (the end),
 * and one reply per request, in order. Both sides are built from this
 * tree, so the layout is not versioned. */
#ifndef MINOS_NATIVE_CONTROL_PROTOCOL_H
#define MINOS_NATIVE_CONTROL_PROTOCOL_H

#include <stdint.h>

#include "minos.h"

#define MINOS_CONTROL_VARIABLE "MINOS_CONTROL"

typedef enum control_operation {
  CONTROL_CNEW = 1,
  CONTROL_WPASS,
  CONTROL_RPASS,
  CONTROL_CSTART,
  CONTROL_CKILL,
  CONTROL_CWAIT,
} control_operation;

typedef struct control_request {
  uint32_t operation;
  int32_t cid;
  minos_arch_spec spec; /* CONTROL_CNEW */
} control_request;

typedef struct control_reply {
  int32_t result;           /* as the wasm call's: a negated minos_status on failure */
  minos_cell_status status; /* CONTROL_CWAIT */
} control_reply;

#endif
