/* SPDX-License-Identifier: Apache-2.0 */
/* When a service's instance is ready (spec.h's spec_readiness): at its
 * initialisation's end, at its first read of an input, or when it writes
 * to its ready end. Each is watched, so the supervisor is woken by it
 * rather than polling; its group then starts the next member. */
#include <stdio.h>

#include "core/log.h"
#include "sup/supervisor_private.h"

/* Room for "READY=1\n" and then some; what comes after is ignored. */
#define READY_CHANNEL_CAPACITY 4096

static minos_status install_ready_end(supervised_cell *service, cell *instance) {
  channel_end *write_end, *read_end;
  minos_status status = channel_create(READY_CHANNEL_CAPACITY, &write_end, &read_end);
  if (status != MINOS_OK) return status;
  status = channel_charge(write_end, instance->account, 0); /* its buffer is the cell's */
  if (status != MINOS_OK) {
    channel_end_close(write_end);
    channel_end_close(read_end);
    return status;
  }
  /* After stdio, the granted directories and the named ends: the number
   * MINOS_READY_FD promised. */
  const spec_cell *source = service->spec;
  int32_t expected = (int32_t)(3 + source->grants.dir_count + source->end_count);
  int32_t number = instance->arch->install_end(instance, write_end);
  if (number < 0) channel_end_close(write_end);
  if (number != expected) {
    channel_end_close(read_end);
    if (number >= 0) log_error("%s: its ready end landed on %d, not %d", instance->name, number,
                               expected);
    return number < 0 ? (minos_status)-number : MINOS_EIO;
  }
  service->ready_end = read_end;
  return MINOS_OK;
}

minos_status readiness_prepare(supervised_cell *service, cell *instance) {
  readiness_release(service);
  service->ready = false;
  switch (service->spec->ready) {
  case READY_NOTIFY:
    return install_ready_end(service, instance);
  case READY_FIRST_READ:
    for (size_t i = 0; i < service->kept_count; i++)
      if (service->kept[i].end && !service->kept[i].output)
        channel_end_watch_first_read(service->kept[i].end, &service->owner->wake);
    return MINOS_OK;
  case READY_STARTED:
    return MINOS_OK;
  }
  return MINOS_OK;
}

static bool first_read_came(supervised_cell *service) {
  for (size_t i = 0; i < service->kept_count; i++)
    if (service->kept[i].end && !service->kept[i].output &&
        channel_end_reader_came(service->kept[i].end))
      return true;
  return false;
}

/* Data on the ready end; else watched for it. A writer gone without a
 * word is not watched again: the init timeout ends that instance. */
static bool notified(supervised_cell *service) {
  channel_end *end = service->ready_end;
  uint32_t available;
  bool hangup;
  if (!end) return false;
  for (;;) {
    if (channel_end_ready(end, &available, &hangup)) {
      if (available > 0) return true;
      if (hangup) return false;
    }
    if (!channel_end_watch(end, &service->owner->wake)) return false;
  }
}

bool readiness_check(supervised_cell *service) {
  cell *instance = service->instance;
  if (service->ready) return true;
  if (!instance) return false;
  bool ready = false;
  switch (service->spec->ready) {
  case READY_STARTED:
    ready = cell_watch_initialised(instance, &service->owner->wake);
    break;
  case READY_FIRST_READ:
    ready = cell_initialised(instance) && first_read_came(service);
    break;
  case READY_NOTIFY:
    ready = notified(service);
    break;
  }
  if (!ready) return false;
  service->ready = true;
  log_message(service->spec->ready == READY_STARTED && !service->group ? LOG_DEBUG : LOG_INFO,
              instance->name, "ready");
  supervisor_poke(service->owner); /* its group may start the next member */
  return true;
}

void readiness_release(supervised_cell *service) {
  if (service->spec->ready == READY_FIRST_READ)
    for (size_t i = 0; i < service->kept_count; i++)
      if (service->kept[i].end && !service->kept[i].output)
        channel_end_unwatch(service->kept[i].end, &service->owner->wake);
  if (service->ready_end) {
    channel_end_unwatch(service->ready_end, &service->owner->wake);
    channel_end_close(service->ready_end);
    service->ready_end = NULL;
  }
}
