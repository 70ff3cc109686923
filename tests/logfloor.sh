#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# minos up's log cannot be forged or flooded by cells (tests/logfloor.cmake).
#
#   logfloor.sh forge MINOS SPEC      stderr with CR, ESC, NUL and C1 bytes,
#                                     and a 100000-byte line
#   logfloor.sh flood MINOS SPEC [OPTIONS...]
#                                     one cell floods, one logs five lines,
#                                     one spends its volume limit
set -u
mode=$1 minos=$2 spec=$3
shift 3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
log=$scratch/log
fail() {
  echo "FAIL: $*"
  echo "--- the log (escaped by cat -v):"
  head -c 20000 "$log" | cat -v
  exit 1
}
timeout -k 5 60 "$minos" up --log "$log" "$@" "$spec" >"$scratch/out" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "minos up exited $status: $(cat "$scratch/out")"
# Every line of the log is one of minos's: a timestamp, a level, then a name.
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2} (error|warn|info|debug) [a-z0-9_#-]+: '
if grep -Evq "$stamp" "$log"; then fail "a line does not start as minos writes lines"; fi
if LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$log"; then
  fail "a control character reached the log"
fi
case "$mode" in
forge)
  lines=$(grep -c 'forger#1: stderr: ' "$log")
  [ "$lines" -eq 4 ] || fail "forger wrote 4 lines, the log has $lines"
  grep -q 'forger#1: stderr: \\x0d2026-01-01T00:00:00\.000000 minos: forged$' "$log" ||
    fail "the carriage return and forged line are not shown escaped"
  grep -q 'forger#1: stderr: \\x1b\[2J\\x1b\[Hcleared the screen$' "$log" ||
    fail "the escape sequences are not shown escaped"
  grep -q 'forger#1: stderr: nul\\x00byte$' "$log" || fail "the NUL is not shown escaped"
  grep -q 'forger#1: stderr: c1 \\xc2\\x9b control$' "$log" || fail "the C1 control is not escaped"
  if grep -q '^2026-01-01' "$log"; then fail "a forged line starts a line of the log"; fi
  # The long line: its first 4 KiB, then the marker; the next line whole.
  grep -Eq "longer#1: stdout: x{4096} … \[cut 95904 bytes\]$" "$log" ||
    fail "the 100000-byte line is not cut at 4 KiB with its marker"
  grep -q 'longer#1: stdout: after the long line$' "$log" || fail "the line after it is lost"
  ;;
flood)
  kept=$(grep -c 'flooder#1: stdout: flood line' "$log")
  [ "$kept" -eq 10 ] || fail "the flooder's burst is 10 lines at 1/h; the log has $kept"
  dropped=$(grep -o 'flooder: dropped [0-9]* lines' "$log" | awk '{s += $3} END {print s + 0}')
  [ "$dropped" -eq 199990 ] || fail "the drop events count $dropped lines, not 199990"
  reports=$(grep -c 'flooder: dropped' "$log")
  [ "$reports" -le 60 ] || fail "$reports drop events: more than one a second"
  for i in 1 2 3 4 5; do
    grep -q "neighbour#1: stderr: neighbour line $i\$" "$log" || fail "neighbour line $i is lost"
  done
  grep -q 'spender: reached its log volume limit (1024 bytes)' "$log" ||
    fail "no event for the spent volume limit"
  spent=$(grep 'spender#1: stdout: ' "$log" | sed 's/.*stdout: //' | tr -d '\n' | wc -c)
  [ "$spent" -le 1024 ] || fail "spender logged $spent bytes past its 1024"
  size=$(wc -c <"$log")
  [ "$size" -lt 200000 ] || fail "the log holds $size bytes"
  ;;
*) echo "logfloor.sh: unknown mode $mode"; exit 2 ;;
esac
echo "ok: $(wc -l <"$log") lines in the log"
