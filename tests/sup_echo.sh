#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A TCP trigger end to end over loopback: minos up runs a spec whose cell
# is started once per connection; a client checks every echo; then the
# concurrency limit and backlog refuse what is beyond them.
#   sup_echo.sh MINOS TCP_CLIENT SPEC PORT LOG [--hold N]
set -u
minos=$1 client=$2 spec=$3 port=$4 log=$5
shift 5
rm -f "$log"
# -v: every instance's start is counted below, also past the 100 routine
# lines a second a busy trigger logs at info.
"$minos" up -v --log "$log" "$spec" &
pid=$!
waited=0
until grep -q "listening on" "$log" 2>/dev/null; do
  sleep 0.1
  waited=$((waited + 1))
  if [ $waited -gt 300 ]; then echo "never listened"; cat "$log"; kill -9 $pid; exit 1; fi
done
if [ "${1:-}" = "--hold" ]; then
  "$client" --hold "$port" "$2"
else
  "$client" "$port" "hello from a client" 300 16
fi
status=$?
kill -TERM $pid
wait $pid
echo "minos exited $?"
grep -c "started for a connection" "$log" | sed 's/$/ cells started/'
grep -E "refused|fault" "$log" | head -5
exit $status
