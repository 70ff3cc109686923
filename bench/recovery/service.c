/* SPDX-License-Identifier: Apache-2.0 */
/* The service of bench/recovery, built both as a wasm cell (supervised by
 * minos up) and as a static native program (restarted by recovery_native,
 * the classic way):
 *
 *   service --crash-every K
 *
 * Answers each request line "REQ n" on stdin with "OK n" on stdout, and
 * crashes on reading every Kth request of its life, before answering it:
 * the request in flight is the one lost. A restarted instance counts from
 * zero again. The crash is a real one in both builds: __builtin_trap is a
 * wasm trap (unreachable) under minos and an illegal instruction (SIGILL)
 * natively. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buffer[4096];
static size_t held;

/* The next line (without its newline) in *line; 0 at the end of input.
 * The line returned last time is dropped first. (exchange.h has the same
 * reader; this one keeps the service free of stdio and the clock.) */
static size_t next_line(char **line) {
  static size_t consumed;
  memmove(buffer, buffer + consumed, held - consumed);
  held -= consumed;
  consumed = 0;
  for (;;) {
    char *newline = memchr(buffer, '\n', held);
    if (newline) {
      *newline = '\0';
      *line = buffer;
      consumed = (size_t)(newline - buffer) + 1;
      return consumed;
    }
    if (held == sizeof buffer) return 0; /* a line this long is not a request */
    ssize_t got = read(0, buffer + held, sizeof buffer - held);
    if (got <= 0) return 0;
    held += (size_t)got;
  }
}

int main(int argc, char **argv) {
  long crash_every = argc == 3 && strcmp(argv[1], "--crash-every") == 0 ? atol(argv[2]) : 0;
  long served = 0;
  char *line;
  while (next_line(&line)) {
    if (crash_every && ++served % crash_every == 0) __builtin_trap();
    if (strncmp(line, "REQ ", 4) != 0) return 3;
    char reply[64] = "OK ";
    size_t length = strlen(line + 4);
    if (length > sizeof reply - 5) return 4;
    memcpy(reply + 3, line + 4, length);
    reply[3 + length] = '\n';
    if (write(1, reply, 4 + length) != (ssize_t)(4 + length)) return 5;
  }
  return 0;
}
