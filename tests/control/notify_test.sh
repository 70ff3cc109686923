#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# notify_test.sh MINOS NOTIFY_LISTENER WASI_CAT: minos up as a systemd
# service of Type=notify with WatchdogSec=: READY=1 once the cells are
# started, WATCHDOG=1 pings while the supervisor turns, STOPPING=1 at the
# stop (NOTIFY_SOCKET and WATCHDOG_USEC as systemd sets them); an abstract
# socket (@name), WATCHDOG_PID of another process or not a number, a
# NOTIFY_SOCKET nobody listens at or not an address (said once, runs on),
# an empty one (as unset); the example unit file verifies.
set -u
minos=$1 listener=$2 cat_module=$3
work=$(mktemp -d)
trap 'kill $up_pid $listen_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
cp "$cat_module" "$work/cat.wasm"
cat >"$work/system.json" <<'JSON'
{"name": "notified", "grace": "300ms",
 "cells": {"sleeper": {"code": "/bin/sleep", "args": ["sleep", "100"]}}}
JSON
"$listener" "$work/notify" 6 >"$work/messages" &
listen_pid=$!
for _ in $(seq 50); do [[ -S $work/notify ]] && break; sleep 0.1; done
export MINOS_CONTROL_DIR=$work/run
NOTIFY_SOCKET=$work/notify WATCHDOG_USEC=400000 "$minos" up "$work/system.json" >"$work/up.log" 2>&1 &
up_pid=$!
sleep 2
"$minos" stop notified >/dev/null
wait $up_pid
sleep 0.3
messages=$(cat "$work/messages")
check "READY=1" grep -q "^READY=1$" <<<"$messages"
check "status" grep -q "^STATUS=system notified: 1 cell started$" <<<"$messages"
check "watchdog pings" [ "$(grep -c '^WATCHDOG=1$' <<<"$messages")" -ge 4 ]
check "STOPPING=1" grep -q "^STOPPING=1$" <<<"$messages"
check "ready before stopping" bash -c "[ \$(grep -n '^READY=1' <<<\"\$1\" | cut -d: -f1) -lt \$(grep -n '^STOPPING=1' <<<\"\$1\" | cut -d: -f1) ]" _ "$messages"
# Without NOTIFY_SOCKET nothing is sent and nothing changes.
"$minos" up "$work/system.json" >"$work/plain.log" 2>&1 &
up_pid=$!
sleep 0.5
check "without a manager" grep -q "sleeper#1: started" "$work/plain.log"
"$minos" stop notified >/dev/null
wait $up_pid
check "a status line after READY" grep -q "^STATUS=system notified: 1 of 1 cell running, 0 restarts, 0 faults$" <<<"$messages"
[ $failed = 0 ] || printf '%s\n' "$messages"

# READY=1 waits for readiness: a cell that says so after 600 ms.
cat >"$work/late.json" <<'JSON'
{"name": "late", "grace": "300ms",
 "cells": {"late": {"code": "/bin/sh", "ready": "notify",
   "args": ["sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo READY=1 >&$MINOS_READY_FD; exec cat"],
   "limits": {"init_timeout": "30s"}}}}
JSON
chmod 755 "$work"
rm -f "$work/notify"
"$listener" "$work/notify" 5 >"$work/late_messages" &
listen_pid=$!
for _ in $(seq 50); do [[ -S $work/notify ]] && break; sleep 0.1; done
NOTIFY_SOCKET=$work/notify "$minos" up "$work/late.json" >"$work/late.log" 2>&1 &
up_pid=$!
for _ in $(seq 200); do grep -q "late#1: started" "$work/late.log" && break; sleep 0.05; done
sleep 0.05
check "late: no READY=1 before the cell is ready" bash -c "! grep -q '^READY=1$' '$work/late_messages'"
for _ in $(seq 100); do grep -q "late#1: ready" "$work/late.log" && break; sleep 0.1; done
"$minos" stop late >/dev/null
wait $up_pid
wait $listen_pid
check "late: READY=1 sent" grep -q "^READY=1$" "$work/late_messages"
ready_line=$(grep -n "late#1: ready" "$work/late.log" | cut -d: -f1)
check "late: the cell was ready (logged)" [ -n "$ready_line" ]

