#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# top_test.sh MINOS WASI_CAT: minos top in a real terminal (tmux, 80x24):
# the header and the cell table, selection, a cell's detail, its log
# followed, kill (asked first, then done), restart, help, filter, sort, a
# resize, quitting; and plain output without a terminal.
set -u
minos=$1 cat_module=$2
if ! command -v tmux >/dev/null; then
  echo "SKIP: tmux is not installed (Debian package tmux)"
  exit 77
fi
work=$(mktemp -d)
session=minos-top-$$
export TMUX_TMPDIR=$work
trap 'tmux kill-session -t $session 2>/dev/null; kill $up_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
on_check_failure() { screen; }
screen() { tmux capture-pane -t $session -p; }
shows() { grep -q -- "$1" <<<"$(screen)"; }
# Waits up to 5 s for the screen to show a pattern.
await() {
  for _ in $(seq 50); do shows "$1" && return 0; sleep 0.1; done
  return 1
}
keys() { tmux send-keys -t $session "$@"; sleep 0.3; }

cp "$cat_module" "$work/cat.wasm"
cat >"$work/system.json" <<'JSON'
{
  "name": "topped",
  "grace": "300ms",
  "cells": {
    "writer": {"code": "/bin/sleep", "args": ["sleep", "876.5"], "restart": {"policy": "always"}},
    "reader": {"code": "cat.wasm", "restart": {"policy": "always"}, "stdio": {"stdout": "log"}}
  },
  "channels": [{"from": "writer.stdout", "to": "reader.stdin"}]
}
JSON
export MINOS_CONTROL_DIR=$work/run
"$minos" up "$work/system.json" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 50); do "$minos" ps topped >/dev/null 2>&1 && break; sleep 0.1; done

# Plain output when there is no terminal.
plain=$("$minos" top topped </dev/null | cat)
check "plain header" grep -q "^topped  up .*cells 2" <<<"$plain"
check "plain row" grep -q "^writer#1 *native *running" <<<"$plain"

tmux new-session -d -s $session -x 80 -y 24 \
  "MINOS_CONTROL_DIR=$work/run TERM=xterm-256color $minos top -d 0.5 topped; sleep 30"
check "header" await "^topped  up .* cells 2  restarts 0  faults 0  CPU"
check "columns" shows "^CELL *ARCH *STATE *PID *UPTIME *RST *CPU% *MEM *FDS *IO/s"
check "rows" bash -c "grep -q '^reader#1 *wasm *running' <<<\"\$(tmux capture-pane -t $session -p)\" && grep -q '^writer#1 *native *running *[0-9]' <<<\"\$(tmux capture-pane -t $session -p)\""
check "fits 80x24" bash -c "[ \$(tmux capture-pane -t $session -p | wc -l) -le 24 ] && ! tmux capture-pane -t $session -p | grep -q '.\{81\}'"

keys j; keys Enter
check "detail" await "^writer#1 (native, running)"
check "detail: code and channels" bash -c "tmux capture-pane -t $session -p | grep -q '^code: /bin/sleep' && tmux capture-pane -t $session -p | grep -q 'writer.stdout -> reader.stdin *[0-9]*% full'"
check "detail: recent log" await "writer#1: started"
keys Escape; keys l
check "log followed" await "^log of writer (following)"
keys Escape
check "back to the table" await "^CELL *ARCH"
keys k
check "kill asks first" await "kill writer's instance writer#1? (y/n)"
keys n
check "kill declined" await "not killed"
check "still writer#1" shows "^writer#1"
keys k; keys y
check "killed" await "writer: killed"
check "restarted by its policy" await "^writer#2 *native *running"
keys r
check "restart" await "writer: restarting"
check "restarted" await "^writer#3 *native *running"
keys '?'
check "help" await "^minos top: keys"
keys Escape
keys / r e a Enter
check "filter" await "filter: rea"
check "filtered" bash -c "! tmux capture-pane -t $session -p | grep -q '^writer#'"
keys /; keys Enter
keys s
check "sort" await "sort: memory"
tmux resize-window -t $session -x 100 -y 30
sleep 1
check "resized" bash -c "tmux capture-pane -t $session -p | grep -q '^topped  up' && [ \$(tmux capture-pane -t $session -p | wc -l) -eq 30 ]"
keys q
sleep 0.5
check "quit" bash -c "! tmux capture-pane -t $session -p | grep -q '^CELL'"
check "system untouched" kill -0 $up_pid
"$minos" stop topped >/dev/null
wait $up_pid
echo "top_test: $passed passed, $failed failed"
[ $failed = 0 ]
