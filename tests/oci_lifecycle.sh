#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# minos oci end to end, without an engine: bundles made by hand (a wasm
# program and a static native one, tests/guests/oci_probe.c), driven
# through create, start, state, kill and delete as podman drives them,
# with oci_reaper standing for conmon (the subreaper that gets the
# container's process and its exit code).
#   oci_lifecycle.sh MINOS REAPER PROBE_WASM PROBE_NATIVE WORK_DIR NET_WASM
set -u
minos=$1 reaper=$2 probe_wasm=$3 probe_native=$4 work=$5 net_wasm=$6
root=$work/state
failures=0
rm -rf "$work"
mkdir -p "$work" "$root"

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
oci() { "$minos" oci --root "$root" "$@"; }

# bundle NAME CODE ARGS_JSON [EXTRA_TOP_LEVEL_JSON]: $work/NAME with the
# code at /probe in its root and a config.json; its mounts are podman's
# usual ones, or $mounts.
bundle() {
  local dir=$work/$1
  mkdir -p "$dir/rootfs/etc"
  cp "$2" "$dir/rootfs/probe"
  local usual='[{"destination":"/proc","type":"proc","source":"proc"},
           {"destination":"/dev","type":"tmpfs","source":"tmpfs"},
           {"destination":"/dev/shm","type":"bind","source":"'$work'","options":["rbind"]},
           {"destination":"/etc/hostname","type":"bind","source":"'$dir'/config.json","options":["rbind","ro"]}]'
  cat > "$dir/config.json" <<JSON
{"ociVersion":"1.0.2","process":{"args":$3,"env":["GREETING=hi there","PATH=/bin"],"cwd":"/",
 "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]},
 "root":{"path":"rootfs"},"hostname":"c",
 "mounts":${mounts:-$usual}
 ${4:+,$4}}
JSON
}

# create NAME ID: create under the reaper, in the background; the
# container's output goes to $work/ID.out and .err, its end to .status.
create() {
  "$reaper" "$work/$2.status" "$work/$2.pid" "$minos" oci --root "$root" create --bundle "$work/$1" \
    --pid-file "$work/$2.pid" "$2" > "$work/$2.out" 2> "$work/$2.err" < "${stdin:-/dev/null}" &
  reaper_pid=$!
  local waited=0
  until [ -s "$work/$2.pid" ] || [ -s "$work/$2.status" ]; do
    sleep 0.05
    waited=$((waited + 1))
    [ $waited -lt 200 ] || { fail "$2: create took over 10 s"; return 1; }
  done
}

# finish ID: waits for the reaper (in this shell, never in a $(...)):
# how the container ended is then in $ended.
finish() {
  wait "$reaper_pid"
  ended=$(cat "$work/$1.status" 2>/dev/null)
}

