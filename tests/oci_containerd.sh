#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# minos as containerd's OCI runtime (issue 13), end to end: a containerd
# of the test's own (its root, state and socket under WORK, the native
# snapshotter: no overlay mounts to undo) runs images built here from
# scratch (podman builds them, `ctr images import` takes them), through
# its runc shim (io.containerd.runc.v2) with --runc-binary MINOS_OCI, as a
# runtime handler whose BinaryName is minos-oci does. containerd's
# default spec gives a tmpfs at /run: a tmpfs of the container's own,
# writable, gone after the container. Output, exit codes, environment, a
# read-only mount, a memory limit, a trap, `ctr task kill`, and nothing
# left behind (state, mounts, processes).
# Skips (77) only where containerd or podman cannot run at all.
#   oci_containerd.sh MINOS_OCI PROBE_WASM PROBE_NATIVE WORK
set -u
minos_oci=$1 probe_wasm=$2 probe_native=$3 work=$4
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for tool in containerd ctr podman; do
  if ! command -v $tool > /dev/null; then
    echo "SKIP: $tool is not installed (scripts/install-deps installs it)"
    exit 77
  fi
done
rm -rf "$work"
mkdir -p "$work/images" "$work/volume"
echo "from the host" > "$work/volume/file.txt"
# Short paths where lengths are bounded (a socket's 108 bytes, podman's
# runroot's 50), whatever depth the build directory has.
short=$(mktemp -d /tmp/minos-ctr-XXXXXX)
socket=$short/c.sock
cat > "$work/config.toml" <<CONF
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$socket"
[ttrpc]
  address = "$socket.ttrpc"
CONF
containerd --config "$work/config.toml" > "$work/containerd.log" 2>&1 &
containerd_pid=$!
cleanup() {
  ctr_here tasks kill -s SIGKILL spin-wasm > /dev/null 2>&1
  ctr_here tasks kill -s SIGKILL spin-native > /dev/null 2>&1
  kill "$containerd_pid" 2> /dev/null
  wait "$containerd_pid" 2> /dev/null
  podman_here rmi -af > /dev/null 2>&1
  rm -rf "$short"
}
trap cleanup EXIT
ctr_here() { ctr --address "$socket" --namespace minos-test "$@"; }
for _ in $(seq 100); do
  ctr_here version > /dev/null 2>&1 && break
  kill -0 "$containerd_pid" 2> /dev/null || break
  sleep 0.1
done
if ! ctr_here version > /dev/null 2>&1; then
  echo "SKIP: containerd cannot run on this machine:"
  tail -5 "$work/containerd.log"
  exit 77
fi
podman_here() {
  podman --root "$work/podman" --runroot "$short/pr" --tmpdir "$work/tmp" \
    --storage-driver vfs --cgroup-manager cgroupfs --events-backend file "$@"
}

build_image() { # NAME PROGRAM
  mkdir -p "$work/images/$1"
  cp "$2" "$work/images/$1/probe"
  printf 'FROM scratch\nCOPY probe /probe\nENTRYPOINT ["/probe"]\n' > "$work/images/$1/Containerfile"
  podman_here build -q -t "localhost/$1" "$work/images/$1" > /dev/null &&
    podman_here save -q --format oci-archive -o "$work/images/$1.tar" "localhost/$1" &&
    ctr_here images import --base-name "localhost/$1" "$work/images/$1.tar" > /dev/null ||
    fail "cannot build and import the image $1"
}

run=(ctr --address "$socket" --namespace minos-test run --runc-binary "$minos_oci"
  --snapshotter native)
run() { "${run[@]}" "$@"; } # RUN_OPTIONS... IMAGE ID ARGS...

