/* SPDX-License-Identifier: Apache-2.0 */
/* stdout and stderr reach the host, and an ordinary return is exit 0. */
#include <stdio.h>

int main(void) {
  printf("hello from wasi stdout\n");
  fprintf(stderr, "hello from wasi stderr\n");
  return 0;
}
