#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Escapes from a native cell's grant, each tried from inside:
#   - a link planted in the grant that leads to /etc/passwd;
#   - the runtime's environment through /proc (the cell has its own);
#   - a setuid program inside the grant (root's, when the test runs as root).
#   escapes.sh MINOS WALL_PROBE
set -u
minos=$1 probe=$2
dir=$(mktemp -d /tmp/minos-escapes-XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
ln -s /etc/passwd "$dir/link"
printf 'link: '
"$minos" run --ro-dir "$dir::/data" "$probe" read /data/link
printf 'host proc: '
"$minos" run "$probe" read "/proc/$$/environ"
cp "$probe" "$dir/probe"
chmod 4755 "$dir/probe"
printf 'setuid: '
"$minos" run --ro-dir "$dir::/data" "$probe" exec /data/probe euid
