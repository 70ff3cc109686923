/* SPDX-License-Identifier: Apache-2.0 */
/* When to restart a supervised cell, and when to give up: the restart
 * policy of a spec cell applied to the history of its restarts. Pure
 * logic on timestamps, so it is tested without running anything. */
#ifndef MINOS_SUP_RESTART_POLICY_H
#define MINOS_SUP_RESTART_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

typedef struct restart_history {
  uint64_t *times; /* restarts within the window, oldest first */
  size_t count, capacity;
} restart_history;

typedef enum restart_decision {
  RESTART_NOT_NEEDED, /* the policy does not restart after this end */
  RESTART_AFTER_DELAY,
  RESTART_GIVE_UP,    /* max_restarts already happened within the window */
} restart_decision;

/* An instance ended at `now` (failed: a fault or a non-zero exit). On
 * RESTART_AFTER_DELAY, *delay_ns is how long to wait: none for the first
 * restart in a window, then `backoff` doubling up to `backoff_max`. */
restart_decision restart_decide(const spec_restart *policy, restart_history *history,
                                bool failed, uint64_t now, uint64_t *delay_ns);
/* Records a restart made at `now`. */
bool restart_history_add(restart_history *history, uint64_t now);
void restart_history_free(restart_history *history);

#endif
