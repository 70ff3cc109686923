/* SPDX-License-Identifier: Apache-2.0 */
/* A client of the key-value service that never reconnects: it keeps one
 * pair of channels (stdout to the service, stdin from it) for its whole
 * life, whatever happens to the service behind them.
 *
 *   kv_client [requests]
 *
 * It sends PUTs and GETs one at a time and checks every reply against its
 * own model of the map. When the service restarts, the read of the reply
 * in flight fails with ECONNRESET (minos's MINOS_ERESET): that request is
 * lost, and so is the map (a new instance starts empty), so the model is
 * cleared. Any other error, or a wrong reply, fails the client. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEYS 16

static char reply[512];
static size_t reply_length;

/* One reply line from stdin; -1 with errno on an error, 0 at the end. */
static int read_reply(void) {
  reply_length = 0;
  for (;;) {
    char c;
    ssize_t got = read(0, &c, 1);
    if (got <= 0) return (int)got;
    if (c == '\n') break;
    if (reply_length < sizeof reply - 1) reply[reply_length++] = c;
  }
  reply[reply_length] = '\0';
  return 1;
}

static bool send_request(const char *request) {
  size_t length = strlen(request);
  return write(1, request, length) == (ssize_t)length;
}

int main(int argc, char **argv) {
  long total = argc > 1 ? atol(argv[1]) : 100;
  long model[KEYS];
  for (int i = 0; i < KEYS; i++) model[i] = -1;
  long answered = 0, lost = 0;
  for (long n = 0; n < total; n++) {
    int key = (int)(n * 7 % KEYS);
    char request[128];
    bool is_put = n % 2 == 0;
    if (is_put) snprintf(request, sizeof request, "PUT k%d %ld\n", key, n);
    else snprintf(request, sizeof request, "GET k%d\n", key);
    if (!send_request(request)) { /* what came before still counts */
      fprintf(stderr, "request %ld: cannot send it: %s (%ld answered correctly, %ld lost to restarts)\n",
              n, strerror(errno), answered, lost);
      return 1;
    }
    int got = read_reply();
    if (got < 0 && errno == ECONNRESET) { /* the service restarted: lost, and so is its map */
      lost++;
      for (int i = 0; i < KEYS; i++) model[i] = -1;
      continue;
    }
    if (got <= 0) { /* what came before still counts (a system stopped under load) */
      fprintf(stderr, "request %ld: %s (%ld answered correctly, %ld lost to restarts)\n", n,
              got < 0 ? strerror(errno) : "the service is gone", answered, lost);
      return 1;
    }
    char expected[128];
    if (is_put) snprintf(expected, sizeof expected, "OK");
    else if (model[key] < 0) snprintf(expected, sizeof expected, "NOT_FOUND");
    else snprintf(expected, sizeof expected, "VALUE %ld", model[key]);
    if (strcmp(reply, expected) != 0) {
      fprintf(stderr, "request %ld (%.*s): got '%s', expected '%s'\n", n,
              (int)strlen(request) - 1, request, reply, expected);
      return 1;
    }
    if (is_put) model[key] = n;
    answered++;
  }
  fprintf(stderr, "%ld requests: %ld answered correctly, %ld lost to restarts\n", total, answered,
          lost);
  return 0;
}
