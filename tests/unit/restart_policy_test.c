/* SPDX-License-Identifier: Apache-2.0 */
/* Restart policies on a made-up clock: which ends restart, the backoff
 * sequence, the limit per window, and a window that slides. Also the
 * channel side of stable endpoints: a lent end comes back instead of
 * closing, and a reset reaches the reader once, after the data. */
#include <stdio.h>

#include "core/channel.h"
#include "sup/restart_policy.h"
#include "check.h"


#define MS 1000000ULL

static spec_restart policy_of(spec_restart_policy kind) {
  return (spec_restart){.policy = kind, .max_restarts = 4, .window_ns = 1000 * MS,
                        .backoff_initial_ns = 10 * MS, .backoff_max_ns = 25 * MS};
}

static void which_ends_restart(void) {
  restart_history history = {0};
  uint64_t delay;
  spec_restart never = policy_of(RESTART_NEVER), on_failure = policy_of(RESTART_ON_FAILURE),
               always = policy_of(RESTART_ALWAYS);
  CHECK(restart_decide(&never, &history, true, 0, &delay) == RESTART_NOT_NEEDED);
  CHECK(restart_decide(&on_failure, &history, false, 0, &delay) == RESTART_NOT_NEEDED);
  CHECK(restart_decide(&on_failure, &history, true, 0, &delay) == RESTART_AFTER_DELAY);
  CHECK(restart_decide(&always, &history, false, 0, &delay) == RESTART_AFTER_DELAY);
  restart_history_free(&history);
}

static void backoff_then_give_up(void) {
  restart_history history = {0};
  spec_restart policy = policy_of(RESTART_ON_FAILURE);
  uint64_t expected[] = {0, 10 * MS, 20 * MS, 25 * MS}, delay, now = 5000 * MS;
  for (int i = 0; i < 4; i++) {
    CHECK(restart_decide(&policy, &history, true, now, &delay) == RESTART_AFTER_DELAY);
    CHECK(delay == expected[i]);
    now += delay;
    restart_history_add(&history, now);
    now += 1 * MS;
  }
  CHECK(restart_decide(&policy, &history, true, now, &delay) == RESTART_GIVE_UP);
  /* Once the window has slid past the old restarts, it starts over. */
  now += 1001 * MS;
  CHECK(restart_decide(&policy, &history, true, now, &delay) == RESTART_AFTER_DELAY);
  CHECK(delay == 0);
  restart_history_free(&history);
}

static channel_end *returned_end;
static void note_return(channel_lender *lender, channel_end *end) {
  (void)lender;
  returned_end = end;
}

static void lent_ends_and_resets(void) {
  channel_end *write_end, *read_end;
  CHECK(channel_create(0, &write_end, &read_end) == MINOS_OK);
  channel_lender lender = {note_return};
  channel_end_lend(write_end, &lender);
  waiter self;
  waiter_init_host(&self);
  CHECK(channel_write(&self, write_end, "ab", 2, DEADLINE_NOW) == 2);
  channel_end_close(write_end); /* its holder ended: it comes back */
  CHECK(returned_end == write_end);
  channel_end_reset_reader(write_end);
  char buffer[8];
  uint32_t rotation = 0, which = 0;
  CHECK(channel_read(&self, &read_end, 1, buffer, sizeof buffer, DEADLINE_NOW, &rotation, &which) == 2);
  CHECK(channel_read(&self, &read_end, 1, buffer, sizeof buffer, DEADLINE_NOW, &rotation, &which) ==
        -MINOS_ERESET);
  /* Once only; then the channel goes on as before. */
  CHECK(channel_read(&self, &read_end, 1, buffer, sizeof buffer, DEADLINE_NOW, &rotation, &which) ==
        -MINOS_EAGAIN);
  CHECK(channel_write(&self, write_end, "c", 1, DEADLINE_NOW) == 1);
  CHECK(channel_read(&self, &read_end, 1, buffer, sizeof buffer, DEADLINE_NOW, &rotation, &which) == 1);
  /* Input finished from the reading side: end of stream, writes refused. */
  channel_end_finish_input(read_end);
  CHECK(channel_read(&self, &read_end, 1, buffer, sizeof buffer, DEADLINE_NOW, &rotation, &which) == 0);
  CHECK(channel_write(&self, write_end, "d", 1, DEADLINE_NOW) == -MINOS_ECLOSED);
  channel_end_unlend(write_end);
  channel_end_close(write_end);
  channel_end_close(read_end);
}

int main(void) {
  which_ends_restart();
  backoff_then_give_up();
  lent_ends_and_resets();
  printf("restart_policy_test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
