/* SPDX-License-Identifier: Apache-2.0 */
/* poll_oneoff: clock subscriptions sleep (relative and absolute), the
 * earliest of several wins, descriptors that are ready end the wait at
 * once, and a bad subscription completes with its own error. */
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "wasi_check.h"

#define MS 1000000ull

static __wasi_timestamp_t monotonic(void) {
  __wasi_timestamp_t time = 0;
  CHECK_WASI(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &time), 0);
  return time;
}

static __wasi_subscription_t clock_subscription(__wasi_userdata_t userdata, __wasi_clockid_t clock,
                                                __wasi_timestamp_t timeout,
                                                __wasi_subclockflags_t flags) {
  __wasi_subscription_t subscription;
  memset(&subscription, 0, sizeof subscription);
  subscription.userdata = userdata;
  subscription.u.tag = __WASI_EVENTTYPE_CLOCK;
  subscription.u.u.clock.id = clock;
  subscription.u.u.clock.timeout = timeout;
  subscription.u.u.clock.flags = flags;
  return subscription;
}

static __wasi_subscription_t fd_subscription(__wasi_userdata_t userdata, __wasi_eventtype_t type,
                                             __wasi_fd_t fd) {
  __wasi_subscription_t subscription;
  memset(&subscription, 0, sizeof subscription);
  subscription.userdata = userdata;
  subscription.u.tag = type;
  subscription.u.u.fd_write.file_descriptor = fd;
  return subscription;
}

static void relative_sleep(void) {
  __wasi_subscription_t subscription = clock_subscription(42, __WASI_CLOCKID_MONOTONIC, 20 * MS, 0);
  __wasi_event_t event;
  __wasi_size_t count = 0;
  __wasi_timestamp_t start = monotonic();
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 1, &count), 0);
  __wasi_timestamp_t slept = monotonic() - start;
  printf("slept %llu ms for 20\n", (unsigned long long)(slept / MS));
  CHECK(slept >= 20 * MS && slept < 2000 * MS);
  CHECK(count == 1 && event.userdata == 42 && event.error == 0 && event.type == __WASI_EVENTTYPE_CLOCK);
}

static void absolute_sleep(void) {
  __wasi_timestamp_t start = monotonic();
  __wasi_subscription_t subscription =
      clock_subscription(7, __WASI_CLOCKID_MONOTONIC, start + 15 * MS,
                         __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  __wasi_event_t event;
  __wasi_size_t count = 0;
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 1, &count), 0);
  CHECK(monotonic() - start >= 15 * MS);
  CHECK(count == 1 && event.userdata == 7);

  __wasi_timestamp_t real = 0;
  CHECK_WASI(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &real), 0);
  start = monotonic();
  subscription = clock_subscription(8, __WASI_CLOCKID_REALTIME, real + 10 * MS,
                                    __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 1, &count), 0);
  CHECK(monotonic() - start >= 9 * MS);
  /* a deadline in the past is already due */
  subscription = clock_subscription(9, __WASI_CLOCKID_MONOTONIC, 1,
                                    __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 1, &count), 0);
  CHECK(count == 1 && event.userdata == 9);
}

static void earliest_wins(void) {
  __wasi_subscription_t subscriptions[2] = {
      clock_subscription(1, __WASI_CLOCKID_MONOTONIC, 2000 * MS, 0),
      clock_subscription(2, __WASI_CLOCKID_MONOTONIC, 5 * MS, 0),
  };
  __wasi_event_t events[2];
  __wasi_size_t count = 0;
  __wasi_timestamp_t start = monotonic();
  CHECK_WASI(__wasi_poll_oneoff(subscriptions, events, 2, &count), 0);
  CHECK(monotonic() - start < 1000 * MS);
  CHECK(count == 1 && events[0].userdata == 2);
}

static void descriptors(void) {
  /* stdout is writable now: no need to wait for the long clock */
  __wasi_subscription_t subscriptions[3] = {
      clock_subscription(1, __WASI_CLOCKID_MONOTONIC, 5000 * MS, 0),
      fd_subscription(2, __WASI_EVENTTYPE_FD_WRITE, 1),
      fd_subscription(3, __WASI_EVENTTYPE_FD_READ, 77),
  };
  __wasi_event_t events[3];
  __wasi_size_t count = 0;
  __wasi_timestamp_t start = monotonic();
  CHECK_WASI(__wasi_poll_oneoff(subscriptions, events, 3, &count), 0);
  CHECK(monotonic() - start < 1000 * MS);
  CHECK(count == 2);
  int write_ready = 0, bad = 0;
  for (__wasi_size_t i = 0; i < count; i++) {
    if (events[i].userdata == 2) write_ready = events[i].error == 0 && events[i].type == __WASI_EVENTTYPE_FD_WRITE;
    if (events[i].userdata == 3) bad = events[i].error == __WASI_ERRNO_BADF;
  }
  CHECK(write_ready && bad);

  /* a regular file is always ready, and says how much is left to read */
  FILE *file = fopen("/data/hello.txt", "r");
  CHECK(file != NULL);
  if (file) {
    subscriptions[0] = fd_subscription(5, __WASI_EVENTTYPE_FD_READ, (__wasi_fd_t)fileno(file));
    CHECK_WASI(__wasi_poll_oneoff(subscriptions, events, 1, &count), 0);
    CHECK(count == 1 && events[0].error == 0 && events[0].fd_readwrite.nbytes == 13);
    fclose(file);
  }
  /* libc's poll() goes through the same call */
  struct pollfd out = {.fd = 1, .events = POLLOUT};
  CHECK(poll(&out, 1, 1000) == 1 && (out.revents & POLLOUT));
}

static void invalid(void) {
  __wasi_subscription_t subscription = clock_subscription(1, 99, 0, 0);
  __wasi_event_t event;
  __wasi_size_t count = 0;
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 1, &count), 0);
  CHECK(count == 1 && event.error == __WASI_ERRNO_INVAL);
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 0, &count), __WASI_ERRNO_INVAL);
  subscription.u.tag = 9;
  CHECK_WASI(__wasi_poll_oneoff(&subscription, &event, 1, &count), __WASI_ERRNO_INVAL);
}

int main(void) {
  relative_sleep();
  absolute_sleep();
  earliest_wins();
  descriptors();
  invalid();
  struct timespec nap = {.tv_nsec = 10 * MS};
  __wasi_timestamp_t start = monotonic();
  CHECK(nanosleep(&nap, NULL) == 0);
  CHECK(monotonic() - start >= 10 * MS);
  CHECK(usleep(1000) == 0);
  check_exit("wasi_poll");
}
