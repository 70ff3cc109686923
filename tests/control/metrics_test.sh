#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# metrics_test.sh MINOS TCP_CLIENT TRAPS_WASM WASI_CAT: a system's Prometheus
# metrics, read with a real HTTP client (curl) and checked with promtool
# where Debian's prometheus package is installed: a TCP trigger's
# accepted connections and event-time histogram, a crashing service's
# restarts and faults by kind, a channel's bytes; HTTP errors; a client
# that never sends a request is closed and serves nobody's harm; with
# python3, real and hostile HTTP clients (metrics_http.py: keep-alive,
# pipelining, heads in pieces, floods of silent clients beside scrapes
# and the control socket, 100 concurrent scrapes, every scrape well-formed
# while a trigger churns); IPv6 and wildcard addresses.
set -u
minos=$1 tcp_client=$2 traps=$3 cat_module=$4
work=$(mktemp -d)
trap 'kill $up_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
if ! command -v curl >/dev/null; then
  echo "SKIP: curl is not installed"
  exit 77
fi
# Ports below Linux's ephemeral range (32768 on), so that no client's
# outgoing connection holds one; a port another test holds is skipped.
port=$((10000 + ($$ * 3) % 20000)) metrics_port=$((port + 1))
cp "$traps" "$work/traps.wasm"
cp "$cat_module" "$work/cat.wasm"
write_spec() {
  cat >"$work/system.json" <<JSON
{
  "name": "measured",
  "grace": "300ms",
  "metrics": "127.0.0.1:$metrics_port",
  "cells": {
    "echo": {"code": "/bin/cat", "trigger": {"tcp": "127.0.0.1:$port"}},
    "wasm_echo": {"code": "cat.wasm", "trigger": {"tcp": "127.0.0.1:$((port + 11))"}},
    "single": {"code": "/bin/cat",
               "trigger": {"tcp": "127.0.0.1:$((port + 9))", "concurrency": 1, "backlog": 8}},
    "crasher": {"code": "traps.wasm", "args": ["traps", "unreachable"],
                "restart": {"policy": "always", "max_restarts": 1000, "window": "10s",
                            "backoff": "100ms", "backoff_max": "100ms"}},
    "writer": {"code": "/bin/sh", "args": ["sh", "-c", "echo twelve bytes; while read x; do :; done"],
               "restart": {"policy": "never"}},
    "reader": {"code": "/bin/cat", "restart": {"policy": "never"}}
  },
  "channels": [{"name": "pipe", "from": "writer.stdout", "to": "reader.stdin"},
               {"name": "back", "from": "reader.stdout", "to": "writer.stdin"}]
}
JSON
}
export MINOS_CONTROL_DIR=$work/run
url() { echo "http://127.0.0.1:$metrics_port/metrics"; }
start_system() { # 0 once it serves metrics, 3 when a port is taken, 1 else
  write_spec
  "$minos" up "$work/system.json" >"$work/up.log" 2>&1 &
  up_pid=$!
  for _ in $(seq 100); do
    curl -sf "$(url)" >/dev/null && return 0
    if ! kill -0 $up_pid 2>/dev/null; then
      wait $up_pid
      grep -q "Address already in use" "$work/up.log" && return 3
      return 1
    fi
    sleep 0.1
  done
  return 1
}
for _ in $(seq 20); do
  start_system
  case $? in
    0) break ;;
    3) port=$((port + 3)) metrics_port=$((metrics_port + 3)) ;;
    *) echo "FAIL: minos up did not serve metrics:"; cat "$work/up.log"; exit 1 ;;
  esac
done
url=$(url)
check "20 connections echoed" grep -q "^20 of 20 replies as expected" <<<"$("$tcp_client" $port hello 20 4)"
sleep 1
metrics=$(curl -sf "$url")
check "HTTP 200" [ -n "$metrics" ]
has() { grep -q -- "$1" <<<"$metrics"; }
check "uptime" has '^minos_system_uptime_seconds{system="measured"} [0-9.]*$'
check "accepted" has '^minos_trigger_accepted_total{system="measured",cell="echo"} 20$'
check "histogram count" has '^minos_trigger_event_seconds_count{system="measured",cell="echo"} 20$'
check "histogram +Inf" has '^minos_trigger_event_seconds_bucket{system="measured",cell="echo",le="+Inf"} 20$'
check "refused" has '^minos_trigger_refused_total{system="measured",cell="echo"} 0$'
check "restarts" has '^minos_cell_restarts_total{system="measured",cell="crasher"} [1-9]'
check "faults by kind" has '^minos_cell_faults_total{system="measured",cell="crasher",kind="unreachable"} [1-9]'
check "channel bytes" has '^minos_channel_bytes_total{system="measured",channel="pipe"} 13$'
check "cell up" has '^minos_cell_up{system="measured",cell="echo"} 1$'
check "cpu" has '^minos_cell_cpu_seconds_total{system="measured",cell="crasher"} [0-9.]*$'
# A trigger's memory: its running instances' (a wasm one's linear memory).
exec 8<>/dev/tcp/127.0.0.1/$((port + 11))
echo hello >&8
IFS= read -r -t 5 echoed <&8
check "a wasm trigger instance echoes" [ "$echoed" = hello ]
check "a trigger's memory while an instance runs" bash -c "curl -sf '$url' | grep -Eq '^minos_cell_memory_bytes\{system=\"measured\",cell=\"wasm_echo\"\} [1-9]'"
exec 8<&-
if command -v promtool >/dev/null; then
  check "promtool" bash -c "promtool check metrics <<<\"\$1\"" _ "$metrics"