# What systemd may set, and what it may not: each run of the sleeper's
# system under `env ASSIGNMENTS...` for a second, stopped; the listener's
# messages in $work/env_messages, minos's log in $work/env.log.
run_with() { # LISTEN_AT ASSIGNMENTS...
  local listen_at=$1
  shift
  rm -f "$work/notify"
  "$listener" "$listen_at" 3 >"$work/env_messages" &
  listen_pid=$!
  sleep 0.3
  env "$@" "$minos" up "$work/system.json" >"$work/env.log" 2>&1 &
  up_pid=$!
  sleep 1.2
  "$minos" stop notified >/dev/null
  wait $up_pid
  up_status=$?
  wait $listen_pid
}
got() { grep -q "^$1$" "$work/env_messages"; }
pings() { grep -c '^WATCHDOG=1$' "$work/env_messages"; }
abstract=@minos-notify-test-$$
run_with "$abstract" NOTIFY_SOCKET="$abstract"
check "abstract NOTIFY_SOCKET (@name): READY=1" got READY=1
run_with "$work/notify" NOTIFY_SOCKET="$work/notify" WATCHDOG_USEC=200000 WATCHDOG_PID=1
check "WATCHDOG_PID of another process: READY=1" got READY=1
check "WATCHDOG_PID of another process: no pings" [ "$(pings)" = 0 ]
# WATCHDOG_PID its own: the sh becomes minos (exec), keeping its pid.
run_with "$work/notify" NOTIFY_SOCKET="$work/notify" WATCHDOG_USEC=200000 \
  sh -c 'export WATCHDOG_PID=$$; exec "$@"' sh
check "WATCHDOG_PID its own: pings" [ "$(pings)" -ge 3 ]
run_with "$work/notify" NOTIFY_SOCKET="$work/notify" WATCHDOG_USEC=200000 WATCHDOG_PID=self
check "WATCHDOG_PID not a number: no pings" [ "$(pings)" = 0 ]
run_with "$work/notify" NOTIFY_SOCKET="$work/notify" WATCHDOG_USEC=soon
check "WATCHDOG_USEC not a number: READY=1, no pings" bash -c "grep -q '^READY=1$' '$work/env_messages' && ! grep -q WATCHDOG '$work/env_messages'"
for nowhere in "$work/nobody-listens" relative "@"; do
  run_with "$work/notify" NOTIFY_SOCKET="$nowhere"
  check "NOTIFY_SOCKET=$nowhere: runs, stops cleanly" [ "$up_status" = 0 ]
  check "NOTIFY_SOCKET=$nowhere: the cell ran" grep -q "sleeper#1: started" "$work/env.log"
  check "NOTIFY_SOCKET=$nowhere: said once" [ "$(grep -c "cannot tell the service manager at NOTIFY_SOCKET=$nowhere" "$work/env.log")" = 1 ]
done
run_with "$work/notify" NOTIFY_SOCKET=
check "NOTIFY_SOCKET empty: as unset" bash -c "[ $up_status = 0 ] && ! grep -q 'service manager' '$work/env.log'"

# The example unit file is one systemd accepts (minos's path put in).
if command -v systemd-analyze >/dev/null; then
  sed "s|/usr/local/bin/minos|$(realpath "$minos")|" "$(dirname "$0")/../../examples/systemd/minos@.service" \
    >"$work/minos@late.service"
  verify=$(systemd-analyze verify --man=no "$work/minos@late.service" 2>&1)
  check "unit file verifies ($verify)" [ -z "$verify" ]
else
  echo "skipped: systemd-analyze is not installed"
fi
echo "notify_test: $passed passed, $failed failed"
[ $failed = 0 ]
