/* SPDX-License-Identifier: Apache-2.0 */
/* The one HTTP request the metrics address understands, GET (or HEAD)
 * /metrics, read from whatever a client sent so far (RFC 9112): where its
 * head ends, what to answer, and whether the connection stays open for
 * the next request (HTTP/1.1 unless "Connection: close"; HTTP/1.0 only
 * with "Connection: keep-alive"). A request's head may arrive in any
 * number of pieces and several requests may arrive at once (pipelining):
 * the caller keeps what came, asks again, and drops each head it was
 * told the length of. Pure: no I/O, no allocation, so hostile bytes are
 * tested directly (tests/unit/http_request_test.c). */
#ifndef MINOS_CONTROL_HTTP_REQUEST_H
#define MINOS_CONTROL_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct http_request {
  int status;      /* 200, or the error to answer: 400, 404, 405, 431, 505 */
  bool head_only;  /* HEAD: the answer's head without its body */
  bool keep_alive; /* the connection serves another request after this one */
} http_request;

/* How many bytes of `bytes` the first request's head takes (its blank
 * line included), with *request filled in; 0 while the head is not whole
 * yet. Once `length` reaches `limit` without a whole head, or once the
 * bytes cannot be HTTP (a NUL, a request line that is not one), the
 * answer is an error with keep_alive false, and its length is `length`
 * (everything is dropped: the connection closes after the answer). */
size_t http_request_read(const char *bytes, size_t length, size_t limit, http_request *request);

#endif
