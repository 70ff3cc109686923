#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The log as tools read it (tests/logtools.cmake):
#
#   logtools.sh format MINOS GUESTS   text: an RFC 3339 time with its zone and a
#                                     level on every line; json: one valid object
#                                     a line (python3's json), hostile output of
#                                     every byte read back exactly as written;
#                                     a system that never starts (a broken spec,
#                                     a bad option) says why in the same form
#   logtools.sh order MINOS CODE      a cell's output lines, its last one without
#                                     a newline too, come before its end and its
#                                     successor's start, over many instances
#                                     that exit or trap at once; and a trigger's
#   logtools.sh busy MINOS CODE TRAPS TCP_CLIENT
#                                     a trigger past 100 routine lines a second
#                                     (instances started, exited 0) logs the rest
#                                     at debug level and says how many each second;
#                                     -v shows them all; past 100 failures a second
#                                     the rest are counted, not logged one by one
#   logtools.sh rotate MINOS GUESTS FORMAT
#                                     SIGHUP opens --log FILE again (logrotate's
#                                     rename, then HUP): no line lost or torn, the
#                                     system runs on, a quiet one too (the new
#                                     file at once); without --log it is ignored;
#                                     minos logs shows the text form
set -u
mode=$1 minos=$2
shift 2
work=$(mktemp -d)
up_pid=
trap '[ -n "$up_pid" ] && kill $up_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/control/common.sh"
export MINOS_CONTROL_DIR=${MINOS_CONTROL_DIR:-$work/run}
stamp='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}'
text_line="^$stamp (error|warn|info|debug) [a-z0-9_#/-]+: "
shown=$work/shown

on_check_failure() {
  echo "--- $shown (escaped by cat -v):"
  head -c 6000 "$shown" | cat -v
}

