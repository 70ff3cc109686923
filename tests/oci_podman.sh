#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# minos as podman's OCI runtime (issue 13), end to end: images built here
# from scratch (no registry), one holding a wasm program, one a static
# native one (tests/guests/oci_probe.c), run by podman with
# --runtime MINOS_OCI (the minos-oci link to the minos binary): output,
# exit codes, a memory limit, a read-only volume, podman stop of a cell
# that runs for ever, a trap in podman logs, a refused terminal.
# podman gets storage of its own under WORK (vfs: no mounts to undo),
# and minos-oci is listed in runtime_supports_json, so minos's errors
# reach podman through `minos oci --log FILE --log-format json`.
# Skips (77) only where podman cannot run at all.
#   oci_podman.sh MINOS_OCI PROBE_WASM PROBE_NATIVE WORK
set -u
minos_oci=$1 probe_wasm=$2 probe_native=$3 work=$4
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if ! command -v podman > /dev/null; then
  echo "SKIP: podman is not installed (scripts/install-deps installs it)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/images" "$work/volume"
cat > "$work/containers.conf" <<CONF
[engine]
runtime_supports_json = ["minos-oci", "crun", "runc"]
CONF
export CONTAINERS_CONF=$work/containers.conf
# podman's runroot must be under 50 bytes, whatever depth the build has.
runroot=$(mktemp -d /tmp/minos-podman-XXXXXX)
trap 'rm -rf "$runroot"' EXIT
podman_here() {
  podman --root "$work/storage" --runroot "$runroot" --tmpdir "$work/tmp" \
    --storage-driver vfs --cgroup-manager cgroupfs --events-backend file "$@"
}
if ! podman_here info > "$work/info.txt" 2>&1; then
  echo "SKIP: podman cannot run on this machine:"
  tail -5 "$work/info.txt"
  exit 77
fi
# podman's default descriptor and process limits are above the hard
# limits of such machines: without these, every runtime fails (setrlimit).
ulimits="--ulimit nofile=20000:20000 --ulimit nproc=4096:4096"
run() { podman_here --runtime "$minos_oci" run $ulimits "$@"; }

build_image() { # NAME PROGRAM
  mkdir -p "$work/images/$1"
  cp "$2" "$work/images/$1/probe"
  printf 'FROM scratch\nCOPY probe /probe\nENTRYPOINT ["/probe"]\n' > "$work/images/$1/Containerfile"
  podman_here build -q -t "localhost/$1" "$work/images/$1" > /dev/null ||
    fail "cannot build the image $1"
}

expect_run() { # WHAT EXIT PATTERN RUN_ARGUMENTS...: output and exit status
  local what=$1 expected=$2 pattern=$3
  shift 3
  local output status
  output=$(run "$@" 2>&1)
  status=$?
  [ "$status" = "$expected" ] || fail "$what: exit status $status, expected $expected: $output"
  grep -q -- "$pattern" <<< "$output" || fail "$what: no '$pattern' in: $output"
}

image_tests() { # KIND: the image localhost/oci-KIND
  local kind=$1 image=localhost/oci-$1
  expect_run "$kind hello" 0 "^hello from oci_probe$" --rm "$image" hello
  expect_run "$kind hello, no network" 0 "^hello from oci_probe$" --rm --network none "$image"
  expect_run "$kind exit code" 7 "" --rm --network none "$image" exit 7
  expect_run "$kind env" 0 "^GREETING=hi$" --rm --network none -e GREETING=hi "$image" env GREETING
  expect_run "$kind memory limit" 1 "^allocated [0-9]* MiB of 64$" --rm --network none --memory 32m \
    "$image" grow 64
  expect_run "$kind under the memory limit" 0 "^allocated 8 MiB of 8$" --rm --network none \
    --memory 32m "$image" grow 8
  expect_run "$kind read-only volume read" 0 "^from the host$" --rm --network none \
    -v "$work/volume:/data:ro" "$image" cat /data/file.txt
  expect_run "$kind read-only volume write" 1 "cannot write /data/new.txt: Read-only file system" \
    --rm --network none -v "$work/volume:/data:ro" "$image" write /data/new.txt
  [ -e "$work/volume/new.txt" ] && fail "$kind: the read-only volume was written"

  # A trap: 134, and the fault line in the container's log.
  expect_run "$kind trap" 134 "" --name "trap-$kind" --network none "$image" trap
  podman_here logs "trap-$kind" 2>&1 | grep -q "^minos: \(trap\|fault\): " ||
    fail "$kind: no trap in podman logs: $(podman_here logs "trap-$kind" 2>&1)"
  podman_here rm "trap-$kind" > /dev/null

  # podman stop of a cell spinning for ever: SIGTERM, then minos's grace
  # (2 s, under podman's 10 s) kills it.
  run -d --name "spin-$kind" --network none "$image" spin > /dev/null || fail "$kind: run -d"
  sleep 0.5
  local started=$SECONDS
  podman_here stop "spin-$kind" > /dev/null || fail "$kind: podman stop failed"
  [ $((SECONDS - started)) -lt 9 ] || fail "$kind: podman stop waited for its own timeout"
  local code
  code=$(podman_here inspect "spin-$kind" --format '{{.State.ExitCode}}')
  [ "$code" = 134 ] || fail "$kind: a stopped cell's exit code is $code, not 134"
  podman_here logs "spin-$kind" 2>&1 | grep -q "fault: killed" || fail "$kind: no 'fault: killed' in its logs"
  podman_here rm "spin-$kind" > /dev/null
}

echo "from the host" > "$work/volume/file.txt"
build_image oci-wasm "$probe_wasm"
build_image oci-native "$probe_native"
image_tests wasm
# Podman's storage is root's alone (0700): the native cell, nobody once it
# runs, gets its program and grants bound by the sandbox while it is root.
if "${minos_oci%-oci}" run "$probe_native" hello > /dev/null 2>&1; then
  image_tests native
else
  echo "native cells cannot run here: the native image's tests are skipped"
fi
# What minos cannot honour fails the run, naming the field (through the
# json log podman reads).
expect_run "a terminal" 126 "a terminal is not supported" --rm -t localhost/oci-wasm
expect_run "a CPU quota" 126 "linux.resources.cpu.quota" --rm --network none --cpus 0.5 \
  localhost/oci-wasm
left=$(podman_here ps -a --format '{{.Names}}')
[ -z "$left" ] || fail "containers left: $left"
podman_here rm -af > /dev/null 2>&1
podman_here rmi -af > /dev/null 2>&1
if [ $failures -gt 0 ]; then
  echo "$failures failures"
  exit 1
fi
rm -rf "$work"
echo "oci podman: all passed"
