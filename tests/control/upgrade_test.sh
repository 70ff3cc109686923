#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upgrade_test.sh MINOS KV_DIR INIT_TRAP_WASM EXIT_WASM: hot upgrade under load. The
# kv example's client, which never reconnects, sends a million requests
# while its service is upgraded from wasm to the native build of the same
# program and back (its client still running at the last one); an upgrade to code that fails to initialise, and to a
# file that is not code, are refused with the reason while the running
# instance serves on; code that exits at once once it took over is rolled
# back. The client must finish with every request answered
# or lost to a restart (at most one per upgrade and crash).
set -u
SECONDS=0
minos=$1 kv=$2 init_trap=$3 quits=$4
work=$(mktemp -d)
trap 'kill $up_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
cp "$kv"/kv_service.wasm "$kv"/kv_service "$kv"/kv_client.wasm "$work/"
# A million: enough to outlast the upgrades below by far (gcc: ~6 s when
# both workers stay awake; the sanitizer build: up to ~45 s when they
# sleep between messages), few enough for the test's timeout.
sed -e 's/"kv_client", "100"/"kv_client", "1000000"/' \
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
wait $up_pid
echo "system ended at ${SECONDS}s"
check "system ended well" [ $? = 0 ]
log=$(cat "$work/up.log")
check "client answered" contains "$log" "client#[0-9]*: stderr: 1000000 requests: [0-9]* answered correctly, [0-9]* lost to restarts"
lost=$(sed -n 's/.*answered correctly, \([0-9]*\) lost to restarts.*/\1/p' "$work/up.log")
# Two switches and a rollback (the failed code's end is a second loss):
# at most one request each.
check "at most one request lost per switch (lost $lost)" [ "${lost:-99}" -le 4 ]
check "client exit 0" contains "$log" "client#[0-9]*: exited with status 0"
check "upgrade logged" contains "$log" "upgraded to $work/kv_service;"
check "refusal logged" contains "$log" "upgrade refused: unreachable in init"
[ $failed = 0 ] || { echo "--- the system's log:"; tail -40 "$work/up.log"; }
echo "upgrade_test: $passed passed, $failed failed"
[ $failed = 0 ]
