#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# prometheus_test.sh MINOS TCP_CLIENT TRAPS_WASM: a real Prometheus server
# (Debian's prometheus package) scrapes minos up's metrics every second
# while a trigger churns and a service crashes: its target is healthy
# with no scrape error, `up` is 1, and its query API sees the trigger's
# accepted events, the restarts and a quantile of the event-time
# histogram.
set -u
minos=$1 tcp_client=$2 traps=$3
if ! command -v prometheus >/dev/null || ! command -v curl >/dev/null; then
  echo "SKIP: prometheus or curl is not installed (scripts/install-deps)"
  exit 77
fi
work=$(mktemp -d)
up_pid= prometheus_pid=
trap 'kill $up_pid $prometheus_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/common.sh"
export MINOS_CONTROL_DIR=$work/run
cp "$traps" "$work/traps.wasm"
# Ports below Linux's ephemeral range; one taken is moved past.
port=$((10000 + ($$ * 7) % 20000))
start_system() { # 0 once it serves metrics
  cat >"$work/system.json" <<JSON
{"name": "scraped", "grace": "300ms", "metrics": "127.0.0.1:$((port + 1))",
 "cells": {
   "echo": {"code": "/bin/cat", "trigger": {"tcp": "127.0.0.1:$port"}},
   "crasher": {"code": "traps.wasm", "args": ["traps", "unreachable"],
               "restart": {"policy": "always", "max_restarts": 1000, "window": "10s",
                           "backoff": "200ms", "backoff_max": "200ms"}}}}
JSON
  "$minos" up "$work/system.json" >"$work/up.log" 2>&1 &
  up_pid=$!
  for _ in $(seq 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$((port + 1))/metrics" && return 0
    kill -0 $up_pid 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
for _ in $(seq 10); do
  start_system && break
  wait $up_pid
  port=$((port + 3))
done
cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: minos
    static_configs: [{targets: ['127.0.0.1:$((port + 1))']}]
YAML
api=http://127.0.0.1:$((port + 2))/api/v1
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address=127.0.0.1:$((port + 2)) >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
(for _ in $(seq 30); do "$tcp_client" $port hello 10 4 >/dev/null; sleep 0.3; done) &
churn_pid=$!
# query EXPRESSION: the first result's value, or nothing.
query() {
  curl -sf -G "$api/query" --data-urlencode "query=$1" |
    python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}
# eventually DESCRIPTION PYTHON_TEST EXPRESSION: within 40 s the value
# passes the test (a Python expression on v, a float).
eventually() {
  local value
  for _ in $(seq 80); do
    value=$(query "$3")
    [ -n "$value" ] && python3 -c "import sys; v = float(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$value" && return 0
    sleep 0.5
  done
  echo "  $1: last value '$value'"
  return 1
}
check "up is 1" eventually up "v == 1" 'up{job="minos"}'
check "accepted events seen" eventually accepted "v >= 20" 'minos_trigger_accepted_total{cell="echo"}'
check "restarts seen" eventually restarts "v >= 2" 'minos_cell_restarts_total{cell="crasher"}'
check "faults by kind seen" eventually faults "v >= 2" 'minos_cell_faults_total{cell="crasher",kind="unreachable"}'
check "a histogram quantile" eventually quantile "0 < v <= 10" \
  'histogram_quantile(0.9, sum by (le) (minos_trigger_event_seconds_bucket{cell="echo"}))'
targets=$(curl -sf "$api/targets")
check "target healthy, no scrape error" python3 -c '
import json, sys
targets = json.loads(sys.argv[1])["data"]["activeTargets"]
sys.exit(0 if targets and all(t["health"] == "up" and t["lastError"] == "" for t in targets) else 1)' "$targets"
wait $churn_pid
"$minos" stop scraped >/dev/null
wait $up_pid
check "minos up stopped cleanly" [ $? = 0 ]
up_pid=
[ $failed = 0 ] || tail -5 "$work/prometheus.log"
echo "prometheus_test: $passed passed, $failed failed"
[ $failed = 0 ]
