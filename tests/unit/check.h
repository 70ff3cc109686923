/* The unit tests' one assertion: it counts checks and failures, prints
 * each failure with its place, and lets the test go on, so one run shows
 * every broken expectation. */
#ifndef MINOS_TESTS_CHECK_H
#define MINOS_TESTS_CHECK_H

#include <dirent.h>
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

/* Open descriptors of the test process: leak checks compare it across
 * many cycles. */
static inline int open_fd_count(void) {
  DIR *listing = opendir("/proc/self/fd");
  int count = 0;
  if (!listing) return -1;
  while (readdir(listing)) count++;
  closedir(listing);
  return count;
}

#endif
