#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upgrade_test.sh MINOS KV_DIR INIT_TRAP_WASM EXIT_WASM: hot upgrade under
# load. The kv example's client, which never reconnects, sends requests
# without end while its service is upgraded from wasm to the native build
# of the same program and back; an upgrade to code that fails to
# initialise, and to a file that is not code, are refused with the reason
# while the running instance serves on; code that exits at once once it
# took over is rolled back. Then the system is stopped: every request the
# client sent must have been answered correctly or lost to a switch (at
# most one per switch).
set -u
SECONDS=0
minos=$1 kv=$2 init_trap=$3 quits=$4
work=$(mktemp -d)
trap 'kill $up_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
cp "$kv"/kv_service.wasm "$kv"/kv_service "$kv"/kv_client.wasm "$work/"
# More requests than any machine answers within the test: the system is
# stopped once the upgrades are done, and the client, never reconnecting,
# then says how many it had answered and lost (a wrong answer ends it at
# once).
sed -e 's/"kv_client", "100"/"kv_client", "1000000000"/' \
    -e 's/"--crash-every", "10"/"--crash-every", "1500000"/' "$kv/kv.json" >"$work/kv.json"
export MINOS_CONTROL_DIR=$work/run
"$minos" up "$work/kv.json" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 50); do "$minos" ps kv >/dev/null 2>&1 && break; sleep 0.1; done
sleep 0.3
out=$("$minos" upgrade kv kv "$work/kv_service" 2>&1)
check "to native" contains "$out" "^kv: kv#[0-9]* now runs $work/kv_service$"
# The old instance hands over at its next pause between two requests (up
# to 10 s: a loaded machine may not run it for a while).
await_native() {
  for _ in $(seq 200); do
    contains "$("$minos" ps kv)" "kv#[0-9]* *native *running" && return 0
    sleep 0.05
  done
  return 1
}
check "native runs" await_native
out=$("$minos" upgrade kv kv "$init_trap" 2>&1)
check "failing init: exit 125" [ $? = 125 ]
check "failing init: why" contains "$out" "the new code failed to initialise (unreachable in init): kv#[0-9]* serves on"
check "still native" contains "$("$minos" ps kv)" "kv#[0-9]* *native *running"
out=$("$minos" upgrade kv kv "$quits" 2>&1)
check "exits at once: exit 125" [ $? = 125 ]
check "exits at once: rolled back ($out)" contains "$out" "exited with status 0): back to $work/kv_service, restarted at once"
await_native
check "rolled back: native again" contains "$("$minos" ps kv)" "kv#[0-9]* *native *running"
out=$("$minos" upgrade kv kv /etc/hostname 2>&1)
check "not code: refused" contains "$out" "cannot load the new code: it is neither a WebAssembly module nor an ELF"
out=$("$minos" upgrade kv nosuch "$work/kv_service" 2>&1)
check "no such cell" contains "$out" 'no cell named "nosuch"'
out=$("$minos" upgrade kv kv "$work/missing" 2>&1)
check "missing file" contains "$out" "upgrade: $work/missing: No such file or directory"
out=$("$minos" upgrade kv kv "$work/kv_service.wasm" 2>&1)
check "back to wasm" contains "$out" "now runs $work/kv_service.wasm"
check "inspect shows the code" contains "$("$minos" ps --json kv)" '"arch":"wasm"'
check "client still running at the last upgrade" contains "$("$minos" ps kv)" "client#[0-9]* .*running"
echo "upgrades done at ${SECONDS}s"
sleep 0.5 # a little more traffic on the last code
"$minos" stop kv >/dev/null
wait $up_pid
status=$?
echo "system ended at ${SECONDS}s"
check "system ended well (status $status)" [ $status = 0 ]
log=$(cat "$work/up.log")
check "client answered until the stop" contains "$log" "client#[0-9]*: stderr: request [0-9]*: .* ([0-9]* answered correctly, [0-9]* lost to restarts)"
check "client: no wrong answer" bash -c "! grep -q 'expected' '$work/up.log'"
lost=$(sed -n 's/.*answered correctly, \([0-9]*\) lost to restarts.*/\1/p' "$work/up.log")
sent=$(sed -n 's/.*client#[0-9]*: stderr: request \([0-9]*\): .*answered correctly.*/\1/p' "$work/up.log")
answered=$(sed -n 's/.*(\([0-9]*\) answered correctly.*/\1/p' "$work/up.log")
check "every request answered or lost ($answered + $lost of $sent)" \
  [ "$((${answered:-0} + ${lost:-0}))" = "${sent:--1}" ]
check "a good many requests ($sent)" [ "${sent:-0}" -gt 1000 ]
# Two switches and a rollback (the failed code's end is a second loss):
# at most one request each.
check "at most one request lost per switch (lost $lost)" [ "${lost:-99}" -le 4 ]
check "upgrade logged" contains "$log" "upgraded to $work/kv_service;"
check "refusal logged" contains "$log" "upgrade refused: unreachable in init"
[ $failed = 0 ] || { echo "--- the system's log:"; tail -40 "$work/up.log"; }
grep "client#1: stderr" "$work/up.log"
echo "upgrade_test: $passed passed, $failed failed"
[ $failed = 0 ]