# Every line of FILE as minos writes its text form.
all_text_lines() { ! grep -Evq "$text_line" "$1"; }
no_control_bytes() { ! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1"; }

# ---- format --------------------------------------------------------------

# json_check FILE: every line one valid JSON object of the log's keys,
# and the hostile cells' lines decoded back to what they wrote.
json_check() {
  python3 - "$1" <<'PY'
import json, re, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.endswith(b'\n'), 'the last line is not whole'
stamp = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$')
unsafe = re.compile('[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]')
said = {}
for number, line in enumerate(raw.split(b'\n')[:-1], 1):
    text = line.decode('utf-8')  # strict: not UTF-8 raises
    assert not unsafe.search(text), f'line {number}: a raw control character'
    record = json.loads(text)
    assert isinstance(record, dict), f'line {number}: not an object'
    assert set(record) <= {'time', 'level', 'cell', 'stream', 'message'}, record
    assert stamp.match(record['time']), record
    assert record['level'] in ('error', 'warn', 'info', 'debug'), record
    assert record.get('stream') in (None, 'stdout', 'stderr'), record
    said.setdefault((record.get('cell'), record.get('stream')), []).append(record['message'])
every = ''.join(chr(b) for b in range(0x80) if b != 10) + \
        ''.join('\\x%02x' % b for b in range(0x80, 0x100))
expected = {
    ('writer#1', 'stdout'): [every, 'nel \x85 rlo \u202e ls \u2028 end',
                             'bad \\xff \\xc0\\xaf \\xed\\xa0\\x80 \\xe2\\x82 end',
                             'quote " backslash \\ \\x41 end', 'no newline'],
    ('forger#1', 'stderr'): ['\r2026-01-01T00:00:00.000000 minos: forged',
                             '\x1b[2J\x1b[Hcleared the screen', 'nul\x00byte', 'c1 \x9b control'],
}
for key, lines in expected.items():
    assert said.get(key) == lines, f'{key}: {said.get(key)!r}'
assert said[('longer#1', 'stdout')][0].endswith('x \u2026 [cut 95904 bytes]')
ends = said[('writer#1', None)]
assert ends[0] == 'started' and ends[-1].startswith('exited with status 0'), ends
print(f'{number} JSON lines')
PY
}

format_test() {
  local guests=$1
  cat >"$work/hostile.json" <<JSON
{
  "name": "hostile",
  "cells": {
    "forger": {"code": "$guests/logfloor_writer.wasm", "args": ["w", "forge"],
               "restart": {"policy": "never"}},
    "longer": {"code": "$guests/logfloor_writer.wasm", "args": ["w", "long", "100000"],
               "restart": {"policy": "never"}},
    "writer": {"code": "$guests/logfloor_writer.wasm", "args": ["w", "every"],
               "restart": {"policy": "never"}}
  }
}
JSON
  # Text: local time with its offset, whatever the zone (POSIX TZ rules
  # need no zone files: IST-5:30 is UTC+05:30).
  shown=$work/text.log
  TZ=IST-5:30 "$minos" up --log "$shown" "$work/hostile.json" >"$work/out" 2>&1
  check "text: exit 0" [ $? = 0 ]
  check "text: time, level, name on every line" all_text_lines "$shown"
  check "text: the zone's offset" grep -Eq "^[0-9-]{10}T[0-9:.]{15}\+05:30 info minos: system hostile" "$shown"
  check "text: no control byte" no_control_bytes "$shown"
  check "text: levels" grep -q " info writer#1: stdout: no newline$" "$shown"
  check "text: a forged line stays inside one" grep -q ' info forger#1: stderr: \\x0d2026-01-01T00:00:00\.000000 minos: forged$' "$shown"
  check "text: not UTF-8, escaped" grep -q 'writer#1: stdout: bad \\xff \\xc0\\xaf \\xed\\xa0\\x80 \\xe2\\x82 end$' "$shown"
  check "text: display controls, escaped" grep -q 'writer#1: stdout: nel \\xc2\\x85 rlo \\xe2\\x80\\xae ls \\xe2\\x80\\xa8 end$' "$shown"
  check "text: every line one line" [ "$(grep -c 'writer#1: stdout: ' "$shown")" = 5 ]
  TZ=NST+3:30 "$minos" up --log "$work/west.log" "$work/hostile.json" >/dev/null 2>&1
  check "text: a zone west of UTC" grep -Eq "^[0-9-]{10}T[0-9:.]{15}-03:30 " "$work/west.log"
  # Standard error, a terminal or not, carries the same form.
  "$minos" up "$work/hostile.json" >/dev/null 2>"$work/stderr.log"
  shown=$work/stderr.log
  check "text on stderr" all_text_lines "$shown"

  shown=$work/json.log
  "$minos" up --log-format json --log "$shown" "$work/hostile.json" >"$work/out" 2>&1
  check "json: exit 0" [ $? = 0 ]
  check "json: every line valid, hostile output read back" json_check "$shown"
  "$minos" up --log-format json "$work/hostile.json" >/dev/null 2>"$work/stderr.json"
  shown=$work/stderr.json
  check "json on stderr" json_check "$shown"
  # A system that never starts says why in its log's form too: every line
  # with its time and level, JSON where asked (a shipper reads them all).
  echo '{"name": "broken", "cells": {"Bad": {}}}' >"$work/broken.json"
  "$minos" up "$work/broken.json" >/dev/null 2>"$work/broken.log"
  check "a broken spec: exit 2" [ $? = 2 ]
  check "a broken spec: text lines" all_text_lines "$work/broken.log"
  check "a broken spec: each problem said" grep -q 'error minos: .*broken.json:1:[0-9]*: cells.Bad: "Bad" is not a valid cell name' "$work/broken.log"
  for trouble in "$work/broken.json" "--metrics nowhere $work/hostile.json" "$work/missing.json"; do
    # shellcheck disable=SC2086 # the options are words
    "$minos" up --log-format json $trouble >/dev/null 2>"$work/broken.json.log"
    check "up $trouble: JSON lines, level error" python3 -c '
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"" and len(lines) > 1, lines
for line in lines[:-1]:
    record = json.loads(line)
    assert record["level"] == "error" and record["time"] and record["message"], record' "$work/broken.json.log"
  done
  "$minos" up --log-format yaml "$work/hostile.json" >"$work/out" 2>&1
  check "an unknown format: exit 2" [ $? = 2 ]
  check "an unknown format: said" grep -q "^minos: up: --log-format yaml: the formats are text and json" "$work/out"
}

# ---- order ---------------------------------------------------------------

# order_check FILE CELL LINES [restarts]: for each instance CELL#N, its
# LINES lines and its "last words" come before its end; with "restarts",
# its end before the next instance's start too.
order_check() {
  python3 - "$@" <<'PY'
import re, sys
path, cell, lines = sys.argv[1], sys.argv[2], int(sys.argv[3])
restarts = sys.argv[4:] == ['restarts']
said, ended, started = {}, {}, {}
pattern = re.compile(r'^\S+ (?:[a-z]+ )?' + re.escape(cell) + r'#(\d+): (.*)$')
for number, line in enumerate(open(path, encoding='utf-8', errors='replace')):
    match = pattern.match(line.rstrip('\n'))
    if not match:
        continue
    instance, message = int(match.group(1)), match.group(2)
    if message.startswith(('stdout: ', 'stderr: ')):
        assert instance not in ended, f'line {number + 1}: {cell}#{instance} spoke after its end'
        said.setdefault(instance, []).append(message)
    elif message.startswith(('exited with status', 'fault: ')):
        ended[instance] = number
    elif message.startswith('started'):
        started[instance] = number
assert ended, 'no instance ended'
for instance, at in ended.items():
    words = said.get(instance, [])
    # Every line before the end, "last words" last on its stream (two
    # streams are two pipes for a native cell: no order between them).
    errors = [word for word in words if word.startswith('stderr: ')]
    assert len(words) == lines + 1 and errors and errors[-1] == 'stderr: last words', \
        f'{cell}#{instance} said {len(words)} lines before its end: {words[-3:]}'
    following = started.get(instance + 1) if restarts else None
    assert following is None or following > at, f'{cell}#{instance + 1} started before {cell}#{instance} ended'
print(f'{len(ended)} instances of {cell} in order')
PY
}

order_run() { # NAME HOW ARCH_LIMITS
  cat >"$work/$1.json" <<JSON
{
  "name": "$1",
  "on_give_up": "continue",
  "cells": {
    "talker": {
      "code": "$code", "args": ["log_order", "$2", "20"], $3
      "restart": {"policy": "always", "max_restarts": 40, "window": "1h",
                  "backoff": "1ms", "backoff_max": "1ms"}
    }
  }
}
JSON
  shown=$work/$1.log
  timeout -k 5 120 "$minos" up --log "$shown" "$work/$1.json" >"$work/out" 2>&1
  check "$1: gave up after 40 restarts" grep -q "talker: failed: restarted 40 times" "$shown"
  check "$1: every line whole" all_text_lines "$shown"
  check "$1: last words before the end" order_check "$shown" talker 20 restarts
}

order_test() {
  code=$1
  local limits='"limits": {"memory": "4M", "log": {"rate": "100000/s", "burst": 100000}},'
  case "$code" in *.wasm) ;; *) limits='"limits": {"log": {"rate": "100000/s", "burst": 100000}},' ;; esac
  order_run exits exit "$limits"
  order_run traps crash "$limits"
  # A trigger's instances end on their worker: their ends wait for their lines too.
  cat >"$work/trigger.json" <<JSON
{
  "name": "trigger",
  "cells": {
    "producer": {"code": "$code", "args": ["log_order", "count", "40"], $limits
                 "grants": {"clock": true}, "stdio": {"stderr": "null"},
                 "restart": {"policy": "never"}},
    "talker": {"code": "$code", "args": ["log_order", "crash", "20"], $limits
               "trigger": {"channel": "jobs", "concurrency": 4}}
  },
  "channels": [{"name": "jobs", "from": "producer.stdout", "to": "talker.trigger"}]
}
JSON
  shown=$work/trigger.log
  timeout -k 5 120 "$minos" up --log "$shown" "$work/trigger.json" >"$work/out" 2>&1
  check "trigger: 40 instances" [ "$(grep -c 'talker#[0-9]*: started for' "$shown")" = 40 ]
  check "trigger: last words before the end" order_check "$shown" talker 20
}

