/* SPDX-License-Identifier: Apache-2.0 */
/* The metrics address's request reader (control/http_request.c) on what
 * real and hostile clients send: heads in pieces, several at once, keep-
 * alive rules of HTTP/1.0 and 1.1, and bytes that are not HTTP. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "control/http_request.h"

enum { LIMIT = 8192 };

static http_request request;

static size_t read_text(const char *text) {
  return http_request_read(text, strlen(text), LIMIT, &request);
}

static void answers(const char *text, int status, bool keep_alive) {
  size_t used = read_text(text);
  CHECK(used > 0);
  CHECK(request.status == status);
  CHECK(request.keep_alive == keep_alive);
  if (used == 0 || request.status != status || request.keep_alive != keep_alive)
    printf("  for: %s\n", text);
}

static void plain_requests(void) {
  answers("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 200, true);
  answers("GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", 200, false);
  answers("GET /metrics HTTP/1.1\r\nconnection: Upgrade, CLOSE\r\n\r\n", 200, false);
  answers("GET /metrics HTTP/1.0\r\n\r\n", 200, false);
  answers("GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200, true);
  answers("GET /metrics?name[]=x HTTP/1.1\n\n", 200, true);
  answers("GET http://127.0.0.1:9464/metrics HTTP/1.1\r\n\r\n", 200, true);
  answers("\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n", 200, true);
  answers("HEAD /metrics HTTP/1.1\r\n\r\n", 200, true);
  CHECK(request.head_only);
  answers("GET /metrics HTTP/1.1\r\nAccept-Encoding: gzip\r\nContent-Length: 0\r\n\r\n", 200, true);
}

static void refused_requests(void) {
  answers("GET / HTTP/1.1\r\n\r\n", 404, true);
  answers("GET /metrics/x HTTP/1.1\r\n\r\n", 404, true);
  answers("GET /METRICS HTTP/1.1\r\n\r\n", 404, true);
  answers("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n", 405, false);
  answers("PROPFIND /metrics HTTP/1.1\r\n\r\n", 405, false);
  answers("get /metrics HTTP/1.1\r\n\r\n", 405, false);
  answers("GET /metrics HTTP/2.0\r\n\r\n", 505, false);
  answers("GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 200, false);
  /* Not HTTP: answered at once, everything dropped. */
  const char *garbage[] = {"\x01\x02 nonsense\r\n", "GET /metrics\r\n", "GET  /metrics HTTP/1.1\r\n",
                           "GET /metrics HTTP/1.1 x\r\n", "GET /metrics HTTPS/1.1\r\n",
                           "GET /met rics HTTP/1.1\r\n",
                           "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n",
                           "GET /metrics HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
                           "GET /metrics HTTP/1.1\r\nBad Name: a\r\n\r\n",
                           "GET /metrics HTTP/1.1\r\nX: a\x1b[2J\r\n\r\n",
                           "GET /m\xc3\xa9trics HTTP/1.1\r\n"};
  for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
    size_t used = read_text(garbage[i]);
    CHECK(used == strlen(garbage[i]) && request.status == 400 && !request.keep_alive);
    if (request.status != 400) printf("  garbage %zu: %d\n", i, request.status);
  }
  static const char with_nul[] = "GET /metrics\0 HTTP/1.1\r\n\r\n";
  CHECK(http_request_read(with_nul, sizeof with_nul - 1, LIMIT, &request) == sizeof with_nul - 1);
  CHECK(request.status == 400);
}

/* A head arrives a byte at a time: nothing until its blank line. */
static void pieces(void) {
  const char *text = "GET /metrics HTTP/1.1\r\nHost: a\r\nUser-Agent: b\r\n\r\n";
  size_t length = strlen(text);
  for (size_t cut = 0; cut < length; cut++)
    CHECK(http_request_read(text, cut, LIMIT, &request) == 0);
  CHECK(http_request_read(text, length, LIMIT, &request) == length && request.status == 200);
}

/* Two requests at once: the first's length, then the second's. */
static void pipelined(void) {
  const char *first = "GET /metrics HTTP/1.1\r\n\r\n";
  const char *both = "GET /metrics HTTP/1.1\r\n\r\nHEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n";
  size_t used = read_text(both);
  CHECK(used == strlen(first) && request.status == 200 && !request.head_only);
  CHECK(http_request_read(both + used, strlen(both) - used, LIMIT, &request) == strlen(both) - used);
  CHECK(request.head_only && !request.keep_alive);
}

/* A head that never ends: 431 once the limit is reached, not before. */
static void too_large(void) {
  static char head[LIMIT + 100];
  int length = snprintf(head, sizeof head, "GET /metrics HTTP/1.1\r\nX: ");
  memset(head + length, 'a', sizeof head - (size_t)length);
  CHECK(http_request_read(head, LIMIT - 1, LIMIT, &request) == 0);
  CHECK(http_request_read(head, LIMIT, LIMIT, &request) == LIMIT && request.status == 431);
  CHECK(!request.keep_alive);
  memset(head, 'G', sizeof head); /* not even a request line */
  CHECK(http_request_read(head, LIMIT, LIMIT, &request) == LIMIT && request.status == 431);
}

int main(void) {
  plain_requests();
  refused_requests();
  pieces();
  pipelined();
  too_large();
  printf("http_request_test: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
