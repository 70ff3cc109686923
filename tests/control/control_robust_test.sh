#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# control_robust_test.sh MINOS CONTROL_CLIENT WASI_CAT: what an operator's
# clients and hostile ones do to a running system's control socket, and
# what `minos ps`, `logs`, `kill`, `restart` and `stop` say about it:
#  - raw requests: NUL bytes, a request name with a NUL escape, flags of
#    the wrong type, a last request without its newline (answered);
#  - half a request line for ever (slowloris): told so and closed after
#    10 s, so that clients holding every slot free them;
#  - an upgrade compiling its new code does not hold up other clients;
#  - minos logs -f gets the system's last lines, then exits 0; logs of an
#    unknown cell is an error; logs, kill of an instance's name (NAME#N);
#  - a system's name with '/' cannot put its socket outside its directory;
#  - minos ps without SYSTEM skips a stale socket, and --json is one JSON
#    text (no system, one, two with names needing escapes);
#  - stop waits for the system's end; twice, the second stays graceful.
set -u
minos=$1 client=$2 cat_module=$3
work=$(mktemp -d)
chmod 755 "$work"
up_pids=()
trap 'for p in "${up_pids[@]}"; do kill -9 $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
export MINOS_CONTROL_DIR=$work/run
on_check_failure() { tail -n 5 "$work"/*.log; }

# json_ok: whether stdin is one JSON text.
if command -v python3 >/dev/null; then
  json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)' 2>/dev/null; }
elif command -v jq >/dev/null; then
  json_ok() { jq -e . >/dev/null 2>&1; }
else
  json_ok() { echo "SKIP: no JSON validator (python3, jq)"; cat >/dev/null; }
fi

# up NAME SPEC: starts a system, waits until it answers.
up() {
  "$minos" up "$work/$2" >"$work/$1.log" 2>&1 &
  up_pids+=($!)
  last_up=$!
  for _ in $(seq 100); do "$minos" ps "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "FAIL: system $1 did not start"; cat "$work/$1.log"
  return 1
}

cp "$cat_module" "$work/cat.wasm"
cat >"$work/rob.json" <<'JSON'
{
  "name": "rob",
  "grace": "2s",
  "cells": {
    "writer": {"code": "/bin/sleep", "args": ["sleep", "986.5"], "restart": {"policy": "always"}},
    "reader": {"code": "cat.wasm", "restart": {"policy": "always"}, "stdio": {"stdout": "log"}}
  },
  "channels": [{"from": "writer.stdout", "to": "reader.stdin"}]
}
JSON
up rob rob.json || exit 1
rob_pid=$last_up
sock=$work/run/rob.sock

# ---- raw requests -----------------------------------------------------------
out=$(printf '{"request":"li\0st"}\n{"request":"list\\u0000x"}\n{"request":"logs","follow":"yes"}\n{"request":"list","rows":1}\n{"request":"inspect","cell":"writer"}' |
  "$client" "$sock" --raw)
check "raw: NUL byte refused" contains "$out" '"error":"malformed request'
check "raw: NUL in the request's name refused" \
  [ "$(grep -c 'a request is a JSON object with a \\"request\\" string' <<<"$out")" = 1 ]
check "raw: follow not a boolean" contains "$out" '"error":"\\"follow\\" must be true or false"'
check "raw: rows not a boolean" contains "$out" '"error":"\\"rows\\" must be true or false"'
check "raw: last request without newline answered" contains "$out" '^{"ok":true,"cell":{"name":"writer"'
check "raw: then closed" contains "$out" '^<closed>$'

# ---- half a line for ever ---------------------------------------------------
"$client" "$sock" --hold 128 12 >"$work/hold.out" &
holding=$!
sleep 1.5
"$minos" ps rob >"$work/out" 2>&1
check "every slot held: refused" contains "$(cat "$work/out")" "too many control clients at once"
wait $holding
check "half lines: each told and closed" [ "$(cat "$work/hold.out")" = "closed 128" ]
check "slots free again" contains "$("$minos" ps rob 2>&1)" "writer#1"

# ---- an upgrade compiling does not hold other clients up ----------------------
# A module nobody compiled yet: the cat, with a custom section of its own.
cp "$work/cat.wasm" "$work/cat2.wasm"
tag=$(printf "%08d" $(((RANDOM * 32768 + RANDOM + $$) % 100000000)))
{ printf '\000\011\010'; printf '%s' "$tag"; } >>"$work/cat2.wasm"
"$minos" upgrade rob reader "$work/cat2.wasm" >"$work/upgrade.out" 2>&1 &
upgrading=$!
sleep 0.2
"$minos" ps rob >"$work/out" 2>&1
check "ps during an upgrade's compile" contains "$(cat "$work/out")" "reader#"
check "ps answered before the upgrade" kill -0 $upgrading
wait $upgrading
check "upgrade done" contains "$(cat "$work/upgrade.out")" "now runs $work/cat2.wasm"

# ---- logs, kill by an instance's name -------------------------------------------
"$minos" logs rob nosuch >"$work/out" 2>&1
check "logs of an unknown cell: exit 125" [ $? = 125 ]
check "logs of an unknown cell: said" contains "$(cat "$work/out")" 'no cell named "nosuch" in system rob'
check "logs of an instance" contains "$("$minos" logs rob 'writer#1')" "writer#1: started"
check "kill writer#1" contains "$("$minos" kill rob 'writer#1')" "rob: killed"
for _ in $(seq 30); do "$minos" ps rob | grep -q "writer#2 .*running" && break; sleep 0.1; done
"$minos" kill rob 'writer#1' >"$work/out" 2>&1
check "kill of an ended instance: exit 125" [ $? = 125 ]
check "kill of an ended instance: said" contains "$(cat "$work/out")" "writer#1 is not running (it ended; writer#2 runs now)"
"$minos" restart rob 'writer#x' >"$work/out" 2>&1
check "restart of no instance: exit 125" [ $? = 125 ]

# ---- subscribers that never read -------------------------------------------------
stalled=()
for _ in 1 2 3 4; do
  "$client" "$sock" --stall 4 '{"request":"subscribe"}' >/dev/null &
  stalled+=($!)
done
sleep 0.5
for _ in 1 2 3; do "$minos" restart rob reader >/dev/null; sleep 0.2; done
check "ps beside subscribers that never read" contains "$("$minos" ps rob 2>&1)" "reader#"
wait "${stalled[@]}"

# ---- the recent log, bigger in JSON than a client's limit ----------------------------
# 300 lines of 4096 control characters: the ring keeps 4 MiB of their
# text form (\x01 each), more than 4 MiB once escaped in JSON.
cat >"$work/esc.json" <<'JSON'
{"name": "esc", "grace": "300ms",
 "log_limits": {"rate": "100000/s", "burst": 100000, "max_line": "64K"},
 "cells": {
   "e": {"code": "/bin/sh", "restart": {"policy": "never"}, "stdio": {"stdout": "log"},
         "args": ["sh", "-c", "s=$(printf '\\001'); for i in 1 2 3 4 5 6 7 8 9 10 11 12; do s=$s$s; done; i=0; while [ $i -lt 300 ]; do printf '%s\\n' \"$s\"; i=$((i+1)); done; while read x; do :; done"]},
   "z": {"code": "/bin/sleep", "args": ["sleep", "986.7"], "restart": {"policy": "never"}}},
 "channels": [{"from": "z.stdout", "to": "e.stdin"}]}
JSON
up esc esc.json || exit 1
esc_pid=$last_up
for _ in $(seq 100); do [ "$(grep -c 'e#1: stdout: ' "$work/esc.log")" -ge 300 ] && break; sleep 0.1; done
"$minos" logs -n 1000 esc >"$work/esc.out" 2>&1
check "logs past 4 MiB of JSON: exit 0" [ $? = 0 ]
check "logs past 4 MiB of JSON: every line kept" [ "$(grep -c 'e#1: stdout: \\x01' "$work/esc.out")" -ge 200 ]
"$minos" stop esc >/dev/null
wait $esc_pid

# ---- a name with '/' ----------------------------------------------------------
sed 's/"name": "rob"/"name": "..\/escaped"/' "$work/rob.json" >"$work/escaped.json"
"$minos" up "$work/escaped.json" >"$work/escaped.log" 2>&1
check "name with '/': exit 125" [ $? = 125 ]
check "name with '/': said" contains "$(cat "$work/escaped.log")" "cannot name its control socket"
check "name with '/': no socket outside" [ ! -e "$work/escaped.sock" ]

# ---- a socket directory that is not the user's own ------------------------------
mkdir -m 777 "$work/open"
MINOS_CONTROL_DIR=$work/open "$minos" up "$work/rob.json" >"$work/open.log" 2>&1
check "world-writable directory: up refused" [ $? = 125 ]
check "world-writable directory: said" contains "$(cat "$work/open.log")" "is not a private directory"
MINOS_CONTROL_DIR=$work/open "$minos" ps >"$work/out" 2>&1
check "world-writable directory: ps refused" [ $? = 125 ]
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  mkdir -m 700 "$work/theirs" && chown nobody "$work/theirs"
  MINOS_CONTROL_DIR=$work/theirs "$minos" up "$work/rob.json" >"$work/theirs.log" 2>&1
  check "someone else's directory: up refused" [ $? = 125 ]
  check "someone else's directory: no socket" [ -z "$(ls -A "$work/theirs")" ]
fi

# ---- ps of every system -------------------------------------------------------
sed 's/"name": "rob"/"name": "we\\"ird \\\\ name"/; s/986.5/986.6/' "$work/rob.json" >"$work/weird.json"
up 'we"ird \ name' weird.json || exit 1
weird_pid=$last_up
"$minos" ps --json >"$work/all.json"
check "ps --json, two systems: one JSON text" json_ok <"$work/all.json"
check "ps --json, two systems: both" [ "$(grep -c '"ok":true' "$work/all.json")" = 2 ]
check "ps --json, escaped name" contains "$(cat "$work/all.json")" '"system":"we\\"ird \\\\ name"'
kill -9 $weird_pid
wait $weird_pid 2>/dev/null
check "stale socket left" [ -S "$work/run/we\"ird \\ name.sock" ]
"$minos" ps >"$work/out" 2>&1
check "ps skips a stale socket: exit 0" [ $? = 0 ]
check "ps skips a stale socket: no error" bash -c "! grep -q 'no system' '$work/out'"
check "ps skips a stale socket: the live one" contains "$(cat "$work/out")" "^rob "
"$minos" ps --json >"$work/all.json"
check "ps --json, a stale socket: one JSON text" json_ok <"$work/all.json"
MINOS_CONTROL_DIR=$work/none "$minos" ps --json >"$work/none.json"
check "ps --json, no system: exit 0" [ $? = 0 ]
check "ps --json, no system: one JSON text" json_ok <"$work/none.json"

# ---- stop twice; logs -f to the end ---------------------------------------------
"$minos" logs -f -n 0 rob >"$work/follow" 2>&1 &
following=$!
sleep 0.3
"$minos" stop rob >"$work/stop.out" 2>&1 &
stopping=$!
sleep 0.3
# (the writer, a sleep, ignores its input's end: killed after its grace, 2 s)
check "stop again: graceful still" contains "$("$minos" stop rob 2>&1)" "rob: already stopping"
wait $stopping
check "stop: exit 0" [ $? = 0 ]
check "stop: waits for the end" contains "$(cat "$work/stop.out")" "rob: stopped"
check "stop: ended when it returns" [ ! -e "$sock" ]
wait $rob_pid
check "stop: minos up exits 0" [ $? = 0 ]
wait $following
check "logs -f: exit 0 at the end" [ $? = 0 ]
check "logs -f: the system's last line" contains "$(tail -1 "$work/follow")" "system rob ended"
check "logs -f: the stop's lines" contains "$(cat "$work/follow")" "writer#2: .*killed"

echo "control_robust_test: $passed passed, $failed failed"
[ $failed = 0 ]