# ---- busy ----------------------------------------------------------------

busy_run() { # LOG [OPTIONS...]
  local log=$1
  shift
  timeout -k 5 120 "$minos" up "$@" --log "$log" "$work/busy.json" >"$work/out" 2>&1
}

busy_spec() { # HOW: exit or crash
  cat >"$work/busy.json" <<JSON
{
  "name": "busy",
  "cells": {
    "producer": {"code": "$code", "args": ["log_order", "count", "300"],
                 "grants": {"clock": true}, "stdio": {"stderr": "null"},
                 "restart": {"policy": "never"}},
    "talker": {"code": "$code", "args": ["log_order", "$1", "0"],
               "trigger": {"channel": "jobs", "concurrency": 8}}
  },
  "channels": [{"name": "jobs", "from": "producer.stdout", "to": "talker.trigger"}]
}
JSON
}

# A client floods a TCP trigger whose every instance traps at once: past
# 100 a second, failures are counted in one warning a second.
busy_failures() { # TRAPS_WASM TCP_CLIENT
  local port=$((24700 + $$ % 200))
  cat >"$work/flood.json" <<JSON
{
  "name": "flood",
  "cells": {
    "crasher": {"code": "$1", "args": ["traps", "unreachable"], "limits": {"memory": "1M"},
                "trigger": {"tcp": "127.0.0.1:$port", "concurrency": 16, "backlog": 1024}}
  }
}
JSON
  shown=$work/flood.log
  "$minos" up --log "$shown" "$work/flood.json" >"$work/out" 2>&1 &
  up_pid=$!
  local waited=0
  until grep -q "listening on" "$shown" 2>/dev/null || [ $waited -gt 100 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  "$2" "$port" "crash" 3000 16 >/dev/null 2>&1
  sleep 1.1 # the next second's first failure says how many the last had
  "$2" "$port" "crash" 1 1 >/dev/null 2>&1
  kill -TERM "$up_pid"
  wait "$up_pid"
  up_pid=
  local faults counted
  faults=$(grep -Ec 'warn crasher#[0-9]+: (fault: |exited with status [1-9])' "$shown")
  counted=$(sed -nE 's/.*crasher: busy: ([0-9]+) more instances failed.*/\1/p' "$shown" |
            awk '{ sum += $1 } END { print sum + 0 }')
  check "busy: failures past the budget counted ($faults logged, $counted counted)" \
    [ "$counted" -gt 0 ]
  check "busy: every failure logged or counted" [ $((faults + counted)) = 3001 ]
  check "busy: failures logged within the budget" [ "$faults" -lt 3001 ]
}

busy_test() {
  code=$1
  # 300 jobs at 100 a second: 200 routine lines a second, half over the
  # budget.
  busy_spec exit
  shown=$work/busy.log
  busy_run "$shown"
  local started
  started=$(grep -c 'talker#[0-9]*: started for' "$shown")
  check "busy: some routine lines demoted ($started of 300 shown)" [ "$started" -lt 300 ]
  check "busy: at least the budget shown" [ "$started" -ge 100 ]
  check "busy: how many went to debug, said at info" \
    grep -Eq "info talker: busy: [0-9]+ more routine lines .* went to the debug level" "$shown"
  check "busy: every line whole" all_text_lines "$shown"
  shown=$work/busy-verbose.log
  busy_run "$shown" -v
  check "busy: -v shows all 300 starts" [ "$(grep -c 'talker#[0-9]*: started for' "$shown")" = 300 ]
  check "busy: -v shows all 300 ends" \
    [ "$(grep -Ec 'talker#[0-9]+: exited with status 0' "$shown")" = 300 ]
  busy_failures "$2" "$3"
}

# ---- rotate --------------------------------------------------------------

# The counter's lines in FILES... (whatever their format): 1 to N, none
# missing, none twice, each whole.
counted_without_gap() {
  python3 - "$@" <<'PY'
import re, sys
seen = []
for path in sys.argv[1:]:
    for line in open(path, encoding='utf-8'):
        match = re.search(r'"message":"count (\d+)"\}$|stdout: count (\d+)$', line.rstrip('\n'))
        if match:
            seen.append(int(match.group(1) or match.group(2)))
assert seen, 'no count line'
assert sorted(seen) == list(range(1, max(seen) + 1)), f'gaps or doubles in {len(seen)} lines'
print(f'count 1 to {max(seen)}, none lost')
PY
}

wait_for() { # PATTERN FILE: up to 10 s
  for _ in $(seq 100); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

rotate_test() {
  local guests=$1 format=$2
  cat >"$work/rotate.json" <<JSON
{
  "name": "rotate-$format",
  "grace": "200ms",
  "cells": {
    "counter": {"code": "$guests/log_order.wasm", "args": ["log_order", "count"],
                "limits": {"log": {"rate": "1000/s"}}, "grants": {"clock": true},
                "restart": {"policy": "never"}}
  }
}
JSON
  shown=$work/rotate.log
  "$minos" up --log-format "$format" --log "$shown" "$work/rotate.json" >"$work/out" 2>&1 &
  up_pid=$!
  check "$format: counting" wait_for "count 20\b" "$shown"
  mv "$shown" "$shown.1"
  sleep 0.3 # lines still go to the renamed file until the signal
  kill -HUP $up_pid
  check "$format: new lines in a new file" wait_for "count" "$shown"
  check "$format: it says it opened the file again" grep -q "SIGHUP: opened the log $shown again" "$shown"
  check "$format: the old file kept its lines" grep -q "count 20\b" "$shown.1"
  mv "$shown" "$shown.2"
  kill -HUP $up_pid
  check "$format: a second rotation" wait_for "count" "$shown"
  sleep 0.3
  check "$format: minos up still runs" kill -0 $up_pid
  # minos logs: the text form, whatever the file's.
  logs=$("$minos" logs -n 5 "rotate-$format")
  check "$format: minos logs in text" grep -Eq "$text_line" <<<"$logs"
  check "$format: minos logs shows counting" grep -q "counter#1: stdout: count" <<<"$logs"
  kill -TERM $up_pid
  wait $up_pid
  check "$format: a clean stop after the rotations" [ $? = 0 ]
  up_pid=
  check "$format: no line lost or doubled across three files" counted_without_gap "$shown.1" "$shown.2" "$shown"
  if [ "$format" = json ]; then
    for each in "$shown.1" "$shown.2" "$shown"; do
      check "json: $(basename "$each") valid" python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"): json.loads(line)' "$each"
    done
  else
    for each in "$shown.1" "$shown.2" "$shown"; do
      check "text: $(basename "$each") whole lines" all_text_lines "$each"
    done
  fi
  # A quiet system (two cats in a ring, each waiting for the other): the
  # new file is there at once, not only when some line comes.
  cat >"$work/quiet.json" <<JSON
{"name": "quiet-$format", "grace": "200ms",
 "cells": {"a": {"code": "$guests/wasi_cat.wasm"}, "b": {"code": "$guests/wasi_cat.wasm"}},
 "channels": [{"from": "a.stdout", "to": "b.stdin"}, {"from": "b.stdout", "to": "a.stdin"}]}
JSON
  shown=$work/quiet.log
  "$minos" up --log-format "$format" --log "$shown" "$work/quiet.json" >"$work/out" 2>&1 &
  up_pid=$!
  check "$format: quiet: started" wait_for 'b#1\(: \|","message":"\)started' "$shown"
  mv "$shown" "$shown.1"
  kill -HUP $up_pid
  check "$format: quiet: the new file at once" wait_for "SIGHUP: opened the log $shown again" "$shown"
  kill -TERM $up_pid
  wait $up_pid
  check "$format: quiet: its stop in the new file" grep -q "system quiet-$format ended" "$shown"
  up_pid=
  # Without a file, SIGHUP is ignored, said so on stderr.
  "$minos" up --log-format "$format" "$work/rotate.json" >/dev/null 2>"$work/stderr.log" &
  up_pid=$!
  wait_for "count 3\b" "$work/stderr.log"
  kill -HUP $up_pid
  shown=$work/stderr.log
  check "$format: stderr: ignored, said" wait_for "SIGHUP ignored: the log goes to standard error" "$shown"
  check "$format: stderr: still running" kill -0 $up_pid
  kill -TERM $up_pid
  wait $up_pid
  check "$format: stderr: a clean stop" [ $? = 0 ]
  up_pid=
}

case "$mode" in
format) format_test "$1" ;;
order) order_test "$1" ;;
busy) busy_test "$1" "$2" "$3" ;;
rotate) rotate_test "$1" "$2" ;;
*) echo "logtools.sh: unknown mode $mode"; exit 2 ;;
esac
echo "logtools $mode: $passed passed, $failed failed"
[ "$failed" = 0 ]
