#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upgrade_hostile_test.sh MINOS GUESTS_DIR KV_DIR: what an operator may throw at
# `minos upgrade`, on a system whose service "svc" says when it is ready
# ("notify") and sits in a one_for_all group beside "peer":
#   code that never becomes ready, that exits at once, that cannot run
#   (not code, a directory, a program without execute permission, a module
#   needing a grant the cell lacks): refused or rolled back, with the
#   reason and exit 125, the old code serving on;
#   a path relative to the caller's directory; a trigger, a job, a cell
#   that does not exist;
#   a good upgrade: only svc is replaced (its group does not restart
#   peer), and what restarts it later (a crash through its group, minos
#   restart) runs the new code;
#   new code that serves and then crashes (the kv example's service, which
#   crashes every 50 requests, upgraded to its native build) stays: its
#   crashes are its policy's to handle, not a failed upgrade.
set -u
minos=$1 guests=$2 kv=$3
work=$(mktemp -d)
chmod 755 "$work"
up_pid=
trap '[ -n "$up_pid" ] && kill -9 $up_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
cp "$(dirname "$0")/upgrade_hostile.json" "$work/uph.json"
cp "$guests/group_member.wasm" "$work/"
mkdir "$work/v2" "$work/adir"
cp "$guests/group_member.wasm" "$work/v2/member_v2.wasm"
cp "$guests/wasi_cat.wasm" "$work/mute.wasm"         # reads, never says READY
cp "$guests/wasi_exit.wasm" "$work/quits.wasm"       # exits 0 at once
cp "$guests/spec_uses_random.wasm" "$work/random.wasm" # needs the random grant
cp /bin/cat "$work/noexec" && chmod 644 "$work/noexec"
export MINOS_CONTROL_DIR=$work/run
"$minos" up "$work/uph.json" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 600); do grep -q "pair: group ready" "$work/up.log" && break; sleep 0.05; done
on_check_failure() { :; }
code_of() { # CELL: the code its inspect reports
  printf '{"request":"inspect","cell":"%s"}\n' "$1" |
    "$CONTROL_CLIENT" "$work/run/uph.sock" 2>/dev/null | sed -n 's/.*"code":"\([^"]*\)".*/\1/p' | head -1
}
svc_running() { contains "$("$minos" ps uph)" "svc#[0-9]* *wasm *running"; }
up() { # CODE [CELL]: runs minos upgrade; its output in $out, status in $rc
  out=$("$minos" upgrade uph "${2:-svc}" "$1" 2>&1)
  rc=$?
}

# Never ready: ended at its init timeout (2 s); meanwhile the socket
# answers everyone else at once, and a client that sent the upgrade and
# then another request gets its replies in that order.
ms_now() { date +%s%3N; }
python3 - "$work/run/uph.sock" "$work/mute.wasm" >"$work/pipelined.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"request":"upgrade","cell":"svc","code":"%s"}\n{"request":"list","channels":false}\n'
          % sys.argv[2].encode())
data = b""
while data.count(b"\n") < 3:
    more = s.recv(65536)
    if not more: break
    data += more
print(data.decode())
PY
pipelined=$!
# Its new instance initialises, then waits for its readiness (2 s).
for _ in $(seq 200); do grep -q "upgraded to $work/mute.wasm" "$work/up.log" && break; sleep 0.05; done
before=$(ms_now)
ps_out=$("$minos" ps uph 2>&1)
ps_ms=$(( $(ms_now) - before ))
check "ps during an upgrade answers at once ($ps_ms ms)" [ "$ps_ms" -lt 1000 ]
check "ps during an upgrade shows the upgrade's instance starting ($ps_out)" \
  contains "$ps_out" "svc#[0-9]* *wasm *starting"
