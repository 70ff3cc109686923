/* SPDX-License-Identifier: Apache-2.0 */
/* The native per-connection handler of bench/trigger: an ordinary static
 * Linux program that writes back what it reads on stdin until the end of
 * the stream, as bench_trigger_echo.wasm does in a wasm cell. */
#include <unistd.h>

int main(void) {
  char buffer[4096];
  ssize_t got;
  while ((got = read(0, buffer, sizeof buffer)) > 0)
    for (ssize_t done = 0; done < got;) {
      ssize_t written = write(1, buffer + done, (size_t)(got - done));
      if (written <= 0) return 1;
      done += written;
    }
  return got < 0;
}
