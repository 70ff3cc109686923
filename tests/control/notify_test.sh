#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# notify_test.sh MINOS NOTIFY_LISTENER WASI_CAT: minos up as a systemd
# service of Type=notify with WatchdogSec=: READY=1 once the cells are
# started, WATCHDOG=1 pings while the supervisor turns, STOPPING=1 at the
# stop (NOTIFY_SOCKET and WATCHDOG_USEC as systemd sets them).
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
[ $failed = 0 ] || printf '%s\n' "$messages"
echo "notify_test: $passed passed, $failed failed"
[ $failed = 0 ]
