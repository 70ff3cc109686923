#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# minos never waits at open on a FIFO it is given: as the module (run),
# the spec (check, up) or a cell's code in a spec, it is refused at once as
# not a regular file; as the log of up, a FIFO with no reader is refused at
# once, and one with a reader gets the log.
#
#   hostcalls_fifo.sh MINOS HELLO_WASM
#
# Each command runs under timeout: a hang fails ("HUNG ..."), it never
# blocks the test. Prints "ok ..." for each case; exits 1 on any failure.
set -u
minos=$1 hello=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/module.wasm" "$dir/spec.json" "$dir/code.wasm" "$dir/log"
printf '{"cells": {"fifo": {"code": "code.wasm"}}}\n' >"$dir/fifo_code.json"
printf '{"cells": {"hello": {"code": "%s", "restart": {"policy": "never"}}}}\n' "$hello" \
  >"$dir/hello.json"
failures=0

# expect NAME STATUS PATTERN command...: exits with STATUS, stderr matches PATTERN
expect() {
  name=$1 want=$2 pattern=$3
  shift 3
  timeout 20 "$@" >"$dir/out" 2>"$dir/err" </dev/null
  got=$?
  if [ "$got" -eq 124 ]; then
    echo "HUNG $name: $*"
    failures=$((failures + 1))
  elif [ "$got" -ne "$want" ] || ! grep -Eq "$pattern" "$dir/err"; then
    echo "FAIL $name: exit $got (wanted $want), stderr:"
    cat "$dir/err"
    failures=$((failures + 1))
  else
    echo "ok $name"
  fi
}

expect run_module 125 "cannot read .*module.wasm: not a regular file" "$minos" run "$dir/module.wasm"
expect check_spec 2 "cannot read .*spec.json: not a regular file" "$minos" check "$dir/spec.json"
expect up_spec 2 "cannot read .*spec.json: not a regular file" "$minos" up "$dir/spec.json"
expect check_code 1 "code.wasm is not a regular file" "$minos" check "$dir/fifo_code.json"
expect up_code 2 "code.wasm is not a regular file" "$minos" up "$dir/fifo_code.json"
expect up_log_unread 125 "cannot open the log .*log: it is a FIFO that no process reads" \
  "$minos" up --log "$dir/log" "$dir/hello.json"

# With its reader there, a FIFO is a fine log. The reader is this shell,
# opening it read-write (which never waits) and reading what came once
# minos is done: the log is far smaller than the FIFO's buffer.
exec 3<>"$dir/log"
timeout 20 "$minos" up --log "$dir/log" "$dir/hello.json" </dev/null >/dev/null 2>&1
timeout 2 cat <&3 >"$dir/log.out"
exec 3<&-
if grep -q "hello#1: started" "$dir/log.out"; then
  echo "ok up_log_read"
else
  echo "FAIL up_log_read: the reader got:"
  cat "$dir/log.out"
  failures=$((failures + 1))
fi
[ "$failures" -eq 0 ]
