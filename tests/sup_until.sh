#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs minos up on a spec that keeps running (a trigger) until its log has
# every one of the given lines (or 30 s pass), stops it, and prints the log.
#   sup_until.sh MINOS SPEC LOG PATTERN...
set -u
minos=$1 spec=$2 log=$3
shift 3
rm -f "$log"
"$minos" up --log "$log" "$spec" &
pid=$!
waited=0
for pattern in "$@"; do
  until grep -q -- "$pattern" "$log" 2>/dev/null; do
    sleep 0.1
    waited=$((waited + 1))
    if [ $waited -gt 300 ]; then echo "never logged: $pattern"; break 2; fi
  done
done
kill -TERM $pid
wait $pid
echo "minos exited $?"
cat "$log"
