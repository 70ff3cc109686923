#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sup_logger.sh MINOS SPEC: a logger (an unmodified cat, reading its stdin
# to the end) behind a service that crashes after every third line: the
# logger reads on across every restart (a channel's default,
# "on_writer_restart": "continue"), logs all 18 lines of the 6 instances,
# and ends only when the service is given up for good (end of stream).
minos=$1 spec=$2
log=$("$minos" up "$spec" 2>&1)
lines=$(printf '%s\n' "$log" | grep -c 'logger#1: stdout: job [123]$')
status=0
check() { if ! eval "$2"; then echo "FAIL: $1"; status=1; fi; }
check "18 lines logged by one logger (got $lines)" '[ "$lines" = 18 ]'
check "the service crashed 6 times" 'printf "%s\n" "$log" | grep -q "service#6: fault: unreachable"'
check "the logger never restarted" '! printf "%s\n" "$log" | grep -q "logger#2"'
check "the logger ended cleanly" 'printf "%s\n" "$log" | grep -q "logger#1: exited with status 0"'
[ $status = 0 ] || printf '%s\n' "$log"
echo "sup_logger: $([ $status = 0 ] && echo passed || echo failed)"
exit $status