else
  echo "SKIP: promtool (Debian's prometheus package) is not installed"
fi
check "404" [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$metrics_port/other)" = 404 ]
check "405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")" = 405 ]
check "HEAD" [ "$(curl -s -I -o /dev/null -w '%{http_code}' "$url")" = 200 ]
# Hostile requests: a head too long, a request line that is not HTTP.
raw_status() { # raw_status BYTES...: the status line the server answers
  exec 6<>/dev/tcp/127.0.0.1/$metrics_port
  printf '%s' "$1" >&6
  local line
  IFS= read -r -t 5 line <&6
  exec 6<&-
  echo "${line%$'\r'}"
}
check "431 for a head too long" [ "$(raw_status "GET /metrics HTTP/1.1"$'\r\n'"X: $(head -c 9000 /dev/zero | tr '\0' a)"$'\r\n\r\n')" = "HTTP/1.1 431 Request Header Fields Too Large" ]
check "400 for garbage" [ "$(raw_status $'\x01\x02 nonsense\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ]
# A client that sends nothing: others are served meanwhile; it is closed.
exec 7<>/dev/tcp/127.0.0.1/$metrics_port
check "served beside a silent client" curl -sf -o /dev/null "$url"
check "counters grow" bash -c "[ \$(curl -sf '$url' | sed -n 's/^minos_cell_restarts_total{system=\"measured\",cell=\"crasher\"} //p') -ge \$(sed -n 's/^minos_cell_restarts_total{system=\"measured\",cell=\"crasher\"} //p' <<<\"\$1\") ]" _ "$metrics"
check "silent client closed within 12 s" timeout 12 cat <&7
exec 7<&-
if command -v python3 >/dev/null; then
  # A trigger churning (an instance per connection) while it is scraped.
  (for _ in $(seq 40); do "$tcp_client" $port hello 20 4 >/dev/null; done) &
  churn_pid=$!
  python3 "$(dirname "$0")/metrics_http.py" $metrics_port http "crowd=$minos,measured" \
    "latency=$((port + 9)),single" exposition=4 \
    >"$work/http.out" 2>&1
  http_failures=$?
  check "HTTP clients ($(grep -c '^ok' "$work/http.out") passed)" [ $http_failures = 0 ]
  grep -v '^ok' "$work/http.out"
  kill $churn_pid 2>/dev/null
  wait $churn_pid 2>/dev/null
else
  echo "SKIP: python3 is not installed: no hostile HTTP clients"
fi
sed "s/\"name\": \"measured\"/\"name\": \"second\"/; s/127.0.0.1:$port\"/127.0.0.1:$((port + 2))\"/;
     s/127.0.0.1:$((port + 9))/127.0.0.1:$((port + 10))/;
     s/127.0.0.1:$((port + 11))/127.0.0.1:$((port + 12))/" \
  "$work/system.json" >"$work/second.json"
"$minos" up --metrics 127.0.0.1:$metrics_port "$work/second.json" >"$work/second.log" 2>&1
check "port taken: refused" grep -q "metrics: cannot listen at 127.0.0.1:$metrics_port" "$work/second.log"
# Other addresses: IPv6 loopback, every IPv4 address, localhost.
for address in "[::1]:$((metrics_port + 2))" "0.0.0.0:$((metrics_port + 3))" \
  "localhost:$((metrics_port + 4))"; do
  "$minos" up --metrics "$address" "$work/second.json" >"$work/second.log" 2>&1 &
  second_pid=$!
  served=""
  for _ in $(seq 50); do
    curl -gsf -o /dev/null "http://$address/metrics" && served=yes && break
    sleep 0.1
  done
  check "served at $address" [ -n "$served" ]
  "$minos" stop second >/dev/null
  wait $second_pid
done
for bad in nowhere 127.0.0.1:0 127.0.0.1:65536 "[::1]" 127.0.0.1: example.com:9464; do
  "$minos" up --metrics "$bad" "$work/system.json" >"$work/bad.log" 2>&1
  check "bad --metrics $bad: usage, said why" \
    bash -c '[ "$1" = 2 ] && grep -q "not HOST:PORT" "$2"' _ $? "$work/bad.log"
done
"$minos" stop measured >/dev/null
wait $up_pid
echo "metrics_test: $passed passed, $failed failed"
[ $failed = 0 ]
