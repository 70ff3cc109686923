#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# control_test.sh MINOS CONTROL_CLIENT WASI_CAT: a running system's control
# socket end to end: minos ps (table and --json), kill, restart, stop,
# errors for unknown cells and systems, hostile clients (malformed and
# oversized lines, a flood never read, a silent client), the socket's mode,
# another uid refused (by the file's mode, and by SO_PEERCRED when the
# mode lets it in), a second system of the same name refused, and a stale
# socket replaced.
set -u
minos=$1 client=$2 cat_module=$3
work=$(mktemp -d)
chmod 755 "$work"
trap 'kill $up_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"

cp "$cat_module" "$work/cat.wasm"
cat >"$work/system.json" <<'JSON'
{
  "name": "ctl",
  "grace": "500ms",
  "cells": {
    "writer": {"code": "/bin/sleep", "args": ["sleep", "987.654"], "restart": {"policy": "always"}},
    "reader": {"code": "cat.wasm", "restart": {"policy": "always"}, "stdio": {"stdout": "log"}}
  },
  "channels": [{"from": "writer.stdout", "to": "reader.stdin"}]
}
JSON
export MINOS_CONTROL_DIR=$work/run
sock=$work/run/ctl.sock
"$minos" up "$work/system.json" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 50); do [[ -S $sock ]] && break; sleep 0.1; done
sleep 0.3

# The socket: 0600, in a directory of the user's only.
check "socket mode 0600" [ "$(stat -c %a "$sock")" = 600 ]
check "directory mode 0700" [ "$(stat -c %a "$work/run")" = 700 ]

# minos ps: a line per cell, and every system of the user without a name.
table=$("$minos" ps ctl)
check "ps header" contains "$table" "^SYSTEM *CELL *ARCH *STATE *PID"
check "ps native writer" contains "$table" "^ctl *writer#1 *native *running *[0-9]"
check "ps wasm reader" contains "$table" "^ctl *reader#1 *wasm *running *-"
all=$("$minos" ps)
check "ps of every system" contains "$all" "writer#1"
json=$("$minos" ps --json ctl)
check "ps --json" contains "$json" '"ok":true,"system":"ctl"'
check "ps --json pid" contains "$json" '"arch":"native","instance":"writer#1","pid":[0-9]'

# kill: the policy restarts it; restart: a fresh instance, not counted.
check "kill" contains "$("$minos" kill ctl reader)" "ctl: killed"
check "restart" contains "$("$minos" restart ctl writer)" "ctl: restarting"
sleep 0.5
table=$("$minos" ps ctl)
# (the writer's restart resets its reader, a cat, which ends and is restarted too)
check "killed reader restarted" contains "$table" "reader#[23] *wasm *running .* [12] "
check "restarted writer" contains "$table" "writer#2 *native *running .* 1 "
check "kill logged" contains "$(cat "$work/up.log")" "reader#1: killed by the operator"
"$minos" kill ctl nosuch >"$work/out" 2>&1
check "unknown cell: exit 125" [ $? = 125 ]
check "unknown cell: said" contains "$(cat "$work/out")" 'no cell named "nosuch" in system ctl'
"$minos" ps nosystem >"$work/out" 2>&1
check "unknown system: exit 125" [ $? = 125 ]
check "unknown system: said" contains "$(cat "$work/out")" "no system nosystem is running"
"$minos" kill ctl >"$work/out" 2>&1
check "kill without a cell: usage" [ $? = 2 ]

# logs: the recent lines (of one cell), and subscribers get events.
logs=$("$minos" logs ctl)
check "logs" contains "$logs" "writer#1: started"
check "logs of a cell" bash -c "! grep -q reader <<<\"\$(\"$minos\" logs ctl writer)\""
check "logs -n" [ "$("$minos" logs -n 2 ctl | wc -l)" = 2 ]
"$client" "$sock" --stream 3 '{"request":"subscribe","logs":false}' >"$work/events" &
streaming=$!
timeout 3 "$minos" logs -f -n 0 ctl writer >"$work/follow" &
sleep 0.5
"$minos" kill ctl writer >/dev/null
wait $streaming
sleep 2.6
check "event: ended" contains "$(cat "$work/events")" '^{"event":{"event":"ended","cell":"writer","instance":"writer#2","detail":"killed"'
check "event: started" contains "$(cat "$work/events")" '^{"event":{"event":"started","cell":"writer","instance":"writer#3"'
check "logs -f" contains "$(cat "$work/follow")" "writer#3: started"