expect_run() { # WHAT EXIT PATTERN RUN_ARGUMENTS...: output and exit status
  local what=$1 expected=$2 pattern=$3
  shift 3
  local output status
  output=$(timeout 60 "${run[@]}" "$@" 2>&1)
  status=$?
  [ "$status" = "$expected" ] || fail "$what: exit status $status, expected $expected: $output"
  grep -q -- "$pattern" <<< "$output" || fail "$what: no '$pattern' in: $output"
}

image_tests() { # KIND: the image localhost/oci-KIND:latest
  local kind=$1 image=localhost/oci-$1:latest
  expect_run "$kind hello" 0 "^hello from oci_probe$" --rm "$image" "hello-$kind" /probe hello
  expect_run "$kind exit code" 7 "" --rm "$image" "exit-$kind" /probe exit 7
  expect_run "$kind env" 0 "^GREETING=hi$" --rm --env GREETING=hi "$image" "env-$kind" \
    /probe env GREETING
  expect_run "$kind tmpfs at /run" 0 "^wrote /run/x$" --rm "$image" "run-$kind" /probe write /run/x
  expect_run "$kind tmpfs at /run, fresh" 1 "cannot read /run/x" --rm "$image" "fresh-$kind" \
    /probe cat /run/x
  expect_run "$kind read-only mount read" 0 "^from the host$" --rm \
    --mount "type=bind,src=$work/volume,dst=/data,options=rbind:ro" "$image" "ro-$kind" \
    /probe cat /data/file.txt
  expect_run "$kind read-only mount write" 1 "Read-only file system" --rm \
    --mount "type=bind,src=$work/volume,dst=/data,options=rbind:ro" "$image" "rw-$kind" \
    /probe write /data/new.txt
  [ -e "$work/volume/new.txt" ] && fail "$kind: the read-only mount was written"
  expect_run "$kind memory limit" 1 "^allocated [0-9]* MiB of 64$" --rm \
    --memory-limit $((32 << 20)) "$image" "memory-$kind" /probe grow 64
  expect_run "$kind trap" 134 "" --rm "$image" "trap-$kind" /probe trap

  # ctr task kill of a cell spinning for ever: SIGTERM, then minos's
  # grace kills it.
  run -d --null-io "$image" "spin-$kind" /probe spin > /dev/null || fail "$kind: run -d"
  sleep 0.5
  ctr_here tasks kill "spin-$kind" || fail "$kind: ctr task kill failed"
  local status="" started=$SECONDS
  while [ $((SECONDS - started)) -lt 15 ]; do
    status=$(ctr_here tasks ls | awk -v id="spin-$kind" '$1 == id { print $3 }')
    [ "$status" = STOPPED ] && break
    sleep 0.2
  done
  [ "$status" = STOPPED ] || fail "$kind: the killed task is $status, not STOPPED"
  ctr_here tasks delete "spin-$kind" > /dev/null || fail "$kind: ctr task delete failed"
  ctr_here containers delete "spin-$kind" || fail "$kind: ctr container delete failed"
}

build_image oci-wasm "$probe_wasm"
build_image oci-native "$probe_native"
image_tests wasm
if "${minos_oci%-oci}" run "$probe_native" hello > /dev/null 2>&1; then
  image_tests native
else
  echo "native cells cannot run here: the native image's tests are skipped"
fi

# Nothing left: no container, no state, no tmpfs, no cell.
left=$(ctr_here containers ls -q)
[ -z "$left" ] || fail "containers left: $left"
mounted=$(grep -c "$work\|/run/containerd/runc/minos-test" /proc/self/mountinfo)
[ "$mounted" = 0 ] || fail "mounts left: $(grep "$work\|runc/minos-test" /proc/self/mountinfo)"
state=$(ls /run/containerd/runc/minos-test 2> /dev/null)
[ -z "$state" ] || fail "state left: $state"
left=$(ps -eo pid=,args= | grep -F "$work/state" | grep -v -e containerd -e grep)
[ -z "$left" ] || fail "processes left: $left"

echo "$failures failures"
[ "$failures" = 0 ]
