/* SPDX-License-Identifier: Apache-2.0 */
#include "core/account.h"

#include <stdlib.h>

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "CPU charges run in a signal handler");

account *account_new(account *parent, const uint64_t limit[ACCOUNT_KIND_COUNT]) {
  account *created = calloc(1, sizeof *created);
  if (!created) return NULL;
  created->parent = parent;
  if (parent) account_retain(parent);
  atomic_init(&created->references, 1);
  for (int kind = 0; kind < ACCOUNT_KIND_COUNT; kind++) {
    created->limit[kind] = limit[kind];
    atomic_init(&created->used[kind], 0);
  }
  return created;
}

void account_retain(account *self) {
  if (self) atomic_fetch_add_explicit(&self->references, 1, memory_order_relaxed);
}

void account_release(account *self) {
  while (self && atomic_fetch_sub_explicit(&self->references, 1, memory_order_acq_rel) == 1) {
    account *parent = self->parent;
    free(self);
    self = parent; /* it held a reference to its parent */
  }
}

/* One account: adds if it stays within the limit. */
static bool charge_one(account *self, account_kind kind, uint64_t amount) {
  uint64_t used = atomic_load_explicit(&self->used[kind], memory_order_relaxed);
  do {
    if (amount > self->limit[kind] || used > self->limit[kind] - amount) return false;
  } while (!atomic_compare_exchange_weak_explicit(&self->used[kind], &used, used + amount,
                                                  memory_order_relaxed, memory_order_relaxed));
  return true;
}

minos_status account_charge(account *self, account_kind kind, uint64_t amount) {
  for (account *at = self; at; at = at->parent) {
    if (charge_one(at, kind, amount)) continue;
    for (account *undo = self; undo != at; undo = undo->parent)
      atomic_fetch_sub_explicit(&undo->used[kind], amount, memory_order_relaxed);
    return MINOS_ELIMIT;
  }
  return MINOS_OK;
}

void account_charge_spent(account *self, account_kind kind, uint64_t amount) {
  for (account *at = self; at; at = at->parent)
    atomic_fetch_add_explicit(&at->used[kind], amount, memory_order_relaxed);
}

void account_credit(account *self, account_kind kind, uint64_t amount) {
  for (account *at = self; at; at = at->parent)
    atomic_fetch_sub_explicit(&at->used[kind], amount, memory_order_relaxed);
}

bool account_exhausted(const account *self, account_kind kind) {
  for (const account *at = self; at; at = at->parent)
    if (at->limit[kind] != ACCOUNT_UNLIMITED &&
        atomic_load_explicit(&at->used[kind], memory_order_relaxed) >= at->limit[kind])
      return true;
  return false;
}

uint64_t account_remaining(const account *self, account_kind kind) {
  uint64_t least = ACCOUNT_UNLIMITED;
  for (const account *at = self; at; at = at->parent) {
    if (at->limit[kind] == ACCOUNT_UNLIMITED) continue;
    uint64_t used = atomic_load_explicit(&at->used[kind], memory_order_relaxed);
    uint64_t room = used >= at->limit[kind] ? 0 : at->limit[kind] - used;
    if (room < least) least = room;
  }
  return least;
}
