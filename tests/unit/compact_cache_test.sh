#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The compile variant is part of the cache key, and compact artefacts and
# refusals are cached: a second compact run of a module starts no
# compiler, a fast run of it compiles its own artefact, and a module
# refused in the compact variant (a frame too big) is not compiled again.
# Usage: compact_cache_test.sh MINOS COMPACT_RUN HELLO.wasm BIG_FRAME.wasm
set -u
minos=$1
compact_run=$2
hello=$3
big_frame=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

. "$(dirname "$0")/../counting_cc.sh"
counting_cc cc
export MINOS_CACHE_DIR="$scratch/cache" MINOS_CC="$scratch/cc"

"$compact_run" "$hello" > /dev/null; status=$?
[ $status -eq 7 ] || fail "first compact run exited $status"
compact_starts=$(compiler_starts cc)
[ "$compact_starts" -ge 1 ] || fail "the first compact run started no compiler"
"$compact_run" "$hello" > /dev/null; status=$?
[ $status -eq 7 ] || fail "second compact run exited $status"
[ "$(compiler_starts cc)" -eq "$compact_starts" ] || fail "the second compact run started the compiler"

"$minos" run "$hello" > /dev/null; status=$?
[ $status -eq 7 ] || fail "fast run exited $status"
[ "$(compiler_starts cc)" -gt "$compact_starts" ] || fail "the fast run reused the compact artefact"
artefacts=$(find "$scratch/cache" -name '*.so' | wc -l)
[ "$artefacts" -eq 2 ] || fail "$artefacts artefacts for one module in two variants"

before=$(compiler_starts cc)
"$compact_run" "$big_frame" > /dev/null 2>&1; status=$?
[ $status -eq 125 ] || fail "first compact run of the big frame exited $status"
[ "$(compiler_starts cc)" -gt "$before" ] || fail "the big frame was refused without compiling"
before=$(compiler_starts cc)
"$compact_run" "$big_frame" > /dev/null 2> "$scratch/err"; status=$?
[ $status -eq 125 ] || fail "second compact run of the big frame exited $status"
grep -q "needs a native frame" "$scratch/err" || fail "the cached refusal lost its reason"
[ "$(compiler_starts cc)" -eq "$before" ] || fail "a refused module was compiled again"
echo "compact cache ok"
