/* SPDX-License-Identifier: Apache-2.0 */
/* A native program using the ends a spec gives it: reads everything from
 * the named end "input" (MINOS_END_INPUT is its descriptor) and writes it,
 * prefixed, to the named end "output" (MINOS_END_OUTPUT) and to stdout
 * (tests/sup.cmake: a wasm cell -> a native cell -> a wasm cell). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int end_fd(const char *variable) {
  const char *text = getenv(variable);
  return text ? atoi(text) : -1;
}

int main(void) {
  int input = end_fd("MINOS_END_INPUT"), output = end_fd("MINOS_END_OUTPUT");
  if (input < 3 || output < 3) {
    fprintf(stderr, "end_relay: no ends (MINOS_END_INPUT, MINOS_END_OUTPUT)\n");
    return 2;
  }
  char buffer[4096];
  ssize_t got;
  const char prefix[] = "relayed by a native cell: ";
  if (write(output, prefix, sizeof prefix - 1) < 0) return 3;
  if (write(1, prefix, sizeof prefix - 1) < 0) return 3;
  while ((got = read(input, buffer, sizeof buffer)) > 0) {
    if (write(output, buffer, (size_t)got) != got) return 4;
    if (write(1, buffer, (size_t)got) != got) return 4;
  }
  return got < 0 ? 5 : 0;
}
