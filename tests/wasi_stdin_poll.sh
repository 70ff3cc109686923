#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Feeds wasi_stdin_poll.wasm through a FIFO: nothing until the guest says
# it is waiting, then "hello", then end of file. Prints the guest's stdout
# and exits with its status.
#
#   wasi_stdin_poll.sh MINOS GUEST_WASM
set -u
minos=$1
guest=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkfifo "$scratch/in"
"$minos" run "$guest" <"$scratch/in" >"$scratch/out" &
guest_pid=$!
exec 3>"$scratch/in"
tries=0
until grep -q '^waiting$' "$scratch/out" 2>/dev/null; do
  tries=$((tries + 1))
  if [ $tries -gt 600 ] || ! kill -0 $guest_pid 2>/dev/null; then break; fi
  sleep 0.05
done
sleep 0.1
printf hello >&3
exec 3>&-
wait $guest_pid
status=$?
cat "$scratch/out"
exit $status
