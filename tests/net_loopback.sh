#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Cells talking TCP over loopback, each in its own minos process, with the
# net guest (tests/guests/net.c) at both ends. Picks a free port: a server
# that finds its port taken exits with 3 and the next port is tried.
#
#   net_loopback.sh MINOS NET_WASM errors|echo|backpressure|unix
#
# errors: the guest's own checks, granted one port.
# echo: an echo server for 3 clients in turn, then a second server on the
#   same port at once (the first one's listener is gone with its cell).
# backpressure: 8 MiB to a reader that starts slow, byte-exact.
# unix: a Unix socket in the scratch directory, listened on twice.
set -u
minos=$1
guest=$2
mode=$3
scratch=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$scratch"' EXIT
port=$((10000 + ($$ * 7) % 20000)) # below the ephemeral range (32768 on)

grants() { echo "--listen tcp:127.0.0.1:$1 --connect tcp:127.0.0.1:$1"; }

# Starts a server cell (net COMMAND $port ARGS...) in the background; 0
# once it listens, 3 if its port is taken, 1 if it failed otherwise.
start_server() {
  command=$1
  shift
  rm -f "$scratch/server.out" "$scratch/server.status"
  { "$minos" run $(grants "$port") "$guest" "$command" "$port" "$@" \
      >"$scratch/server.out" 2>"$scratch/server.err"
    echo $? >"$scratch/server.status"; } &
  server_pid=$!
  for _ in $(seq 1 1000); do
    grep -q "^listening on" "$scratch/server.out" 2>/dev/null && return 0
    if [ -s "$scratch/server.status" ]; then
      [ "$(cat "$scratch/server.status")" = 3 ] && return 3
      cat "$scratch/server.err"
      return 1
    fi
    sleep 0.01
  done
  echo "server did not start"
  return 1
}

# The server's own start, on the first free port from $port.
start_on_free_port() {
  for _ in $(seq 1 30); do
    start_server "$@"
    case $? in
      0) return 0 ;;
      3) port=$((port + 1)) ;;
      *) return 1 ;;
    esac
  done
  echo "no free port found"
  return 1
}

finish_server() {
  wait "$server_pid"
  server_pid=""
  cat "$scratch/server.out" "$scratch/server.err"
  status=$(cat "$scratch/server.status")
  [ "$status" = 0 ] || { echo "server exited $status"; exit 1; }
}

client() {
  "$minos" run $(grants "$port") "$guest" "$@" || { echo "client $* exited $?"; exit 1; }
}

case "$mode" in
  errors)
    for _ in $(seq 1 30); do
      "$minos" run $(grants "$port") --connect "udp:127.0.0.1:$port" "$guest" errors "$port"
      status=$?
      [ "$status" = 3 ] || exit "$status"
      port=$((port + 1))
    done
    exit 1 ;;
  echo)
    start_on_free_port serve 3 || exit 1
    for _ in 1 2 3; do client client "$port"; done
    finish_server
    start_server serve 1 || { echo "port $port not reusable"; exit 1; }
    client client "$port"
    finish_server ;;
  backpressure)
    start_on_free_port sink || exit 1
    client source "$port" $((8 * 1024 * 1024))
    finish_server ;;
  unix)
    path=$scratch/net.sock
    "$minos" run --listen "unix:$path" --connect "unix:$path" "$guest" unix "$path" ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
