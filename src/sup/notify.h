/* SPDX-License-Identifier: Apache-2.0 */
/* Telling the service manager how minos is doing, when systemd (or
 * anything speaking its notify protocol) runs `minos up` as a service of
 * Type=notify: READY=1 once every cell is ready, STATUS= lines,
 * STOPPING=1 when the system stops, and WATCHDOG=1 from the supervisor's
 * own loop while it turns, so a supervisor that hangs gets minos
 * restarted (WatchdogSec=). Nothing at all without NOTIFY_SOCKET. */
#ifndef MINOS_SUP_NOTIFY_H
#define MINOS_SUP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the watchdog's interval, if any: 0, or how often to ping (ns). */
uint64_t notify_watchdog_interval(void);
void notify_ready(const char *system_name, size_t cells);
void notify_stopping(void);
void notify_watchdog(void);
/* Whether a service manager listens (NOTIFY_SOCKET is set). */
bool notify_enabled(void);
/* STATUS=text: one line, what `systemctl status` shows. */
void notify_status(const char *text);

#endif
