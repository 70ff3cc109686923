/* SPDX-License-Identifier: Apache-2.0 */
/* libsystemd's sd_notify, loaded only when a service manager listens
 * (NOTIFY_SOCKET): linked in, it and the seven libraries it pulls in
 * (compression, crypto, capabilities) would be mapped and relocated at
 * every start of minos, a third of `minos run hello.wasm`'s start-up. */
#include "sup/notify.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "core/escape.h"
#include "core/log.h"

typedef struct systemd_calls {
  __typeof__(sd_notify) *notify;
  __typeof__(sd_watchdog_enabled) *watchdog_enabled;
} systemd_calls;

/* The calls, or NULL without a manager (or without the library: said
 * once, since the manager then waits for READY=1 in vain). */
static const systemd_calls *systemd(void) {
  static systemd_calls calls;
  static bool tried;
  if (tried) return calls.notify ? &calls : NULL;
  tried = true;
  if (!notify_enabled()) return NULL;
  void *library = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (library) {
    calls.notify = (__typeof__(sd_notify) *)dlsym(library, "sd_notify");
    calls.watchdog_enabled =
        (__typeof__(sd_watchdog_enabled) *)dlsym(library, "sd_watchdog_enabled");
  }
  if (!calls.notify || !calls.watchdog_enabled) {
    calls.notify = NULL;
    log_error("NOTIFY_SOCKET is set but libsystemd cannot be loaded (%s): the service "
              "manager will not hear that minos is ready",
              library ? "sd_notify is missing" : dlerror());
    return NULL;
  }
  return &calls;
}

/* A NOTIFY_SOCKET that cannot be reached (a typo, a relative path, a
 * manager gone) is said once: the system runs on as without a manager,
 * but whoever set it learns why it never hears READY=1. */
static void said_not_sent(int result) {
  static bool said;
  if (result >= 0 || said) return;
  said = true;
  char where[200];
  log_message(LOG_WARN, NULL, "cannot tell the service manager at NOTIFY_SOCKET=%s: %s; "
              "minos runs on without it", escape_string(where, sizeof where,
                                                        getenv("NOTIFY_SOCKET")),
              strerror(-result));
}

static void notify(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void notify(const char *format, ...) {
  const systemd_calls *calls = systemd();
  if (!calls) return;
  char message[512];
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(message, sizeof message, format, arguments);
  va_end(arguments);
  said_not_sent(calls->notify(0, message));
}

uint64_t notify_watchdog_interval(void) {
  const systemd_calls *calls = systemd();
  uint64_t usec = 0;
  /* Twice as often as the manager's limit, as sd_watchdog_enabled says. */
  return calls && calls->watchdog_enabled(0, &usec) > 0 ? usec * 1000 / 2 : 0;
}

void notify_ready(const char *system_name, size_t cells) {
  notify("READY=1\nSTATUS=system %s: %zu cell%s started", system_name, cells,
         cells == 1 ? "" : "s");
}

void notify_stopping(void) { notify("STOPPING=1\nSTATUS=stopping"); }

void notify_watchdog(void) { notify("WATCHDOG=1"); }

/* Set and empty is as unset: no manager to tell. */
bool notify_enabled(void) {
  const char *socket = getenv("NOTIFY_SOCKET");
  return socket && socket[0];
}

void notify_status(const char *text) { notify("STATUS=%s", text); }
