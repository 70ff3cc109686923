#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Frames modules for the spawner example (a line with the size, then the
# bytes) and pipes them into it, as its README shows.
#
#   api_spawner.sh MINOS SPAWNER_WASM MODULE...
set -eu
minos=$1
spawner=$2
shift 2
for module in "$@"; do
  wc -c <"$module"
  cat "$module"
done | "$minos" run --max-cells 8 "$spawner"
