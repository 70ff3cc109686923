#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes broken modules from a good one: make_malformed.sh GOOD.wasm OUTDIR
set -eu
good=$1
out=$2
mkdir -p "$out"
head -c 100 "$good" > "$out/truncated.wasm"
printf 'XXXX\001\000\000\000' > "$out/bad_magic.wasm"
printf '\000asm\002\000\000\000' > "$out/bad_version.wasm"
: > "$out/empty.wasm"
printf '\000asm\001\000\000\000\001\377\377\377\377\017' > "$out/huge_section.wasm"
