#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# sup_logger_native.sh MINOS SPEC: Debian's own /bin/cat as the logger
# behind a native service (sh) that writes 50 numbered lines and dies by
# SIGSEGV, six times over: the one cat reads on across every restart and
# logs all 300 lines, each once and in order (nothing from before a crash
# lost, nothing doubled), and ends at the end of the stream when the
# service is given up.
set -u
minos=$1 spec=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$spec" "$work/logger.json"
mkdir "$work/state"
chmod 755 "$work"
chmod 777 "$work/state" # a native cell of root runs as nobody
log=$(timeout 60 "$minos" up "$work/logger.json" 2>&1)
status=0
check() { if ! eval "$2"; then echo "FAIL: $1"; status=1; fi; }
got=$(printf '%s\n' "$log" | sed -n 's/.* logger#1: stdout: \(instance .*\)$/\1/p')
want=$(for n in 1 2 3 4 5 6; do for i in $(seq 50); do echo "instance $n line $i"; done; done)
check "every line of six instances, once and in order ($(printf '%s\n' "$got" | grep -c .) lines)" \
  '[ "$got" = "$want" ]'
check "the service crashed 6 times" 'printf "%s\n" "$log" | grep -q "service#6: fault: segmentation fault"'
check "the logger never restarted" '! printf "%s\n" "$log" | grep -q "logger#2"'
check "the logger ended at the end of its input" 'printf "%s\n" "$log" | grep -q "logger#1: exited with status 0"'
[ $status = 0 ] || { printf '%s\n' "$log" | grep -v 'stdout: instance'; diff <(echo "$want") <(echo "$got") | head; }
echo "sup_logger_native: $([ $status = 0 ] && echo passed || echo failed)"
exit $status
