/* SPDX-License-Identifier: Apache-2.0 */
#include "sup/restart_policy.h"

#include <stdlib.h>
#include <string.h>

/* Forgets restarts older than the window. */
static void forget_old(restart_history *history, uint64_t window_ns, uint64_t now) {
  size_t old = 0;
  while (old < history->count && now - history->times[old] > window_ns) old++;
  if (old == 0) return;
  memmove(history->times, history->times + old, (history->count - old) * sizeof *history->times);
  history->count -= old;
}

static uint64_t backoff_delay(const spec_restart *policy, size_t recent) {
  if (recent == 0) return 0;
  uint64_t delay = policy->backoff_initial_ns;
  for (size_t i = 1; i < recent && delay < policy->backoff_max_ns; i++) delay *= 2;
  return delay < policy->backoff_max_ns ? delay : policy->backoff_max_ns;
}

restart_decision restart_decide(const spec_restart *policy, restart_history *history,
                                bool failed, uint64_t now, uint64_t *delay_ns) {
  *delay_ns = 0;
  if (policy->policy == RESTART_NEVER || (policy->policy == RESTART_ON_FAILURE && !failed))
    return RESTART_NOT_NEEDED;
  forget_old(history, policy->window_ns, now);
  if (history->count >= policy->max_restarts) return RESTART_GIVE_UP;
  *delay_ns = backoff_delay(policy, history->count);
  return RESTART_AFTER_DELAY;
}

bool restart_history_add(restart_history *history, uint64_t now) {
  if (history->count == history->capacity) {
    size_t capacity = history->capacity ? history->capacity * 2 : 8;
    uint64_t *grown = realloc(history->times, capacity * sizeof *grown);
    if (!grown) return false;
    history->times = grown;
    history->capacity = capacity;
  }
  history->times[history->count++] = now;
  return true;
}

void restart_history_free(restart_history *history) {
  free(history->times);
  *history = (restart_history){0};
}
