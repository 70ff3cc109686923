#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The compile cache: a second run of a module must not start the compiler,
# 'minos compile' fills the cache ahead of time, concurrent compiles of one
# module agree, and a cache directory others can write to is refused.
# Usage: cache_test.sh MINOS MODULE.wasm
set -u
minos=$1
module=$2
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch"; rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

. "$(dirname "$0")/counting_cc.sh"
counting_cc cc

export MINOS_CACHE_DIR="$scratch/cache"
MINOS_CC="$scratch/cc" "$minos" run "$module" > /dev/null; status=$?
[ $status -eq 7 ] || fail "first run exited $status"
MINOS_CC="$scratch/cc" "$minos" run "$module" > /dev/null; status=$?
[ $status -eq 7 ] || fail "second run exited $status"
starts=$(compiler_starts cc)
[ "$starts" -eq 1 ] || fail "the compiler was started $starts times for two runs"

# With the cache filled by 'minos compile', a run starts no compiler. (The
# tools' identity is part of the key, so the same wrapper must be used.)
export MINOS_CACHE_DIR="$scratch/cache2"
: > "$scratch/cc.log"
MINOS_CC="$scratch/cc" "$minos" compile "$module" || fail "minos compile failed"
MINOS_CC="$scratch/cc" "$minos" run "$module" > /dev/null; status=$?
[ $status -eq 7 ] || fail "run after compile exited $status"
starts=$(compiler_starts cc)
[ "$starts" -eq 1 ] || fail "compile then run started the compiler $starts times"

# Another compiler is another toolchain: it gets its own artefact.
counting_cc cc2
MINOS_CC="$scratch/cc2" "$minos" run "$module" > /dev/null; status=$?
[ $status -eq 7 ] || fail "run with another compiler exited $status"
[ "$(compiler_starts cc2)" -gt 0 ] || fail "a different compiler reused the other compiler's artefact"

# Two concurrent compiles of one module: both succeed, one artefact.
export MINOS_CACHE_DIR="$scratch/cache3"
"$minos" compile "$module" & first=$!
"$minos" compile "$module" & second=$!
wait $first || fail "first concurrent compile failed"
wait $second || fail "second concurrent compile failed"
artefacts=$(find "$scratch/cache3" -name '*.so' | wc -l)
[ "$artefacts" -eq 1 ] || fail "$artefacts artefacts after concurrent compiles"
leftovers=$(find "$scratch/cache3" -name 'build-*' | wc -l)
[ "$leftovers" -eq 0 ] || fail "build directories left behind"

# A cache others could write to would let them plant code: refused.
mkdir -p "$scratch/open/minos-cache-1"
chmod 777 "$scratch/open/minos-cache-1"
MINOS_CACHE_DIR="$scratch/open" "$minos" run "$module" > /dev/null 2> "$scratch/err"; status=$?
[ $status -eq 125 ] || fail "world-writable cache accepted (exit $status)"
grep -q "writable by no one else" "$scratch/err" || fail "no clear message: $(cat "$scratch/err")"
# A relative cache directory is taken from the current directory, once:
# the tools, which run in their own build directory, still find it.
mkdir "$scratch/here"
(cd "$scratch/here" && MINOS_CACHE_DIR=relative "$minos" run "$module" > /dev/null 2> "$scratch/err")
status=$?
[ $status -eq 7 ] || fail "relative MINOS_CACHE_DIR: exit $status: $(cat "$scratch/err")"
[ -d "$scratch/here/relative/minos-cache-1" ] || fail "relative cache not made under the current directory"
echo "cache behaves"
