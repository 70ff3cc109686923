/* SPDX-License-Identifier: Apache-2.0 */
/* The guest API's imports (module "minos") for wasm cells; semantics in
 * include/minos.h. Pointers are guest addresses. */
#ifndef MINOS_WASM_MINOS_API_H
#define MINOS_WASM_MINOS_API_H

#include <stdint.h>

#include "wasm/wasm_cell.h"

/* A call's result for a failure: the negated status. */
static inline int32_t minos_api_failure(minos_status status) { return -(int32_t)status; }

struct channel_end;
/* Gives the cell a write end and a read end (a pipe's, a connection's) and
 * stores their numbers at ends_out (checked by the caller); if it cannot
 * hold both, both are closed and the error returned. */
int32_t minos_api_install_pair(wasm_cell *self, struct channel_end *write_end,
                               struct channel_end *read_end, uint32_t ends_out);
/* The same for a connection's ends (net_api.c), first counting its
 * channels and its socket in the cell's account (MINOS_ELIMIT past it). */
int32_t minos_api_install_connection(wasm_cell *self, struct channel_end *to_peer,
                                     struct channel_end *from_peer, uint32_t ends_out);

int32_t minos_api_pipe(wasm_cell *self, uint32_t capacity, uint32_t ends_out);
int32_t minos_api_write(wasm_cell *self, int32_t wfd, uint32_t data, uint32_t length);
int32_t minos_api_read(wasm_cell *self, uint32_t rfds, uint32_t count, uint32_t buffer,
                       uint32_t size, uint32_t from_out, int64_t timeout_ns);
int32_t minos_api_wclose(wasm_cell *self, int32_t wfd);
int32_t minos_api_rclose(wasm_cell *self, int32_t rfd);
int32_t minos_api_wpass(wasm_cell *self, int32_t wfd, int32_t cid);
int32_t minos_api_rpass(wasm_cell *self, int32_t rfd, int32_t cid);
/* spawn.c */
int32_t minos_api_cnew(wasm_cell *self, int32_t code_rfd, uint32_t spec, uint32_t spec_size);
int32_t minos_api_cstart(wasm_cell *self, int32_t cid);
int32_t minos_api_ckill(wasm_cell *self, int32_t cid);
int32_t minos_api_cwait(wasm_cell *self, int32_t cid, uint32_t status_out);
/* net_api.c */
int32_t minos_api_connect(wasm_cell *self, uint32_t address, uint32_t length, uint32_t ends_out);
int32_t minos_api_listen(wasm_cell *self, uint32_t address, uint32_t length);
int32_t minos_api_accept(wasm_cell *self, int32_t listener, uint32_t ends_out, int64_t timeout_ns);

#endif
