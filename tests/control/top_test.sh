#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# top_test.sh MINOS WASI_CAT: minos top in a real terminal (tmux), as an
# operator uses it, asserting on the captured screen: the header and the
# cell table at 80x24, 40x10, 20x5 and 200x60 and across resizes; more
# cells than rows (scrolling); selection that stays on its cell across
# refreshes and sorts; a cell's detail (code, limits, grants, channels
# with their fill, last fault, recent log); its log followed; kill (asked
# first: declined, accepted, and q there quits killing nothing); restart;
# help; the filter (as typed, matching nothing, dropped with Esc); q from
# every view; questions that do not stop the refresh; hostile output (a
# cell printing escape sequences, controls, wide characters) that never
# moves the cursor or widens a line; a system that stops while watched
# (marked, no spinning, found again when it comes back); and the plain
# table without a terminal, TERM dumb or unknown, bad options, a system
# that is not running, and top without SYSTEM for zero, one, two systems.
set -u
minos=$1 cat_module=$2
if ! command -v tmux >/dev/null; then
  echo "SKIP: tmux is not installed (Debian package tmux)"
  exit 77
fi
work=$(mktemp -d)
session=minos-top-$$
export TMUX_TMPDIR=$work
# Wide characters are measured in a UTF-8 locale (wc -L, tmux, top).
if locale -a 2>/dev/null | grep -qix 'c.utf-\?8'; then export LC_ALL=C.UTF-8; fi
trap 'end_top; tmux kill-server 2>/dev/null; kill $up_pid $other_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
# A session that outlives top's, so that the server never exits between
# them (a new session could race a server on its way out).
tmux new-session -d -s keeper "sleep 1000"
on_check_failure() { screen; }
screen() { tmux capture-pane -t $session -p; }
shows() { grep -q -- "$1" <<<"$(screen)"; }
# Waits up to 10 s (a loaded machine) for the screen to show a pattern.
await() {
  for _ in $(seq 100); do shows "$1" && return 0; sleep 0.1; done
  return 1
}
# Waits for the screen to stop showing a pattern.
await_not() {
  for _ in $(seq 100); do shows "$1" || return 0; sleep 0.1; done
  return 1
}
keys() { tmux send-keys -t $session "$@"; sleep 0.3; }
# The screen's widest line in columns (a wide character takes two).
widest() { screen | wc -L; }
fits() { [ "$(widest)" -le "$1" ] && [ "$(screen | wc -l)" -le "$2" ]; }
line_of() { screen | sed -n "${1}p"; }
# top in a fresh terminal of WIDTHxHEIGHT; "EXITED status" once it ends.
open_top() {
  local width=$1 height=$2
  shift 2
  end_top
  tmux kill-session -t $session 2>/dev/null
  tmux new-session -d -s $session -x "$width" -y "$height" \
    "MINOS_CONTROL_DIR=$work/run LC_ALL=${LC_ALL:-} TERM=${top_term:-xterm-256color} $minos top $*; echo EXITED \$?; sleep 60"
}
top_pid() { pgrep -x minos -P "$(tmux display -p -t $session '#{pane_pid}')"; }
# A top still running when its session goes is killed first: its
# terminal's hang-up would end it too, but a sanitizer build's leak check
# at that exit has been seen to spin for ever.
end_top() {
  local pid
  pid=$(top_pid 2>/dev/null) && [ -n "$pid" ] && kill -9 $pid 2>/dev/null
  return 0
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ps_of() { "$minos" ps topped 2>/dev/null; }

cp "$cat_module" "$work/cat.wasm"
# writer and reader as before; a crashing cell with a long name printing
# what could take a terminal over (clear screen, home, a title, BEL, a C1
# CSI, a right-to-left override, CR, backspace, tab, wide characters),
# and another long name that differs only at its end; and a ring of 24
# cat cells (more cells than an 80x24 screen has rows).
hostile='printf "evil \\033[2J\\033[H\\033]0;owned\\007 caf\\303\\251 \\344\\275\\240\\345\\245\\275\\344\\275\\240\\345\\245\\275\\344\\275\\240\\345\\245\\275\\344\\275\\240\\345\\245\\275\\344\\275\\240\\345\\245\\275\\344\\275\\240\\345\\245\\275 \\302\\233 31m \\342\\200\\256 rtl \\r end\\n"; printf "x\\ty\\bz\\n" >&2; exit 3'
{
  echo '{"name": "topped", "grace": "300ms", "on_give_up": "continue", "cells": {'
  echo ' "writer": {"code": "/bin/sleep", "args": ["sleep", "876.5"], "restart": {"policy": "always"}},'
  echo ' "reader": {"code": "cat.wasm", "restart": {"policy": "always"}, "stdio": {"stdout": "log"}},'
  printf ' "crashing-with-a-very-long-name-a": {"code": "/bin/sh", "args": ["sh", "-c", %s],' \
    "$(printf '%s' "$hostile" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')"
  echo '   "stdio": {"stdout": "log", "stderr": "log"},'
  echo '   "restart": {"policy": "always", "max_restarts": 100000, "backoff": "200ms", "backoff_max": "1s"}},'
  echo ' "crashing-with-a-very-long-name-b": {"code": "/bin/sleep", "args": ["sleep", "877"],'
  echo '   "grants": {"connect": ["tcp:127.0.0.1:6379"], "clock": true}, "limits": {"memory": "32M"}},'
  for i in $(seq -w 0 23); do echo " \"ring$i\": {\"code\": \"cat.wasm\"},"; done | sed '$ s/,$//'
  echo '}, "channels": [{"name": "feed", "from": "writer.stdout", "to": "reader.stdin"}'
  for i in $(seq 0 23); do
    printf ', {"from": "ring%02d.stdout", "to": "ring%02d.stdin"}' "$i" $(((i + 1) % 24))
  done
  echo ']}'
} >"$work/system.json"
export MINOS_CONTROL_DIR=$work/run
start_system() {
  "$minos" up "$work/system.json" >>"$work/up.log" 2>&1 &
  up_pid=$!
  for _ in $(seq 100); do ps_of | grep -q "^topped *writer#1 .*running" && return 0; sleep 0.1; done
  echo "the system did not start:"
  cat "$work/up.log"
  return 1
}
start_system || exit 1

# ---- no terminal: the plain table ----------------------------------------
plain=$("$minos" top topped </dev/null | cat)
check "plain header" grep -q "^topped  up .*cells 28" <<<"$plain"
check "plain row" grep -q "^writer#1 *native *running" <<<"$plain"
check "plain: whole long names" grep -q "^crashing-with-a-very-long-name-b#1 " <<<"$plain"
check "plain: TERM=dumb" bash -c "TERM=dumb '$minos' top topped </dev/null | grep -q '^topped  up'"
check "plain: -n twice" bash -c "[ \$('$minos' top -n 2 --delay 0.2 topped | grep -c '^topped  up') = 2 ]"
timeout 20 "$minos" top -n 1000 -d 0.1 topped | head -1 >/dev/null
check "plain: ends when no one reads" test "${PIPESTATUS[0]}" = 0
"$minos" top -d 0 topped >/dev/null 2>"$work/err"
check "-d 0 refused" test $? = 2
check "-d 0 says why" grep -q "seconds between refreshes" "$work/err"
"$minos" top -d abc topped >/dev/null 2>&1
check "-d abc refused" test $? = 2
"$minos" top nosuch >/dev/null 2>"$work/err"
check "no such system: exit 125" test $? = 125
check "no such system: says so" grep -q "no system nosuch is running" "$work/err"
check "no SYSTEM, one running: that one" bash -c "'$minos' top --plain | grep -q '^topped  up'"
MINOS_CONTROL_DIR=$work/none "$minos" top --plain >/dev/null 2>"$work/err"
check "no SYSTEM, none running: exit 125" test $? = 125
check "no SYSTEM, none running: says so" grep -q "no system is running" "$work/err"

# ---- sorting keeps the selected row's cell, even before any pick ---------
open_top 200 40 -d 0.5 topped
check "wide view" await "^CELL"
first=$(tmux capture-pane -t $session -p | sed -n 4p | cut -d' ' -f1)
keys s
check "sort: memory, from the start" await "^sort: memory"
sleep 1
# By memory the native cells come first; the one lit by CPU stays lit.
check "sorting moved $first down" bash -c "tmux capture-pane -t $session -p | sed -n 4p | grep -v -q '^${first%#*}[# ]'"
keys Enter
# The same cell, whichever instance of it runs by now (one crashes and
# comes back every second).
check "sorting kept $first selected" await "^${first%#*}\(#[0-9]*\)\? ("

# ---- the table at 80x24 ---------------------------------------------------
open_top 80 24 -d 0.5 topped
check "header" await "^topped  up .* cells 28  restarts [0-9]*  faults [0-9]*  CPU [0-9.]*%  mem"
check "columns" shows "^CELL *ARCH *STATE *PID *UPTIME *RST *CPU% *MEM *FDS *IO/s"
check "rows" bash -c "grep -q '^reader#1 *wasm *running' <<<\"\$(tmux capture-pane -t $session -p)\""
check "fits 80x24" fits 79 24
check "more cells than rows: where" await "rows 1-20 of 28"
check "long names told apart" bash -c "tmux capture-pane -t $session -p | grep -q '^crashi~ame-b#1 ' && tmux capture-pane -t $session -p | grep -q '^crashi~.*-a'"
keys End
check "End: the last rows" await "rows 9-28 of 28"
check "End: ring23 shown" shows "^ring23#1 "
keys Home
check "Home: the first rows" await "rows 1-20 of 28"

# A question on the status line leaves the view refreshing.
keys k
check "kill asks first" await "^kill .*? (y/n)"
header=$(line_of 1)
check "refreshes while asking" await_not "^$header\$"
check "still asking" shows "(y/n)"
keys Escape
check "Esc: not killed" await "not killed"

# The filter applies as it is typed; Esc drops it; nothing matching says so.
keys / w r i
check "filter prompt" await "filter: wri_"
check "filtered as typed" await_not "^reader#1"
check "filtered: writer" shows "^writer#1"
header=$(line_of 1)
check "refreshes while filtering" await_not "^$header\$"
keys Escape
check "Esc drops the filter" await "^reader#1"
keys / z z z Enter
check "no match said" await "no cell matches \"zzz\""
keys Escape
check "Esc clears the filter" await "^reader#1"

# The selection stays on its cell across refreshes and sorts.
keys / w r i t e r Enter Escape
keys s
check "sort: memory" await "^sort: memory"
keys s
check "sort: restarts" await "^sort: restarts"
keys s
check "sort: name" await "^sort: name"
check "sorted by name" bash -c "tmux capture-pane -t $session -p | grep -A1 '^ring23#1 ' | grep -q '^writer#1 '"
sleep 1
keys Enter
check "selection kept: writer's detail" await "^writer#1 (native, running)"
check "detail: code" shows "^code: /bin/sleep"
check "detail: channel with its fill" shows "feed *writer.stdout -> reader.stdin *[0-9]*% full *[0-9.]*[BKM]/s"
check "detail: limits" shows "^limits: memory"
check "detail: recent log" await "writer#1: started"
keys Escape
keys s
check "sort: cpu again" await "^sort: cpu"

# Kill, declined then done, and restart.
keys k
check "kill asks about writer" await "kill writer's instance writer#1? (y/n)"
keys n
check "kill declined" await "not killed"
check "still writer#1" bash -c "'$minos' ps topped | grep -q '^topped *writer#1 '"
keys k y
check "killed" await "writer: killed"
check "restarted by its policy" await "^writer#2 *native *running"
keys r
check "restart" await "writer: restarting"
check "restarted" await "^writer#3 *native *running"

# The other long name's detail: its grants and limits.
keys / n a m e - b Enter Enter
check "detail of a long name" await "^crashing-with-a-very-long-name-b#1 (native, running)"
check "detail: grants" shows "^grants: connect tcp:127.0.0.1:6379 clock"
check "detail: limits" shows "^limits: memory 32.0M"
check "detail: no channels" shows "^channels: none"
keys Escape Escape

# Hostile output: shown escaped, the screen intact, no line too wide.
keys / n a m e - a Enter Enter
check "hostile cell's detail" await "^crashing-with-a-very-long-name-a\(#[0-9]*\)\? (native"
check "its log, escaped" await 'stdout: evil \\x1b\[2J\\x1b\[H'
check "its last fault" await "^last fault: exited with status 3"
check "screen intact: title first" bash -c "tmux capture-pane -t $session -p | head -1 | grep -q '^crashing-with-a-very-long-name-a'"
check "hostile: fits 80 columns" fits 79 24
keys l
check "log followed" await "^log of crashing-with-a-very-long-name-a (following)"
check "followed log escaped" await 'stderr: x\\x09y\\x08z'
check "followed log fits" fits 79 24
# At 120 columns the line is cut among its wide characters: by columns.
tmux resize-window -t $session -x 120 -y 40
check "120 columns: cut among wide characters" await "好你好"
check "120 columns: fits" fits 119 40
tmux resize-window -t $session -x 200 -y 60
check "wide: the whole escaped line" await 'evil \\x1b\[2J\\x1b\[H\\x1b]0;owned\\x07 café 你好.*\\xc2\\x9b 31m \\xe2\\x80\\xae rtl \\x0d end'
check "wide: fits" fits 199 60
tmux resize-window -t $session -x 80 -y 24
keys q
check "q quits the log view" await "^EXITED 0"

# q quits from the detail, the help and the kill question (killing nothing).
open_top 80 24 topped
await "^topped  up" >/dev/null
keys Enter
await "Esc: back" >/dev/null
keys q
check "q quits the detail" await "^EXITED 0"
open_top 80 24 topped
await "^topped  up" >/dev/null
keys '?'
check "help" await "^minos top: keys"
keys x
check "any key leaves the help" await "^CELL"
keys '?'
await "^minos top: keys" >/dev/null
keys q
check "q quits the help" await "^EXITED 0"
open_top 80 24 topped
await "^topped  up" >/dev/null
keys / r e a d e r Enter
keys k
check "kill asks about reader" await "kill reader's instance reader#1? (y/n)"
keys q
check "q at the question quits" await "^EXITED 0"
check "q at the question kills nothing" bash -c "'$minos' ps topped | grep -q '^topped *reader#1 '"

# Sizes and resizes.
open_top 40 10 -d 0.5 topped
check "40x10: header" await "^topped  up"
check "40x10: the main columns" shows "^CELL *STATE *CPU%"
check "40x10: fits" fits 39 10
tmux resize-window -t $session -x 20 -y 5
check "20x5: header" await "^topped  up"
check "20x5: fits" fits 19 5
tmux resize-window -t $session -x 200 -y 60
check "200x60: every column" await "^CELL *ARCH *STATE *PID *UPTIME *RST *CPU% *MEM *FDS *IO/s"
check "200x60: whole names" shows "^crashing-with-a-very-long-name-b#1 "
check "200x60: every cell" shows "^ring23#1 "
tmux resize-window -t $session -x 80 -y 24
check "80x24 again" await "rows 1-20 of 28"
check "80x24 again: fits" fits 79 24
pid=$(top_pid)
before=$(cpu_ticks "$pid")
sleep 3
after=$(cpu_ticks "$pid")
check "watching: top idles (CPU ticks $before -> $after)" test $((after - before)) -lt 60

# A system that does not answer (stopped by SIGSTOP) is marked so, and
# found again when it goes on.
kill -STOP $up_pid
check "hung: marked" await "^topped \[not answering\]"
check "hung: said" shows "topped does not answer"
kill -CONT $up_pid
check "hung: found again" await "^topped  up"

# The system stops while watched: marked, kept, not spinning, found again.
"$minos" stop topped >/dev/null
wait $up_pid
check "stopped: header" await "^topped \[stopped\]"
check "stopped: said" shows "topped has stopped"
pid=$(top_pid)
before=$(cpu_ticks "$pid")
sleep 3
after=$(cpu_ticks "$pid")
check "stopped: top idles (CPU ticks $before -> $after)" test $((after - before)) -lt 60
check "stopped: top still runs" kill -0 "$pid"
start_system
check "found again" await "connected again"
check "found again: header" await "^topped  up .* cells 28"
tmux send-keys -t $session C-c
check "Ctrl-C quits" await "^EXITED 0"

# TERM unknown to curses: the table instead, and why.
top_term=unknown-xyz open_top 80 40 topped
check "TERM unknown: says why" await "TERM=unknown-xyz is unknown"
check "TERM unknown: the table" shows "^topped  up"
check "TERM unknown: the table fits the terminal" fits 79 40
check "TERM unknown: exits" await "^EXITED 0"

# Two systems running: top without SYSTEM names them.
cat >"$work/other.json" <<'JSON'
{"name": "other", "cells": {"idle": {"code": "/bin/sleep", "args": ["sleep", "878"]}}}
JSON
"$minos" up "$work/other.json" >"$work/other.log" 2>&1 &
other_pid=$!
for _ in $(seq 100); do "$minos" ps other >/dev/null 2>&1 && break; sleep 0.1; done
"$minos" top --plain >/dev/null 2>"$work/err"
check "no SYSTEM, two running: exit 125" test $? = 125
check "no SYSTEM, two running: named" grep -q "2 systems are running (other, topped)" "$work/err"
"$minos" stop other >/dev/null
wait $other_pid

check "system untouched" kill -0 $up_pid
"$minos" stop topped >/dev/null
wait $up_pid
echo "top_test: $passed passed, $failed failed"
[ $failed = 0 ]
