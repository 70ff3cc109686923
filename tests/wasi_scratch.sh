#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs a command with a fresh scratch tree, then checks that nothing outside
# the granted directories was touched.
#
#   wasi_scratch.sh command args...
#
# Every @SCRATCH@ in the arguments becomes the tree's root:
#
#   outside.txt            a file no grant contains
#   grant/                 meant to be granted read-write
#     hello.txt  sub/inner.txt
#     link_inside  -> hello.txt
#     link_abs     -> ROOT/outside.txt   (absolute, pointing out)
#     link_etc     -> /etc/passwd
#     link_rel     -> ../outside.txt     (relative, climbing out)
#     link_dangling -> ../created_outside.txt (does not exist)
#     link_up      -> ..
#     sub/link_deep -> ../../outside.txt
#   readonly/              meant to be granted read-only
#     data.txt  dir/nested.txt  link_inside -> data.txt
#
# Exits with the command's status, or 90 when the outside changed.
set -u
root=$(mktemp -d)
trap 'chmod -R u+w "$root" 2>/dev/null; rm -rf "$root"' EXIT

mkdir -p "$root/grant/sub" "$root/readonly/dir"
printf 'outside secret\n' >"$root/outside.txt"
printf 'hello, grant\n' >"$root/grant/hello.txt"
printf 'inner\n' >"$root/grant/sub/inner.txt"
ln -s hello.txt "$root/grant/link_inside"
ln -s "$root/outside.txt" "$root/grant/link_abs"
ln -s /etc/passwd "$root/grant/link_etc"
ln -s ../outside.txt "$root/grant/link_rel"
ln -s ../created_outside.txt "$root/grant/link_dangling"
ln -s .. "$root/grant/link_up"
ln -s ../../outside.txt "$root/grant/sub/link_deep"
printf 'read-only data\n' >"$root/readonly/data.txt"
printf 'nested\n' >"$root/readonly/dir/nested.txt"
ln -s data.txt "$root/readonly/link_inside"
# An access time older than the modification time is updated by any read
# (relatime), so an escape that only reads outside.txt shows too.
touch -a -d '2000-01-01 00:00:00' "$root/outside.txt"
snapshot() {
  cd "$root" && stat -c '%n %s %X %Y %Z' outside.txt && stat -c '%n %Y %Z' readonly readonly/dir &&
    find readonly | sort && cat readonly/data.txt readonly/dir/nested.txt
}
before=$(snapshot)

substituted=""
for argument in "$@"; do
  case "$argument" in
    *@SCRATCH@*) argument=$(printf '%s' "$argument" | sed "s|@SCRATCH@|$root|g") ;;
  esac
  substituted="$substituted$(printf '%s' "$argument" | sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/") "
done
eval "set -- $substituted"
"$@"
status=$?

after=$(snapshot)
entries=$(cd "$root" && ls -A | tr '\n' ' ')
if [ "$before" != "$after" ] || [ "$entries" != "grant outside.txt readonly " ]; then
  echo "wasi_scratch.sh: the guest changed something outside its writable grant" >&2
  echo "root now holds: $entries" >&2
  exit 90
fi
exit $status
