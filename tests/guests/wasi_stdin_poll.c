/* SPDX-License-Identifier: Apache-2.0 */
/* A pipe on stdin that stays empty until the guest says "waiting", then
 * carries "hello" and closes (tests/wasi_stdin_poll.sh): non-blocking
 * reads say EAGAIN, poll_oneoff wakes when the data arrives (counting it),
 * then reports the hang-up. */
#include <fcntl.h>
#include <unistd.h>

#include "wasi_check.h"

static __wasi_size_t wait_for_stdin(__wasi_event_t *events) {
  __wasi_subscription_t subscriptions[2];
  memset(subscriptions, 0, sizeof subscriptions);
  subscriptions[0].userdata = 1;
  subscriptions[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  subscriptions[0].u.u.fd_read.file_descriptor = 0;
  subscriptions[1].userdata = 2;
  subscriptions[1].u.tag = __WASI_EVENTTYPE_CLOCK;
  subscriptions[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subscriptions[1].u.u.clock.timeout = 10000000000ull;
  __wasi_size_t count = 0;
  CHECK_WASI(__wasi_poll_oneoff(subscriptions, events, 2, &count), 0);
  return count;
}

int main(void) {
  char buffer[16] = {0};
  CHECK(fcntl(0, F_SETFL, O_NONBLOCK) == 0);
  CHECK(fcntl(0, F_GETFL) & O_NONBLOCK);
  CHECK_ERRNO(read(0, buffer, sizeof buffer), EAGAIN);
  printf("waiting\n");
  fflush(stdout);

  __wasi_event_t events[2];
  __wasi_size_t count = wait_for_stdin(events);
  CHECK(count == 1 && events[0].userdata == 1 && events[0].error == 0);
  CHECK(events[0].fd_readwrite.nbytes >= 1 && events[0].fd_readwrite.nbytes <= 5);
  /* the writer may still be between its two steps: collect all five */
  size_t got = 0;
  while (got < 5) {
    ssize_t length = read(0, buffer + got, sizeof buffer - got);
    if (length > 0) got += (size_t)length;
    else if (length == 0 || errno != EAGAIN) break;
    else wait_for_stdin(events);
  }
  CHECK(got == 5 && memcmp(buffer, "hello", 5) == 0);

  count = wait_for_stdin(events);
  CHECK(count == 1 && events[0].userdata == 1);
  CHECK(events[0].fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP);
  CHECK(read(0, buffer, sizeof buffer) == 0);
  CHECK(fcntl(0, F_SETFL, 0) == 0);
  CHECK((fcntl(0, F_GETFL) & O_NONBLOCK) == 0);
  check_exit("wasi_stdin_poll");
}
