#!/bin/sh
# Ctrl-C twice: the first stop waits for the grace period (a minute here),
# the second kills what still runs at once.
#   sup_interrupt.sh MINOS SPEC LOG
set -u
minos=$1 spec=$2 log=$3
rm -f "$log"
"$minos" up "$spec" 2>/dev/null &
pid=$!
waited=0
until grep -q "spinner#1: started" "$log" 2>/dev/null; do
  sleep 0.1
  waited=$((waited + 1))
  if [ $waited -gt 300 ]; then echo "never started"; kill -9 $pid; exit 1; fi
done
kill -INT $pid
sleep 0.3
kill -INT $pid
start=$(date +%s%N)
wait $pid
echo "minos exited $? after $(( ($(date +%s%N) - start) / 1000000 )) ms"
cat "$log"
