#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# stdin to stdout through a guest, byte for byte: a file of every byte
# value repeated (1 MiB and an odd tail) goes through wasi_cat.wasm from a
# file and from a pipe, and must come out identical.
#
#   wasi_cat.sh MINOS GUEST_WASM
set -eu
minos=$1
guest=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

i=0
while [ $i -lt 256 ]; do
  printf "\\$(printf %o $i)"
  i=$((i + 1))
done >"$scratch/chunk"
cp "$scratch/chunk" "$scratch/input"
n=0
while [ $n -lt 12 ]; do
  cat "$scratch/input" "$scratch/input" >"$scratch/double"
  mv "$scratch/double" "$scratch/input"
  n=$((n + 1))
done
head -c 1000 "$scratch/input" >"$scratch/tail"
cat "$scratch/tail" >>"$scratch/input"
[ "$(wc -c <"$scratch/input")" -eq 1049576 ] || { echo "bad input size" >&2; exit 1; }

"$minos" run "$guest" <"$scratch/input" >"$scratch/from_file"
cmp "$scratch/input" "$scratch/from_file"
cat "$scratch/input" | "$minos" run "$guest" | cat >"$scratch/from_pipe"
cmp "$scratch/input" "$scratch/from_pipe"
"$minos" run "$guest" </dev/null >"$scratch/empty"
[ ! -s "$scratch/empty" ]
echo "round trip ok"
