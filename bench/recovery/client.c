/* SPDX-License-Identifier: Apache-2.0 */
/* The client cell of bench/recovery, run by minos up next to a supervised
 * service (service.c) with a clock grant:
 *
 *   client CRASHES
 *
 * It keeps one pair of channels to the service for its whole life (stdout
 * to the service's stdin, stdin from the service's stdout): the stable
 * endpoints of a supervised cell. When the service crashes, the read of
 * the reply in flight fails with ECONNRESET once (that request is lost)
 * and the channels go on to the restarted instance. Measures until
 * CRASHES recoveries are timed (exchange.h) and prints the result line on
 * stderr, which the spec sends to minos's own stderr. */
#include "exchange.h"

static line_reader replies = {.fd = 0};

static void send_request(const char *request, size_t length) {
  if (write(1, request, length) != (ssize_t)length)
    exchange_fail("cannot send a request: errno", errno);
}

static reply_kind receive_reply(char **line) {
  int got = read_line(&replies, line);
  if (got > 0) return REPLY_LINE;
  if (got < 0 && errno == ECONNRESET) return REPLY_LOST;
  exchange_fail(got == 0 ? "the service's output ended" : "cannot read a reply: errno",
                got == 0 ? 0 : errno);
}

int main(int argc, char **argv) {
  long crashes = argc == 2 ? atol(argv[1]) : 0;
  if (crashes <= 0) {
    fprintf(stderr, "usage: client CRASHES\n");
    return 2;
  }
  exchange_ops ops = {.send = send_request, .receive = receive_reply, .after_lost = NULL};
  exchange_run(&ops, crashes, crashes * 1000 + 1000, stderr);
  return 0;
}
