/* SPDX-License-Identifier: Apache-2.0 */
/* Stable endpoints: the ends a supervised cell keeps across instances. The
 * supervisor lends them to each instance; whatever closes a lent end (the
 * instance, its end, a child it passed the end to) gives it back here. */
#include "sup/supervisor_private.h"

static void end_returned(channel_lender *lender, channel_end *end) {
  supervised_cell *owner = (supervised_cell *)((char *)lender - offsetof(supervised_cell, lender));
  spinlock_lock(&owner->kept_lock);
  bool close_now = owner->closing_for_good;
  for (size_t i = 0; i < owner->kept_count; i++)
    if (owner->kept[i].end == end) {
      owner->kept[i].lent = false;
      if (close_now) owner->kept[i].end = NULL;
    }
  spinlock_unlock(&owner->kept_lock);
  if (close_now) {
    channel_end_unlend(end);
    channel_end_close(end);
  }
  waiter_wake(&owner->owner->wake);
}

void kept_ends_init(supervised_cell *cell_spec) {
  cell_spec->lender.returned = end_returned;
  for (size_t i = 0; i < cell_spec->kept_count; i++)
    if (cell_spec->kept[i].end) channel_end_lend(cell_spec->kept[i].end, &cell_spec->lender);
}

void kept_end_mark_lent(supervised_cell *cell_spec, size_t index, bool lent) {
  spinlock_lock(&cell_spec->kept_lock);
  cell_spec->kept[index].lent = lent;
  spinlock_unlock(&cell_spec->kept_lock);
}

bool kept_ends_all_back(supervised_cell *cell_spec) {
  spinlock_lock(&cell_spec->kept_lock);
  bool back = true;
  for (size_t i = 0; i < cell_spec->kept_count; i++) back &= !cell_spec->kept[i].lent;
  spinlock_unlock(&cell_spec->kept_lock);
  return back;
}

/* The failed instance's readers that asked to (a channel's
 * "on_writer_restart": "reset") learn that the reply they wait for is
 * lost; the others read on, the next instance's output after this one's. */
void kept_ends_reset_readers(supervised_cell *cell_spec) {
  for (size_t i = 0; i < cell_spec->kept_count; i++)
    if (cell_spec->kept[i].end && cell_spec->kept[i].reset_reader)
      channel_end_reset_reader(cell_spec->kept[i].end);
}

static bool speaks_request_reply(const supervised_cell *cell_spec) {
  for (size_t i = 0; i < cell_spec->kept_count; i++)
    if (cell_spec->kept[i].end && cell_spec->kept[i].reset_reader) return true;
  return false;
}

/* An instance the operator ended (kill, restart, upgrade) at no
 * particular point of its conversation. A request/reply service (one of
 * its output channels resets its reader): what it had not read yet and
 * what it wrote that was not read are dropped, and its clients get
 * MINOS_ERESET next, so they see the one request in flight lost and the
 * next instance starts from a clean stream both ways. A stream keeps its
 * data, as across a crash. */
void kept_ends_abandon_in_flight(supervised_cell *cell_spec) {
  if (!speaks_request_reply(cell_spec)) return;
  for (size_t i = 0; i < cell_spec->kept_count; i++)
    if (cell_spec->kept[i].end && (cell_spec->kept[i].reset_reader || !cell_spec->kept[i].output))
      channel_end_discard(cell_spec->kept[i].end);
  kept_ends_reset_readers(cell_spec);
}

/* The cell will not run again: its peers see the end of the stream. Ends
 * still lent out are closed when they come back. */
void kept_ends_close_for_good(supervised_cell *cell_spec) {
  for (size_t i = 0; i < cell_spec->kept_count; i++) {
    spinlock_lock(&cell_spec->kept_lock);
    cell_spec->closing_for_good = true;
    channel_end *end = cell_spec->kept[i].lent ? NULL : cell_spec->kept[i].end;
    if (end) cell_spec->kept[i].end = NULL;
    spinlock_unlock(&cell_spec->kept_lock);
    if (end) {
      channel_end_unlend(end);
      channel_end_close(end);
    }
  }
}
