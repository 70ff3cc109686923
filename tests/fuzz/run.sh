#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fuzzes one target for a bounded time from a copy of its committed corpus
# (so the committed one never changes), and fails on any crash, leak,
# sanitizer report or slow input: libFuzzer exits non-zero and leaves the
# input in WORK/artifacts.
#   run.sh FUZZER CORPUS WORK SECONDS [libFuzzer options, such as -max_len=N]
set -eu
fuzzer=$1 corpus=$2 work=$3 seconds=$4
shift 4
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/"
# Leaks found earlier whose fix is elsewhere and not in yet.
LSAN_OPTIONS="suppressions=$(dirname "$0")/known_leaks.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/corpus" \
  > "$work/log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 60 "$work/log"
  echo "run.sh: $(basename "$fuzzer") failed (exit $status); inputs in $work/artifacts:"
  ls -l "$work/artifacts"
  exit 1
fi
grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added)" "$work/log" || true
echo "run.sh: $(basename "$fuzzer"): no failure in ${seconds}s"