wait $pipelined
replies=$(sed -n '2,3p' "$work/pipelined.out")
check "pipelined: the upgrade's reply first" contains "$(sed -n 1p <<<"$replies")" "init timeout"
check "pipelined: then the list's" contains "$(sed -n 2p <<<"$replies")" '"cells"'
up "$work/mute.wasm"
check "never ready: exit 125" [ "$rc" = 125 ]
check "never ready: why ($out)" contains "$out" "the new code failed once it took over (svc#[0-9]*: init timeout.*): back to $work/group_member.wasm"
check "never ready: svc serves on" svc_running
check "never ready: svc's code is the old one" [ "$(code_of svc)" = "$work/group_member.wasm" ]

up "$work/quits.wasm"
check "exits at once: exit 125" [ "$rc" = 125 ]
check "exits at once: why ($out)" contains "$out" "exited with status 0): back to"
check "exits at once: svc serves on" svc_running

up "$work/noexec"
check "no execute permission: exit 125" [ "$rc" = 125 ]
check "no execute permission: why ($out)" contains "$out" "cannot be executed: Permission denied"

# minos check says the same of a spec whose native code cannot be executed.
printf '{"cells": {"x": {"code": "noexec"}}}\n' >"$work/noexec.json"
out=$("$minos" check "$work/noexec.json" 2>&1)
check "check: a native program without execute permission: exit 1" [ $? = 1 ]
check "check: why ($out)" contains "$out" "cells.x.code: .*cannot be executed: Permission denied (chmod +x it)"

up "$work/adir"
check "a directory: why ($out)" contains "$out" "not a regular file"
up "$work/uph.json"
check "not code: why ($out)" contains "$out" "neither a WebAssembly module nor an ELF"
up "$work/missing.wasm"
check "missing: exit 2 ($out)" [ "$rc" = 2 ]
up "$work/random.wasm"
check "a grant it lacks: exit 125" [ "$rc" = 125 ]
check "a grant it lacks: why ($out)" contains "$out" "needs the random grant; svc#[0-9]* serves on"

up "$work/v2/member_v2.wasm" handler
check "trigger: refused ($out)" contains "$out" "upgrades are for services"
up "$work/v2/member_v2.wasm" nosuch
check "no such cell ($out)" contains "$out" 'no cell named "nosuch"'
check "after all that, no restart of peer" bash -c "! grep -q 'peer#2' '$work/up.log'"
check "after all that, svc's code is the old one" [ "$(code_of svc)" = "$work/group_member.wasm" ]

# Relative to the caller's directory, not the system's.
out=$(cd "$work/v2" && "$minos" upgrade uph svc member_v2.wasm 2>&1)
check "relative path: resolved by the caller ($out)" contains "$out" "^uph: svc#[0-9]* now runs $work/v2/member_v2.wasm$"
check "relative path: inspect shows it" [ "$(code_of svc)" = "$work/v2/member_v2.wasm" ]
# The switch comes once the new code has initialised, not at its init
# timeout (2 s) the supervisor would otherwise sleep to.
ms_of() { grep -m1 -E -- "$1" "$work/up.log" | sed -E 's/^[0-9-]+T([0-9]+):([0-9]+):([0-9]+)\.([0-9]{3}).*/\1 \2 \3 \4/' |
  awk '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }'; }
switch_ms=$(( $(ms_of "upgraded to $work/mute.wasm") - $(ms_of "upgrading svc#[0-9]* to $work/mute.wasm") ))
check "the switch is prompt ($switch_ms ms)" [ "$switch_ms" -lt 1500 ]
check "relative path: ps --json shows it" contains "$("$minos" ps --json uph)" "\"name\":\"svc\"[^}]*\"code\":\"$work/v2/member_v2.wasm\""
check "the upgrade did not restart its group" bash -c "! grep -q 'pair: one_for_all' '$work/up.log'"
check "peer untouched" bash -c "! grep -q 'peer#2' '$work/up.log'"

