#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A cell's output reaches minos's stdout every time, native or wasm: the
# bridges to the host's descriptors start at the first write, which for a
# native cell comes from the reactor's thread and may race the cell's end
# (a race once lost such output about once in a few hundred runs).
#
#   bridge_outputs.sh MINOS NATIVE_PARENT HELLO_WASM NATIVE_HELLO RUNS
set -u
minos=$1 native_parent=$2 hello_wasm=$3 native_hello=$4 runs=$5
lost=0
i=0
while [ "$i" -lt "$runs" ]; do
  out=$("$minos" run "$native_parent" wasm < "$hello_wasm" 2>/dev/null)
  case "$out" in "cnew: -"*) ;; *) lost=$((lost + 1)); echo "native_parent run $i printed [$out]" ;; esac
  out=$("$minos" run "$native_hello" 2>/dev/null)
  case "$out" in "hello from a static native program"*) ;; *) lost=$((lost + 1)); echo "native hello run $i printed [$out]" ;; esac
  out=$("$minos" run "$hello_wasm" 2>/dev/null)
  case "$out" in "hello from a sealed cell"*) ;; *) lost=$((lost + 1)); echo "wasm hello run $i printed [$out]" ;; esac
  i=$((i + 1))
done
echo "$lost outputs lost in $((runs * 3)) runs"
[ "$lost" -eq 0 ]
