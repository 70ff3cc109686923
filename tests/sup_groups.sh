#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Supervision groups, run for real: one_for_all and rest_for_one restarts,
# intensity, nesting, start order by readiness (notify, first_read), a
# readiness that never comes, stop in reverse order with each cell's own
# grace, and on_give_up "continue" for a group.
#   sup_groups.sh MINOS SPECS_DIR
set -u
minos=$1 specs=$2
scratch=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$scratch"' EXIT
passed=0 failed=0
log=""

check() { # description, then a command that must succeed
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
# The log line of an event: "TIME LEVEL NAME: TEXT"; its number, or 0.
line_of() { grep -n -m1 -E -- "$1" "$log" 2>/dev/null | cut -d: -f1 | grep . || echo 0; }
has() { [ "$(line_of "$1")" != 0 ]; }
lacks() { [ "$(line_of "$1")" = 0 ]; }
before() { local a b; a=$(line_of "$1"); b=$(line_of "$2"); [ "$a" != 0 ] && [ "$b" != 0 ] && [ "$a" -lt "$b" ]; }
# Milliseconds of the day at which the event's line was logged.
ms_of() { grep -m1 -E -- "$1" "$log" | sed -E 's/^[0-9-]+T([0-9]+):([0-9]+):([0-9]+)\.([0-9]{3}).*/\1 \2 \3 \4/' |
  awk '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }'; }
apart_at_least() { local a b; a=$(ms_of "$1"); b=$(ms_of "$2"); [ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -ge "$3" ]; }

run() { # name: runs its spec to its end (at most 30 s); the status in $status
  log=$scratch/$1.log
  timeout 30 "$minos" up "$specs/$1.json" 2>"$log"
  status=$?
}
run_then_stop() { # name pattern: runs it until pattern is logged, then SIGTERM
  log=$scratch/$1.log
  "$minos" up "$specs/$1.json" 2>"$log" &
  local pid=$! waited=0
  until has "$2"; do
    sleep 0.05
    waited=$((waited + 1))
    [ $waited -lt 400 ] || { echo "never logged: $2"; cat "$log"; kill -9 $pid; status=999; return; }
  done
  kill -TERM $pid
  stop_started=$(date +%s%N)
  wait $pid
  status=$?
  stop_ms=$(( ($(date +%s%N) - stop_started) / 1000000 ))
}
show_on_failure() { [ $failed = "$1" ] || { echo "--- $2's log:"; cat "$log"; }; }

# one_for_all: every crash of b ends a and c too (in reverse order: c
# first) and starts all three again in order; past 3 restarts the group
# gives up and the system stops.
before_failures=$failed
run groups_all
check "one_for_all: exit 1 after giving up" [ "$status" = 1 ]
check "one_for_all: b's crash restarts the group" has "g: one_for_all: member b needs a restart; restarting 3 of 3"
check "one_for_all: c ended by its group" has "c#1: ended by its group"
check "one_for_all: reverse order (c before a)" before "c#1: ended by its group" "a#1: ended by its group"
check "one_for_all: a restarted after ending" before "a#1: ended by its group" "a#2: started"
check "one_for_all: start order a, b, c" before "a#2: started" "b#2: started"
check "one_for_all: start order b, c" before "b#2: started" "c#2: started"
check "one_for_all: 4 instances each" has "c#4: started"
check "one_for_all: intensity 3" has "g: group gives up: more than 3 restarts within its period"
check "one_for_all: no 5th instance" lacks "a#5: started"
check "one_for_all: an ended member is not a fault" lacks "a#1: fault"
show_on_failure $before_failures groups_all

# one_for_one: b's crashes restart b alone; past its own max_restarts (2)
# the group gives up: c then a end (reverse order), and the system stops.
before_failures=$failed
run groups_one
check "one_for_one: exit 1" [ "$status" = 1 ]
check "one_for_one: b restarted" has "b#3: started"
check "one_for_one: a never restarted" lacks "a#2: started"
check "one_for_one: c never restarted" lacks "c#2: started"
check "one_for_one: b's own limit gives the group up" has "g: group gives up: b failed 3 times within its window"
check "one_for_one: c ended before a" before "c#1: ended by its group" "a#1: ended by its group"
check "one_for_one: the system stops" has "stopped after a failure"
show_on_failure $before_failures groups_one

# rest_for_one: b's crash restarts b and c, never a (until the give-up).
before_failures=$failed
run groups_rest
check "rest_for_one: exit 1" [ "$status" = 1 ]
check "rest_for_one: restarts 2 of 3" has "g: rest_for_one: member b needs a restart; restarting 2 of 3"
check "rest_for_one: c ended, then b and c started in order" before "c#1: ended by its group" "b#2: started"
check "rest_for_one: b before c" before "b#2: started" "c#2: started"
check "rest_for_one: a untouched by the restart" before "c#2: started" "a#1: ended by its group"
check "rest_for_one: a never restarted" lacks "a#2: started"
check "rest_for_one: intensity 1" has "g: group gives up: more than 1 restarts"
show_on_failure $before_failures groups_rest

# Start order by readiness: slow says so after 300 ms, reader first reads
# after 300 ms; each next member starts only then. systemd-style readiness
# of the whole group comes last.
before_failures=$failed
run_then_stop groups_ready "chain: group ready"
check "ready: stopped cleanly" [ "$status" = 0 ]
check "ready: slow waited 300 ms to say ready" apart_at_least "slow#1: started" "slow#1: ready" 290
check "ready: reader started once slow was ready" before "slow#1: ready" "reader#1: started"
check "ready: reader ready at its first read" apart_at_least "reader#1: started" "reader#1: ready" 290
check "ready: last started once reader was ready" before "reader#1: ready" "last#1: started"
check "ready: the group ready last" before "last#1: started" "chain: group ready"
check "ready: the feeder outside groups started at once" before "feeder#1: started" "slow#1: ready"
show_on_failure $before_failures groups_ready

# A readiness that never comes: init timeout, twice, then the cell (and
# its group) gives up; the next member never starts.
before_failures=$failed
run groups_mute
check "mute: exit 1" [ "$status" = 1 ]
check "mute: init timeout" has "mute#1: fault: init timeout"
check "mute: restarted, timed out again" has "mute#2: fault: init timeout"
check "mute: the group gives up" has "g: group gives up: mute failed 2 times"
check "mute: after never started" lacks "after#1: started"
show_on_failure $before_failures groups_mute

# Stop: the group's members in reverse order, each with its own grace (c
# killed at 300 ms, then b told: its input ends and it exits, then a
# killed at 100 ms); the cell outside groups at once, with its 200 ms.
before_failures=$failed
run_then_stop groups_stop "pipe: group ready"
check "stop: exit 0" [ "$status" = 0 ]
check "stop: c killed after its grace" has "c#1: still running after its grace; killed"
check "stop: then b ended by itself" before "c#1: fault: killed" "b#1: exited with status 0"
check "stop: then a killed" before "b#1: exited with status 0" "a#1: still running after its grace; killed"
check "stop: c's grace was its own (300 ms)" apart_at_least "stopping:" "c#1: still running" 290
check "stop: a's grace was its own (100 ms)" apart_at_least "b#1: exited" "a#1: still running" 90
check "stop: loner killed after 200 ms" apart_at_least "stopping:" "loner#1: still running" 190
check "stop: loner not waiting for the group" before "loner#1: still running" "a#1: still running"
check "stop: b's 10 s grace not waited for ($stop_ms ms)" [ "$stop_ms" -lt 3000 ]
show_on_failure $before_failures groups_stop

# Nesting: inner (one_for_all, intensity 1) gives up on b's second crash;
# outer (one_for_one) starts it afresh, d untouched; the second time
# inner gives up, outer is past its intensity and gives up too.
before_failures=$failed
run groups_nest
check "nest: exit 1" [ "$status" = 1 ]
check "nest: inner restarts a and b" has "inner: one_for_all: member b needs a restart; restarting 2 of 2"
check "nest: inner gives up" has "inner: group gives up"
check "nest: outer restarts inner alone" has "outer: one_for_one: restarting member inner"
check "nest: inner afresh: a#3" before "outer: one_for_one: restarting member inner" "a#3: started"
check "nest: outer gives up" has "outer: group gives up: more than 1 restarts"
check "nest: d never restarted" lacks "d#2: started"
check "nest: d ended only at the end" before "outer: group gives up" "d#1: ended by its group"
show_on_failure $before_failures groups_nest

# The period is a sliding window: b crashes every 400 ms, one restart
# per 250 ms period at most, so intensity 1 is never exceeded.
before_failures=$failed
run_then_stop groups_period "b#5: started"
check "period: stopped cleanly, never gave up" [ "$status" = 0 ]
check "period: restarted every time" has "g: one_for_all: member b needs a restart; restarting 2 of 2"
check "period: a restarted with b" has "a#5: started"
check "period: no give-up" lacks "group gives up"
show_on_failure $before_failures groups_period

# on_give_up "continue": the group is left down, the rest runs on.
before_failures=$failed
run groups_continue
check "continue: exit 1" [ "$status" = 1 ]
check "continue: intensity 0 gives up at once" has "g: group gives up: more than 0 restarts"
check "continue: b2 ended by its group" has "b2#1: ended by its group"
check "continue: e carries on" has "e#1: stderr: e done"
check "continue: no stop" lacks "stopping:"
check "continue: nothing restarted" lacks "b2#2: started"
show_on_failure $before_failures groups_continue

# What operators see: a member not ready yet is "starting", the next one
# "waiting" for its group; inspect tells its group and readiness.
before_failures=$failed
export MINOS_CONTROL_DIR=$scratch/run
log=$scratch/groups_states.log
"$minos" up "$specs/groups_states.json" 2>"$log" &
states_pid=$!
for _ in $(seq 100); do "$minos" ps groups_states >/dev/null 2>&1 && break; sleep 0.05; done
ps_out=$("$minos" ps groups_states 2>&1)
check "states: a starting" grep -Eq "a#1 +wasm +starting" <<<"$ps_out"
check "states: b waiting" grep -Eq "^groups_states +b +wasm +waiting" <<<"$ps_out"
kill_out=$("$minos" kill groups_states b 2>&1)
check "states: kill of a waiting member refused" grep -q "waits for its group to start it" <<<"$kill_out"
inspect_out=$("$minos" ps --json groups_states 2>&1)
check "states: list says starting" grep -q '"state":"starting"' <<<"$inspect_out"
"$minos" stop groups_states >/dev/null 2>&1
wait $states_pid
check "states: stopped" [ $? = 0 ]
show_on_failure $before_failures groups_states

# An upgrade of a first_read cell to native code is refused (its reads
# could not be seen); the running instance serves on.
before_failures=$failed
log=$scratch/groups_ready_upgrade.log
"$minos" up "$specs/groups_ready.json" 2>"$log" &
ready_pid=$!
for _ in $(seq 200); do has "chain: group ready" && break; sleep 0.05; done
upgrade_out=$("$minos" upgrade groups_ready reader /bin/cat 2>&1)
check "upgrade: refused" grep -q "ready at its first read" <<<"$upgrade_out"
check "upgrade: reader still runs" grep -Eq "reader#1 +wasm +running" <<<"$("$minos" ps groups_ready 2>&1)"
"$minos" stop groups_ready >/dev/null 2>&1
wait $ready_pid
show_on_failure $before_failures groups_ready_upgrade

# A native program says it is ready on the descriptor in MINOS_READY_FD.
before_failures=$failed
run_then_stop groups_native "g: group ready"
check "native: stopped" [ "$status" = 0 ]
check "native: next started once sh said so" before "sh#1: ready" "next#1: started"
check "native: sh was not ready at once" apart_at_least "sh#1: started" "sh#1: ready" 20
check "native: busy loops killed after their graces, in bounded time ($stop_ms ms)" [ "$stop_ms" -lt 3000 ]
check "native: next killed after its grace" has "next#1: still running after its grace; killed"
check "native: stopped in reverse order" before "next#1: still running after its grace" "sh#1: still running after its grace"
show_on_failure $before_failures groups_native

echo "sup_groups: $passed passed, $failed failed"
[ $failed = 0 ]
