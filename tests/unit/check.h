/* SPDX-License-Identifier: Apache-2.0 */
/* The unit tests' one assertion: it counts checks and failures, prints
 * each failure with its place, and lets the test go on, so one run shows
 * every broken expectation. */
#ifndef MINOS_TESTS_CHECK_H
#define MINOS_TESTS_CHECK_H

#include <stdio.h>

static int checks, failures;

#define CHECK(condition)                                                     \
  do {                                                                       \
    checks++;                                                                \
    if (!(condition)) {                                                      \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #condition);            \
      failures++;                                                            \
    }                                                                        \
  } while (0)

#endif
