#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Compiles mutated modules: any variant wasm-validate accepts must compile
# (or be refused with a clear reason, exit 2); a failure of wasm2c or the
# C compiler on a valid module is a minos bug (issue 9).
#
#   seal_fuzz.sh MINOS SEAL_FORGE KEEP_PER_SEED SEED_MODULE...
set -u
minos=$1 forge=$2 keep=$3
shift 3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# A cache of its own: every variant is compiled now, not found compiled.
export MINOS_CACHE_DIR="$scratch/cache"
failed=0 compiled=0 refused=0 seed_number=0
for seed in "$@"; do
  seed_number=$((seed_number + 1))
  mkdir -p "$scratch/$seed_number"
  "$forge" mutate "$seed" "$scratch/$seed_number" 400 "$seed_number" || exit 1
  kept=0
  for variant in "$scratch/$seed_number"/mutant-*.wasm; do
    [ "$kept" -ge "$keep" ] && break
    wasm-validate "$variant" >/dev/null 2>&1 || continue
    kept=$((kept + 1))
    timeout -k 5 120 "$minos" compile "$variant" >"$scratch/out" 2>&1
    status=$?
    case $status in
      0) compiled=$((compiled + 1)) ;;
      2) refused=$((refused + 1)) ;;
    esac
    if [ "$status" != 0 ] && [ "$status" != 2 ] ||
       grep -Eq "C compiler|wasm2c|crashed|unrecognised" "$scratch/out"; then
      echo "FAIL: $(basename "$seed") variant $(basename "$variant") (exit $status):"
      head -c 2000 "$scratch/out"
      cp "$variant" "/tmp/minos-seal-$(basename "$seed" .wasm)-$(basename "$variant")" 2>/dev/null
      failed=1
    fi
  done
  if [ "$kept" -lt "$keep" ]; then
    echo "FAIL: only $kept valid variants of $seed (wanted $keep)"
    failed=1
  fi
done
echo "$compiled compiled, $refused refused with a reason"
exit $failed
