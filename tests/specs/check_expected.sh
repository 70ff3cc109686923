#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs 'minos check' on one spec of tests/specs and compares what it
# reports with NAME.expected: every problem, in order, and nothing else.
#
#   check_expected.sh MINOS SPECS_DIR NAME
set -u
minos=$1
specs=$2
name=$3
expected=$(cd "$(dirname "$0")" && pwd)/$name.expected
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$specs" || exit 1
"$minos" check "$name.json" >"$scratch/out" 2>"$scratch/err"
status=$?
if [ "$status" -ne 1 ] || [ -s "$scratch/out" ]; then
  echo "FAIL: exit status $status (expected 1), stdout:"
  cat "$scratch/out"
  exit 1
fi
if ! diff -u "$expected" "$scratch/err"; then
  echo "FAIL: the report differs from $name.expected (above)"
  exit 1
fi
exit 0