expect_status() { # ID STATUS
  local got
  got=$(oci state "$1" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
  [ "$got" = "$2" ] || fail "$1: status '$got', expected '$2'"
}

# run_to_end NAME ID: create, start, wait ($ended), delete.
run_to_end() {
  ended=
  create "$1" "$2" || return
  oci start "$2" || fail "$2: start failed"
  finish "$2"
  oci delete "$2" || fail "$2: delete of a stopped container failed"
}

check_output() { # ID PATTERN [FILE: out]
  grep -q -- "$2" "$work/$1.${3:-out}" || { fail "$1: no '$2' in its ${3:-out}:"; cat "$work/$1.${3:-out}" "$work/$1.err"; }
}

lifecycle() { # KIND PROBE: the whole life of a container, then its exit codes
  local kind=$1 probe=$2 id=$1-hello
  bundle "$kind-hello" "$probe" '["/probe","hello"]' '"annotations":{"org.example/x":"y"}'
  create "$kind-hello" "$id" || return
  expect_status "$id" created
  local pid
  pid=$(cat "$work/$id.pid")
  oci state "$id" | grep -q "\"pid\":$pid," || fail "$id: state does not give pid $pid"
  oci state "$id" | grep -q '"annotations":{"org.example/x":"y"}' || fail "$id: annotations"
  oci state "$id" | grep -q "\"bundle\":\"$work/$kind-hello\"" || fail "$id: bundle"
  oci start "$id" || fail "$id: start failed"
  oci start "$id" 2>/dev/null && fail "$id: a second start succeeded"
  finish "$id"; [ "$ended" = "exit 0" ] || fail "$id: did not exit 0: $ended"
  check_output "$id" "^hello from oci_probe$"
  expect_status "$id" stopped
  oci state "$id" | grep -q '"pid"' && fail "$id: a stopped container still has a pid"
  oci delete "$id" || fail "$id: delete failed"
  [ -e "$root/$id" ] && fail "$id: delete left $root/$id"
  oci state "$id" 2>&1 | grep -q "does not exist" || fail "$id: state after delete"

  bundle "$kind-exit" "$probe" '["/probe","exit","7"]'
  run_to_end "$kind-exit" "$kind-exit"; [ "$ended" = "exit 7" ] || fail "$kind: exit code 7 not passed on"
  bundle "$kind-argv0" "$probe" '["/probe","argv0"]'
  run_to_end "$kind-argv0" "$kind-argv0"
  check_output "$kind-argv0" "^/probe$"
  bundle "$kind-env" "$probe" '["/probe","env","GREETING"]'
  run_to_end "$kind-env" "$kind-env"
  check_output "$kind-env" "^GREETING=hi there$"
  bundle "$kind-trap" "$probe" '["/probe","trap"]'
  run_to_end "$kind-trap" "$kind-trap"; [ "$ended" = "exit 134" ] || fail "$kind: a trap is not 134"
  check_output "$kind-trap" "minos: \(trap\|fault\): " err
}

volumes() { # KIND PROBE: a read-only volume, a read-write one
  local kind=$1 probe=$2
  mkdir -p "$work/$kind-ro" "$work/$kind-rw"
  chmod 777 "$work/$kind-rw" # a native cell run by root writes as nobody
  echo "from the host" > "$work/$kind-ro/file.txt"
  local mounts="[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"$work/$kind-ro\",\"options\":[\"ro\",\"rprivate\",\"rbind\"]},{\"destination\":\"/out\",\"type\":\"bind\",\"source\":\"$work/$kind-rw\",\"options\":[\"rbind\"]}]"
  bundle "$kind-read" "$probe" '["/probe","cat","/data/file.txt"]'
  run_to_end "$kind-read" "$kind-read"; [ "$ended" = "exit 0" ] || fail "$kind: reading a volume"
  check_output "$kind-read" "^from the host$"
  bundle "$kind-write-ro" "$probe" '["/probe","write","/data/new.txt"]'
  run_to_end "$kind-write-ro" "$kind-write-ro"; [ "$ended" = "exit 1" ] || fail "$kind: wrote to a read-only volume"
  check_output "$kind-write-ro" "cannot write /data/new.txt: Read-only file system"
  [ -e "$work/$kind-ro/new.txt" ] && fail "$kind: the read-only volume was written"
  bundle "$kind-write-rw" "$probe" '["/probe","write","/out/new.txt"]'
  run_to_end "$kind-write-rw" "$kind-write-rw"; [ "$ended" = "exit 0" ] || fail "$kind: cannot write a read-write volume"
  [ -e "$work/$kind-rw/new.txt" ] || fail "$kind: the read-write volume was not written"
}

memory_limit() { # KIND PROBE: linux.resources.memory.limit holds
  local kind=$1 probe=$2
  bundle "$kind-memory" "$probe" '["/probe","grow","64"]' \
    '"linux":{"resources":{"memory":{"limit":33554432,"swap":67108864}}}'
  run_to_end "$kind-memory" "$kind-memory"; [ "$ended" = "exit 1" ] || fail "$kind: 64 MiB allocated under a 32 MiB limit"
  bundle "$kind-memory-fits" "$probe" '["/probe","grow","8"]' \
    '"linux":{"resources":{"memory":{"limit":33554432}}}'
  run_to_end "$kind-memory-fits" "$kind-memory-fits"; [ "$ended" = "exit 0" ] || fail "$kind: 8 MiB refused under a 32 MiB limit"
}

stopping() { # KIND PROBE: kill TERM, then the grace; delete --force
  local kind=$1 probe=$2 id=$1-spin
  bundle "$kind-spin" "$probe" '["/probe","spin"]'
  create "$kind-spin" "$id" || return
  oci start "$id"
  expect_status "$id" running
  oci delete "$id" 2>&1 | grep -q "is running" || fail "$id: delete of a running container without --force"
  oci kill "$id" TERM || fail "$id: kill TERM failed"
  local started=$SECONDS
  finish "$id"; [ "$ended" = "exit 134" ] || fail "$id: a spinning cell was not killed after its grace: $ended"
  check_output "$id" "fault: killed" err
  [ $((SECONDS - started)) -lt 10 ] || fail "$id: the grace took too long"
  oci kill "$id" KILL 2>&1 | grep -q "not running" || fail "$id: kill of a stopped container"
  oci delete "$id"

  # until-eof: SIGTERM ends its stdin (a pipe held open here), it exits 0.
  id=$kind-eof
  bundle "$kind-eof" "$probe" '["/probe","until-eof"]'
  mkfifo "$work/$id.in"
  exec 7<>"$work/$id.in"
  stdin=$work/$id.in create "$kind-eof" "$id" || return
  oci start "$id"
  sleep 0.3
  oci kill "$id" 15
  finish "$id"; [ "$ended" = "exit 0" ] || fail "$id: SIGTERM did not end its stdin: $ended"
  check_output "$id" "^stdin ended$"
  exec 7>&-
  oci delete "$id"

  id=$kind-force
  bundle "$kind-force" "$probe" '["/probe","spin"]'
  create "$kind-force" "$id" || return
  oci start "$id"
  pid=$(cat "$work/$id.pid")
  oci delete --force "$id" || fail "$id: delete --force failed"
  [ -e "$root/$id" ] && fail "$id: delete --force left its state"
  finish "$id"; [ "$ended" = "signal 9" ] || fail "$id: delete --force did not kill it"
  kill -0 "$pid" 2>/dev/null && fail "$id: its process is still there"
}

refusals() {
  bundle terminal "$probe_wasm" '["/probe"]'
  sed -i 's/"cwd":"\/",/"cwd":"\/","terminal":true,/' "$work/terminal/config.json"
  oci --log "$work/terminal.log" --log-format json create --bundle "$work/terminal" t1 2> "$work/t1.err" &&
    fail "create with a terminal succeeded"
  grep -q "config.json: process.terminal: a terminal is not supported" "$work/t1.err" || fail "terminal: $(cat "$work/t1.err")"
  grep -q '^{"level":"error","msg":"config.json: process.terminal: a terminal is not supported.*","time":"' \
    "$work/terminal.log" || fail "the json log: $(cat "$work/terminal.log")"
  [ -e "$root/t1" ] && fail "a refused create left its state"
  bundle rlimit "$probe_wasm" '["/probe"]'
  sed -i 's/"hard":1024,"soft":1024/"hard":100000000,"soft":100000000/' "$work/rlimit/config.json"
  if [ "$(id -u)" != 0 ] || ! grep -q cap_sys_resource <(capsh --print 2>/dev/null); then
    create rlimit rlimit
    finish rlimit; [ "$ended" = "create failed 1" ] || fail "an rlimit above the hard limit was not refused"
    grep -q "config.json: process.rlimits\[0\]: cannot be set" "$work/rlimit.err" || fail "rlimit: $(cat "$work/rlimit.err")"
    [ -e "$root/rlimit" ] && fail "a refused create left its state"
  fi
  oci create --bundle "$work/terminal" ../x 2>&1 | grep -q "container ID '../x'" || fail "an ID with / passed"
  oci create --bundle "$work/terminal" --console-socket /tmp/x t2 2>&1 | grep -q "console-socket" || fail "--console-socket"
  oci create --bundle "$work/terminal" --preserve-fds 1 t2 2>&1 | grep -q "preserve-fds 1: not supported" ||
    fail "--preserve-fds 1"
  bundle dup "$probe_wasm" '["/probe"]'
  create dup dup
  oci create --bundle "$work/dup" dup 2>&1 | grep -q "exists already" || fail "a second create of one ID"
  oci delete dup || fail "delete of a created container"
  finish dup; [ "$ended" = "signal 9" ] || fail "delete of a created container did not end its process"
  oci delete --force never-was || fail "delete --force of a missing container"
  mkdir -m 777 "$work/open-root"
  "$minos" oci --root "$work/open-root" state x 2>&1 | grep -q "is not a directory of this user's" ||
    fail "a state root others may write was used"
  oci kill never-was 2>&1 | grep -q "does not exist" || fail "kill of a missing container"
}

# A pod's network: the engine's namespace (here one of the test's own,
# bound to a file) is where the cell's listen grant listens. A client in
# that namespace reaches it; one in the test's own does not.
network() {
  touch "$work/netns"
  if ! unshare --net="$work/netns" true 2>/dev/null; then
    echo "cannot make a network namespace here (unshare --net): the network part is skipped"
    return
  fi
  nsenter --net="$work/netns" ip link set lo up 2>/dev/null ||
    nsenter --net="$work/netns" "$minos" oci --version > /dev/null # no ip(8): lo stays down
  local port=$((20000 + RANDOM % 20000))
  bundle net-serve "$net_wasm" "[\"/probe\",\"serve\",\"$port\",\"1\"]" \
    "\"annotations\":{\"run.minos/listen\":\"tcp:127.0.0.1:$port\"},\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"$work/netns\"}]}"
  create net-serve net-serve || return
  oci start net-serve
  sleep 0.5
  "$minos" run --connect "tcp:127.0.0.1:$port" "$net_wasm" client "$port" > "$work/outside.out" 2>&1 &&
    fail "the cell's listener is reachable from outside its network namespace"
  nsenter --net="$work/netns" "$minos" run --connect "tcp:127.0.0.1:$port" "$net_wasm" client \
    "$port" > "$work/inside.out" 2>&1 || fail "no connection to the cell in its namespace: $(cat "$work/inside.out")"
  finish net-serve
  [ "$ended" = "exit 0" ] || fail "the cell serving in a namespace ended with '$ended': $(cat "$work/net-serve.err")"
  oci delete net-serve
  umount "$work/netns"
}

export MINOS_CACHE_DIR=${MINOS_CACHE_DIR:-$work/cache}
lifecycle wasm "$probe_wasm"
volumes wasm "$probe_wasm"
memory_limit wasm "$probe_wasm"
stopping wasm "$probe_wasm"
network
refusals
if "$minos" run "$probe_native" hello > /dev/null 2> "$work/native-check.err"; then
  lifecycle native "$probe_native"
  volumes native "$probe_native"
  memory_limit native "$probe_native"
  stopping native "$probe_native"
else
  echo "native cells cannot run here ($(cat "$work/native-check.err")): native parts skipped"
fi
if [ $failures -gt 0 ]; then
  echo "$failures failures"
  exit 1
fi
echo "oci lifecycle: all passed"
rm -rf "$work"
