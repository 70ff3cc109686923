#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs one command and checks what it did.
#
#   expect.sh [--exit N] [--stdout ERE]... [--no-stdout ERE]... [--stderr ERE]...
#             [--no-stderr ERE]... [--stdin FILE] [--timeout SECONDS] -- command...
#
# Every pattern is an extended regular expression matched against the whole
# output (grep -E). Prints what it saw when an expectation fails.
set -u
exit_expected=0
stdin=/dev/null
timeout=60
checks=""
while [ $# -gt 0 ]; do
  case "$1" in
    --exit) exit_expected=$2; shift 2 ;;
    --stdout|--no-stdout|--stderr|--no-stderr)
      checks="$checks$1$(printf '\036')$2$(printf '\037')"; shift 2 ;;
    --stdin) stdin=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "expect.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
timeout -k 5 "$timeout" "$@" <"$stdin" >"$scratch/out" 2>"$scratch/err"
status=$?
failed=0
if [ "$status" != "$exit_expected" ]; then
  echo "FAIL: exit status $status, expected $exit_expected"
  failed=1
fi
old_ifs=$IFS
IFS=$(printf '\037')
for check in $checks; do
  kind=${check%%$(printf '\036')*}
  pattern=${check#*$(printf '\036')}
  case "$kind" in
    --stdout) file=out; want=yes ;;
    --no-stdout) file=out; want=no ;;
    --stderr) file=err; want=yes ;;
    --no-stderr) file=err; want=no ;;
  esac
  if grep -Eq -- "$pattern" "$scratch/$file"; then found=yes; else found=no; fi
  if [ "$found" != "$want" ]; then
    echo "FAIL: $kind '$pattern'"
    failed=1
  fi
done
IFS=$old_ifs
if [ $failed -ne 0 ]; then
  echo "--- command: $*"
  echo "--- stdout:"; head -c 4000 "$scratch/out"
  echo "--- stderr:"; head -c 4000 "$scratch/err"
  exit 1
fi
exit 0
