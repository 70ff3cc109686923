#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs a command with a fresh scratch grant, then looks at what the cell
# left there as a host program walking the directory would: every link in
# it, followed by the host, must lead inside the grant.
#
#   hostcalls_tree.sh command args...
#
# Every @TREE@ in the arguments becomes the scratch root:
#
#   outside.txt        a file no grant contains
#   grant/             meant to be granted read-write
#     hello.txt  sub/  fifo (a FIFO no process opens)
#
# Prints "links left: N, all inside" and exits with the command's status,
# or prints "LEAK link -> where" for each link leading out and exits 90.
set -u
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/grant/sub"
printf 'outside secret\n' >"$root/outside.txt"
printf 'hello\n' >"$root/grant/hello.txt"
mkfifo "$root/grant/fifo"

substituted=""
for argument in "$@"; do
  case "$argument" in
    *@TREE@*) argument=$(printf '%s' "$argument" | sed "s|@TREE@|$root|g") ;;
  esac
  substituted="$substituted$(printf '%s' "$argument" | sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/") "
done
eval "set -- $substituted"
"$@"
status=$?

grant=$(realpath "$root/grant")
leaks=0
count=0
for link in $(find "$grant" -type l); do
  count=$((count + 1))
  # -m: follow every link as far as it goes, missing parts included
  where=$(realpath -m "$link" 2>/dev/null) || continue # a loop leads nowhere
  case "$where" in
    "$grant" | "$grant"/*) ;;
    *) echo "LEAK ${link#"$grant"/} -> $where"; leaks=$((leaks + 1)) ;;
  esac
done
[ "$leaks" -eq 0 ] || exit 90
echo "links left: $count, all inside"
exit $status
