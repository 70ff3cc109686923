/* SPDX-License-Identifier: Apache-2.0 */
#include "sup/notify.h"

#include <stdlib.h>
#include <systemd/sd-daemon.h>

uint64_t notify_watchdog_interval(void) {
  uint64_t usec = 0;
  /* Twice as often as the manager's limit, as sd_watchdog_enabled says. */
  return sd_watchdog_enabled(0, &usec) > 0 ? usec * 1000 / 2 : 0;
}

void notify_ready(const char *system_name, size_t cells) {
  sd_notifyf(0, "READY=1\nSTATUS=system %s: %zu cell%s started", system_name, cells,
             cells == 1 ? "" : "s");
}

void notify_stopping(void) { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

void notify_watchdog(void) { sd_notify(0, "WATCHDOG=1"); }

bool notify_enabled(void) { return getenv("NOTIFY_SOCKET") != NULL; }

void notify_status(const char *text) { sd_notifyf(0, "STATUS=%s", text); }