# Two upgrades at once: one takes the cell, the other is told that one is
# under way (or, if it came after, runs too); never both half-done.
cp "$guests/group_member.wasm" "$work/v2/member_v3.wasm"
"$minos" upgrade uph svc "$work/v2/member_v3.wasm" >"$work/first.out" 2>&1 &
first=$!
"$minos" upgrade uph svc "$work/v2/member_v2.wasm" >"$work/second.out" 2>&1
second_rc=$?
wait $first
first_rc=$?
both="$(cat "$work/first.out" "$work/second.out")"
check "two at once: one succeeded ($both)" [ $((first_rc == 0 || second_rc == 0)) = 1 ]
check "two at once: a refusal says why ($both)" \
  bash -c "[ $first_rc = 0 ] && [ $second_rc = 0 ] || grep -q 'under way' <<<'$both'"
final=$(code_of svc)
check "two at once: the code is one of them ($final)" contains "$final" "member_v[23].wasm$"
if [ "$final" != "$work/v2/member_v2.wasm" ]; then up "$work/v2/member_v2.wasm"; fi
check "back to v2 for what follows" [ "$(code_of svc)" = "$work/v2/member_v2.wasm" ]

# A crash now restarts the group (one_for_all): svc comes back on the new code.
"$minos" kill uph svc >/dev/null 2>&1
for _ in $(seq 100); do grep -q "peer#2: started" "$work/up.log" && break; sleep 0.05; done
check "crash after upgrade: the group restarted" contains "$(cat "$work/up.log")" "pair: one_for_all: member svc needs a restart"
check "crash after upgrade: new code" [ "$(code_of svc)" = "$work/v2/member_v2.wasm" ]
for _ in $(seq 100); do svc_running && break; sleep 0.05; done
out=$("$minos" restart uph svc 2>&1)
check "restart after upgrade: accepted ($out)" contains "$out" "restarting"
sleep 0.3
check "restart after upgrade: new code" [ "$(code_of svc)" = "$work/v2/member_v2.wasm" ]
check "restart after upgrade: svc runs" svc_running

# A cell whose spec says "arch": "wasm" takes no native code.
up /bin/cat job
check "arch held: refused ($out)" contains "$out" 'the new code is native code, but the cell.s "arch" says wasm'

# A job (policy never) can be upgraded while it runs: its next instance
# is the new code's.
up "$work/v2/member_v2.wasm" job
check "job upgraded ($out)" contains "$out" "job#[0-9]* now runs $work/v2/member_v2.wasm"

"$minos" stop uph >/dev/null 2>&1
wait $up_pid
status=$?
up_pid=
check "stopped cleanly (status $status)" [ "$status" = 0 ]
# Served, then crashed: the upgrade stands.
mkdir "$work/kv"
cp "$kv"/kv_service.wasm "$kv"/kv_service "$kv"/kv_client.wasm "$work/kv/"
sed -e 's/"kv_client", "100"/"kv_client", "100000000"/' -e 's/"--crash-every", "10"/"--crash-every", "50"/' \
    -e 's/"max_restarts": 100,/"max_restarts": 1000000,/' "$kv/kv.json" >"$work/kv/kv.json"
"$minos" up "$work/kv/kv.json" >"$work/kv.log" 2>&1 &
up_pid=$!
for _ in $(seq 600); do "$minos" ps kv 2>/dev/null | grep -q "client#1 .*running" && break; sleep 0.05; done
out=$("$minos" upgrade kv kv "$work/kv/kv_service" 2>&1)
check "crashy new code: the upgrade stands ($out)" contains "$out" "^kv: kv#[0-9]* now runs $work/kv/kv_service"
sleep 0.5
check "crashy new code: restarted on the new code" contains "$("$minos" ps kv)" "kv[#0-9]* *native"
check "crashy new code: no rollback" bash -c "! grep -q 'upgrade failed' '$work/kv.log'"
"$minos" stop kv >/dev/null 2>&1
wait $up_pid
up_pid=
[ $failed = 0 ] || { echo "--- the system's log:"; cat "$work/up.log"; grep -v crashing "$work/kv.log" | tail -30; }
echo "upgrade_hostile_test: $passed passed, $failed failed"
[ $failed = 0 ]
