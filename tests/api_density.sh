#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Ten thousand create/trap cycles leave minos's memory and open
# descriptors flat. api_density.wasm stops at checkpoints (cycles 1000,
# 5500 and 10000), prints "checkpoint N" and waits for a line on stdin;
# this script samples /proc/PID (VmRSS, VmSize, number of mappings and of
# open fds) while it waits, then lets it go on. No timing is involved:
# every sample is taken while the guest is parked at a checkpoint.
# VmSize and the mappings catch what resident memory cannot: a leaked
# linear-memory reservation or stack is address space, mostly untouched.
#
#   api_density.sh MINOS MODULES_DIR DENSITY_WASM [CYCLES]
#
# Prints the samples and "density ok", or what grew, and exits 1.
set -u
minos=$1
modules=$2
guest=$3
cycles=${4:-10000}
first=$((cycles / 10))
middle=$(((cycles + first) / 2))
# Resident memory: at most 3 MiB more from the first checkpoint to the
# last (allocators warm up: under AddressSanitizer about 1.5 MiB until
# cycle 4,000, then nothing), and at most 512 KiB over the second half,
# where a leak of 120 bytes a cycle would already show. A leaked stack,
# memory or module handle would be far more.
max_growth_kb=${API_DENSITY_MAX_GROWTH_KB:-3072}
max_late_growth_kb=${API_DENSITY_MAX_LATE_GROWTH_KB:-512}
# Address space may grow a little (a malloc arena); one leaked 8 GiB
# memory reservation, or a 1 MiB stack per cycle, is far beyond this.
max_vm_growth_kb=131072
max_maps_growth=16

# Under AddressSanitizer, freed memory sits in a quarantine (256 MiB by
# default) that looks like growth: turn it off (ignored by other builds).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
export ASAN_OPTIONS

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkfifo "$scratch/in"
"$minos" run --max-cells 4 --ro-dir "$modules::/modules" "$guest" "$cycles" "$first" "$middle" "$cycles" \
  <"$scratch/in" >"$scratch/out" 2>"$scratch/err" &
pid=$!
exec 3>"$scratch/in"

sample() { # -> "rss_kb fds vmsize_kb maps"
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  vm=$(awk '/^VmSize:/ { print $2 }' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  maps=$(wc -l <"/proc/$pid/maps")
  echo "$rss $fds $vm $maps"
}

wait_for() { # line
  until grep -qx "$1" "$scratch/out" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "minos ended before '$1'"
      cat "$scratch/out" "$scratch/err"
      exit 1
    fi
    sleep 0.05
  done
}

for checkpoint in $first $middle $cycles; do
  wait_for "checkpoint $checkpoint"
  set -- $(sample)
  echo "cycle $checkpoint: VmRSS $1 kB, $2 open descriptors, VmSize $3 kB, $4 mappings"
  eval "rss_$checkpoint=$1 fds_$checkpoint=$2 vm_$checkpoint=$3 maps_$checkpoint=$4"
  echo >&3
done
exec 3>&-
wait "$pid"
status=$?
cat "$scratch/out"
cat "$scratch/err" >&2
[ "$status" -eq 0 ] || { echo "minos exited $status"; exit 1; }

eval "rss_first=\$rss_$first fds_first=\$fds_$first rss_last=\$rss_$cycles fds_last=\$fds_$cycles"
eval "vm_first=\$vm_$first maps_first=\$maps_$first vm_last=\$vm_$cycles maps_last=\$maps_$cycles"
eval "rss_middle=\$rss_$middle"
late_growth=$((rss_last - rss_middle))
growth=$((rss_last - rss_first))
failed=0
if [ "$fds_last" -ne "$fds_first" ]; then
  echo "FAIL: open descriptors went from $fds_first to $fds_last"
  failed=1
fi
if [ "$growth" -gt "$max_growth_kb" ]; then
  echo "FAIL: VmRSS grew by $growth kB from cycle $first to $cycles (allowed $max_growth_kb kB)"
  failed=1
fi
if [ "$late_growth" -gt "$max_late_growth_kb" ]; then
  echo "FAIL: VmRSS grew by $late_growth kB from cycle $middle to $cycles (allowed $max_late_growth_kb kB)"
  failed=1
fi
if [ $((vm_last - vm_first)) -gt "$max_vm_growth_kb" ]; then
  echo "FAIL: VmSize grew by $((vm_last - vm_first)) kB from cycle $first to $cycles"
  failed=1
fi
if [ $((maps_last - maps_first)) -gt "$max_maps_growth" ]; then
  echo "FAIL: mappings went from $maps_first to $maps_last"
  failed=1
fi
[ $failed -eq 0 ] || exit 1
echo "VmRSS grew by $growth kB over $((cycles - first)) cycles, $late_growth kB over the last $((cycles - middle))"
echo "density ok"
