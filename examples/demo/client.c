/* SPDX-License-Identifier: Apache-2.0 */
/* The demo's client: it talks to the key-value service over one pair of
 * channels and narrates on stderr. One request is "CRASH", which makes
 * the service hit a bug; the supervisor restarts it behind the same
 * channels, and the client carries on without reconnecting. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int lost;

static void ask(const char *request, const char *why) {
  dprintf(1, "%s\n", request);
  char reply[256];
  size_t length = 0;
  ssize_t got = 0;
  char c;
  while ((got = read(0, &c, 1)) == 1 && c != '\n')
    if (length < sizeof reply - 1) reply[length++] = c;
  reply[length] = '\0';
  if (got < 0 && errno == ECONNRESET) {
    lost++;
    fprintf(stderr, "%-20s -> lost: the service crashed and was restarted (ECONNRESET)\n",
            request);
  } else if (got <= 0) {
    fprintf(stderr, "%-20s -> the service is gone\n", request);
  } else {
    fprintf(stderr, "%-20s -> %s%s%s\n", request, reply, *why ? "  " : "", why);
  }
}

int main(void) {
  ask("PUT greeting hello", "");
  ask("GET greeting", "");
  fprintf(stderr, "now a request that hits a bug in the service...\n");
  ask("CRASH", "");
  ask("GET greeting", "(a new instance: its map starts empty)");
  ask("PUT greeting hello", "");
  ask("COUNT", "");
  fprintf(stderr, "6 requests over the same two channels, %d lost to the crash; "
          "it never reconnected\n", lost);
  return lost == 1 ? 0 : 1;
}
