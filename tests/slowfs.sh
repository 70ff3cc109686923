#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# slowfs.sh MODE MINOS FUSE_TOOL GUEST
# Calls on a slow file system run off the worker (tests/slowfs.cmake).
#   local    a local file reads as before, inline and (MINOS_SLOW_FILES=all)
#            through the offload threads
#   ACTION   one call of tests/guests/slowfs_reader.c (ticker: a read,
#            lister: a listing, maker: a mkdir, closer, syncer, allocator,
#            futimer, toucher, seeker, stater, poller, renamer, linker,
#            symlinker, readlinker, unlinker, remover) on a file of
#            tests/tools/slowfs_fuse.c, where it blocks until this script
#            releases it two seconds later; a ticker on the same (only)
#            worker must tick meanwhile, and the call must succeed
#   ACTION-crossing
#            the same, the file on the slow mount beneath a local grant:
#            the call crosses into it off the worker
#   crossing the same as ticker-crossing
#   killed   a cell whose read is blocked is ended by --timeout 2s: its
#            end is reported promptly, long before the read would return
# All but local need FUSE (/dev/fuse, fusermount3, the right to
# mount): without it they say SKIP and exit 77, which ctest reports as
# skipped, never as passed.
set -u
mode=$1 minos=$2 tool=$3 guest=$4
[ "$mode" != crossing ] || mode=ticker-crossing
scratch=$(mktemp -d)
fuse_pid=""
cleanup() {
  touch "$scratch/release"
  if [ -n "$fuse_pid" ]; then
    fusermount3 -u "$scratch/mnt" 2>/dev/null || fusermount3 -uz "$scratch/mnt" 2>/dev/null
    kill "$fuse_pid" 2>/dev/null
    wait "$fuse_pid" 2>/dev/null
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
export MINOS_WORKERS=1
"$minos" compile "$guest" || { echo "FAIL: cannot compile $guest"; exit 1; }
name=$(basename "$guest")
run() {
  "$minos" run --max-cells 8 --ro-dir "$(dirname "$guest")::/guests" "$@"
}

skip() {
  echo "SKIP: $1"
  exit 77
}

# Mounts the slow file system on $scratch/mnt, or skips the test.
mount_slowfs() {
  [ -c /dev/fuse ] || skip "no /dev/fuse: FUSE is not available here"
  command -v fusermount3 >/dev/null || skip "no fusermount3 (Debian package fuse3)"
  mkdir "$scratch/mnt"
  SLOWFS_RELEASE="$scratch/release" "$tool" -f -o attr_timeout=0 "$scratch/mnt" \
    2>"$scratch/fuse.log" &
  fuse_pid=$!
  waited=0
  until [ -e "$scratch/mnt/slow.txt" ]; do
    kill -0 "$fuse_pid" 2>/dev/null || { fuse_pid=""; cat "$scratch/fuse.log"; skip "cannot mount a FUSE file system here"; }
    [ "$waited" -lt 100 ] || skip "the FUSE file system did not come up in 10 s"
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Waits (up to 120 s) for the guest to say it is reading.
wait_for_reading() {
  waited=0
  until grep -q '^reading$' "$scratch/out" 2>/dev/null; do
    [ "$waited" -lt 1200 ] || { echo "FAIL: the guest never started reading"; exit 1; }
    sleep 0.1
    waited=$((waited + 1))
  done
}

case "$mode" in
  local)
    mkdir "$scratch/local"
    printf 'local data' > "$scratch/local/data.txt"
    run --ro-dir "$scratch/local::/local" "$guest" read /local/data.txt "local data" || exit 1
    MINOS_SLOW_FILES=all run --ro-dir "$scratch/local::/local" "$guest" read /local/data.txt \
      "local data" || exit 1 ;;
  killed)
    # The cell must end (its fault reported) promptly. The process itself
    # exits only once the kernel has the FUSE daemon's answer to the read
    # (a request already sent is waited out uninterruptibly), so the read
    # is released once the end has been reported.
    mount_slowfs
    started=$(date +%s)
    run --timeout 2s --ro-dir "$scratch/mnt::/slow" "$guest" hang /slow/slow.txt \
      >"$scratch/out" 2>"$scratch/err" &
    run_pid=$!
    until grep -q 'fault: timeout' "$scratch/err"; do
      kill -0 "$run_pid" 2>/dev/null || break
      [ $(($(date +%s) - started)) -lt 15 ] || break
      sleep 0.1
    done
    took=$(($(date +%s) - started))
    touch "$scratch/release"
    wait "$run_pid"
    status=$?
    cat "$scratch/out" "$scratch/err"
    echo "the end was reported after $took s; the run exited with status $status"
    grep -q '^reading$' "$scratch/out" || { echo "FAIL: the guest never started reading"; exit 1; }
    ! grep -q 'read returned' "$scratch/out" || { echo "FAIL: the read returned to the cell"; exit 1; }
    grep -q 'fault: timeout' "$scratch/err" || { echo "FAIL: no timeout reported"; exit 1; }
    # The slow read holds for 20 s; the cell's end must not wait for it.
    [ "$took" -lt 15 ] || { echo "FAIL: the cell's end waited for the read"; exit 1; }
    [ "$status" -ne 0 ] || { echo "FAIL: a timed-out run exited 0"; exit 1; } ;;
  *)
    action=${mode%-crossing}
    # What each call works on, and what it must give.
    case "$action" in
      ticker) file=slow.txt expected="slow data arrived" ;;
      lister) file=slowdir expected="slow.txt " ;;
      maker) file=newdir expected=made ;;
      closer) file=slow.txt expected=closed ;;
      syncer) file=slow.txt expected=synced ;;
      allocator) file=slow.txt expected=allocated ;;
      futimer|toucher) file=slow.txt expected=touched ;;
      seeker|stater) file=sized.txt expected=17 ;;
      poller) file=slow.txt expected=ready ;;
      renamer) file=slow.txt expected=renamed ;;
      linker) file=slow.txt expected=linked ;;
      symlinker) file=soft expected=linked ;;
      readlinker) file=link expected=slow.txt ;;
      unlinker) file=slow.txt expected=unlinked ;;
      remover) file=slowdir expected=removed ;;
      *) echo "usage: slowfs.sh local|killed|ACTION[-crossing] MINOS FUSE_TOOL GUEST" >&2; exit 2 ;;
    esac
    mount_slowfs
    # crossing: the grant is local, the slow mount beneath it.
    grant="$scratch/mnt::/slow" path=/slow/$file
    if [ "$mode" != "$action" ]; then
      grant="$scratch::/scratch" path=/scratch/mnt/$file
    fi
    run --dir "$grant" "$guest" "$action" "/guests/$name" "$path" "$expected" \
      >"$scratch/out" &
    run_pid=$!
    wait_for_reading
    sleep 2
    touch "$scratch/release"
    wait "$run_pid"
    status=$?
    cat "$scratch/out"
    [ "$status" -eq 0 ] || exit 1 ;;
esac
echo "slowfs $mode ok"
