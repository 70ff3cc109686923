#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# minos up stops gracefully on SIGTERM: a cell whose input ends exits by
# itself, cells that ignore it are killed after the grace period, and minos
# exits with nothing left running. The log is read while the system runs.
# With --twice it is interrupted twice instead (Ctrl-C, Ctrl-C): no waiting
# for the grace period.
#   sup_stop.sh MINOS SPEC LOG [--twice]
set -u
minos=$1 spec=$2 log=$3 twice=${4:-}
rm -f "$log"
"$minos" up "$spec" 2>/dev/null &
pid=$!
waited=0
until grep -q "spinner#1: started" "$log" 2>/dev/null; do
  sleep 0.1
  waited=$((waited + 1))
  if [ $waited -gt 300 ]; then
    echo "the log never showed the cells starting"; cat "$log"; kill -9 $pid; exit 1
  fi
done
echo "running: $(grep -c started "$log") cells started"
if [ "$twice" = "--twice" ]; then
  kill -INT $pid
  sleep 0.3
  kill -INT $pid
else
  kill -TERM $pid
fi
start=$(date +%s%N)
wait $pid
status=$?
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "minos exited $status after $took_ms ms"
cat "$log"
# The grace period is 300 ms; allow for a slow machine, not for a hang.
[ $took_ms -lt 5000 ] || { echo "stopping took $took_ms ms"; exit 1; }