# Hostile clients: each gets its error, the system serves on.
replies=$(printf '%s\n' 'not json' '[1,2]' '{"request":42}' '{"request":"dance"}' \
  '{"request":"inspect"}' '{"request":"inspect","cell":"writer"}' '{"request":"list"}' |
  "$client" "$sock")
check "greeting" contains "$replies" '^{"minos":"control","version":1,"system":"ctl"'
check "malformed" contains "$replies" '^{"ok":false,"error":"malformed request'
check "not an object" contains "$replies" 'a request is a JSON object with a \\"request\\" string'
check "unknown request" contains "$replies" 'unknown request \\"dance\\"'
check "inspect without cell" contains "$replies" 'this request needs \\"cell\\"'
check "inspect" contains "$replies" '"cell":{"name":"writer".*"code":"/bin/sleep"'
check "list after garbage" contains "$replies" '^{"ok":true,"system":"ctl"'
long=$("$client" "$sock" --long 100000)
check "oversized line refused" contains "$long" '"error":"request too long'
check "oversized line closed" contains "$long" '<closed>'
"$client" "$sock" --silent 20 &
silent=$!
check "flood never read is dropped" [ "$("$client" "$sock" --flood 40000 | tail -1)" = dropped ]
check "served beside a silent client" contains "$("$minos" ps ctl)" "writer#3"
kill $silent 2>/dev/null
check "still running" kill -0 $up_pid

# Another uid: the file's mode keeps it out; let in by the mode, the
# system refuses it by its credentials.
if [ "$(id -u)" = 0 ] && su nobody -s /bin/sh -c true 2>/dev/null; then
  chmod 711 "$work/run"
  out=$(su nobody -s /bin/sh -c "'$client' '$sock'" 2>&1)
  check "other uid: socket mode" contains "$out" "connect: Permission denied"
  chmod 666 "$sock"
  out=$(su nobody -s /bin/sh -c "'$client' '$sock'" 2>&1)
  check "other uid: SO_PEERCRED" contains "$out" '"error":"permission denied: uid [0-9]* does not own this system'
  chmod 600 "$sock"; chmod 700 "$work/run"
else
  echo "SKIP: other-uid checks need root and the user nobody"
fi

# A second system of the same name is refused; the first serves on.
"$minos" up "$work/system.json" >"$work/second.log" 2>&1
check "same name refused: exit 125" [ $? = 125 ]
check "same name refused: said" contains "$(cat "$work/second.log")" "a system is running already with the control socket"

# stop: the system ends, its socket goes.
check "stop" contains "$("$minos" stop ctl)" "ctl: stopping"
wait $up_pid
check "stopped: exit 0" [ $? = 0 ]
check "socket removed" [ ! -e "$sock" ]

# A stale socket (its system died) is replaced.
"$minos" up "$work/system.json" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 50); do [[ -S $sock ]] && break; sleep 0.1; done
for _ in $(seq 50); do pgrep -fx "sleep 987.654" >/dev/null && break; sleep 0.1; done
kill -9 $up_pid; wait $up_pid 2>/dev/null
check "stale socket left" [ -S "$sock" ]
# minos killed outright: its native cells die with it.
for _ in $(seq 30); do pgrep -fx "sleep 987.654" >/dev/null || break; sleep 0.1; done
check "no native cell outlives minos" bash -c '! pgrep -fx "sleep 987.654"' 
"$minos" up "$work/system.json" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 50); do "$minos" ps ctl >/dev/null 2>&1 && break; sleep 0.1; done
check "stale socket replaced" contains "$("$minos" ps ctl)" "writer#1"
"$minos" stop ctl >/dev/null
wait $up_pid

echo "control_test: $passed passed, $failed failed"
[ $failed = 0 ]
