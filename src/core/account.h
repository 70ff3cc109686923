/* SPDX-License-Identifier: Apache-2.0 */
/* Accounts: what a cell, with everything it created, may make the runtime
 * spend. Every cell has one, linked to its parent's (a cnew child's), or
 * to its runtime's root account (a cell of minos run, libminos or a
 * supervisor). A charge counts at the cell's own account and at every
 * account above it, and succeeds only if no account on the way would go
 * past its limit; so a cell tree can never spend more than its root cell
 * was given, however many children it makes, and the runtime's root caps
 * what all cells together hold.
 *
 * What is counted:
 *  - memory: linear memory as it grows, and the capacity of each channel
 *    a cell creates (charged to its creator until both ends are closed,
 *    wherever the ends went);
 *  - CPU time, as the preemption tick samples it (already spent, so it is
 *    added past the limit and the cell that finds it exhausted ends);
 *  - host descriptors: files, directories and sockets a cell opens (its
 *    channel ends are not host descriptors);
 *  - cells: the live (not yet reaped) cells below an account.
 *
 * Charges and credits are lock-free atomics: the CPU charge runs in the
 * preemption signal handler. */
#ifndef MINOS_CORE_ACCOUNT_H
#define MINOS_CORE_ACCOUNT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

typedef enum account_kind {
  ACCOUNT_MEMORY,   /* bytes */
  ACCOUNT_CPU,      /* nanoseconds */
  ACCOUNT_HOST_FDS, /* host file descriptors */
  ACCOUNT_CELLS,    /* live cells below (not counting the account's own cell) */
  ACCOUNT_KIND_COUNT
} account_kind;

#define ACCOUNT_UNLIMITED UINT64_MAX

typedef struct account {
  struct account *parent; /* a reference is held; NULL for a runtime's root */
  atomic_uint references;
  uint64_t limit[ACCOUNT_KIND_COUNT];
  _Atomic uint64_t used[ACCOUNT_KIND_COUNT];
} account;

/* A new account below `parent` (which may be NULL), with these limits
 * (ACCOUNT_UNLIMITED: only the accounts above limit it); one reference. */
account *account_new(account *parent, const uint64_t limit[ACCOUNT_KIND_COUNT]);
void account_retain(account *self);
void account_release(account *self);

/* Counts `amount` at this account and every one above it, or at none:
 * MINOS_ELIMIT if one of them would go past its limit. NULL: no account,
 * nothing to count (MINOS_OK). */
minos_status account_charge(account *self, account_kind kind, uint64_t amount);
/* Counts what was spent already (CPU time), past the limits if so. */
void account_charge_spent(account *self, account_kind kind, uint64_t amount);
/* Gives back what account_charge or account_charge_spent counted. */
void account_credit(account *self, account_kind kind, uint64_t amount);
/* Whether this account or one above it has used all it may. */
bool account_exhausted(const account *self, account_kind kind);
/* What can still be charged here: the least room left at this account
 * and above (ACCOUNT_UNLIMITED if nothing limits it). */
uint64_t account_remaining(const account *self, account_kind kind);

#endif
