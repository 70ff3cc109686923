/* SPDX-License-Identifier: Apache-2.0 */
/* The cell of bench/trigger, started fresh for each TCP connection: its
 * stdin and stdout are the connection. It does what the epoll baseline
 * does per connection: whatever arrives goes back, and at the end of the
 * stream it returns, which closes the connection. Plain read and write
 * (no stdio buffering), as the baseline uses the plain calls too. */
#include <unistd.h>

int main(void) {
  char buffer[4096];
  for (;;) {
    ssize_t got = read(0, buffer, sizeof buffer);
    if (got == 0) return 0;
    if (got < 0) return 1;
    for (ssize_t done = 0; done < got;) {
      ssize_t wrote = write(1, buffer + done, (size_t)(got - done));
      if (wrote <= 0) return 2;
      done += wrote;
    }
  }
}
