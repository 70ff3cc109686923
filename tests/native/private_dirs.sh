#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A program and its grants under directories only their owner may enter
# (mktemp -d makes them 0700): the user running minos reaches them, so its
# cells must too, whoever the cell runs as (nobody, when minos is root).
#   private_dirs.sh MINOS WALL_PROBE
set -u
minos=$1 probe=$2
dir=$(mktemp -d /tmp/minos-private-XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/data" "$dir/out"
cp "$probe" "$dir/bin/probe"
cp /bin/cat "$dir/bin/cat"
echo "from a private directory" > "$dir/data/file"
chmod 755 "$dir/data" "$dir/bin"
chmod 777 "$dir/out" # a read-write grant must be writable by the cell's user
chmod 700 "$dir"
printf 'static: '
"$minos" run --ro-dir "$dir/data::/data" "$dir/bin/probe" read /data/file
printf 'dynamic: '
"$minos" run --ro-dir "$dir/data::/data" "$dir/bin/cat" /data/file
printf 'write: '
"$minos" run --dir "$dir/out::/out" "$dir/bin/probe" write /out/new
cat "$dir/out/new"
echo
