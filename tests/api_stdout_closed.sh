#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The reader of minos's stdout goes away early (as with "| head"): the
# cell sees MINOS_ECLOSED and EPIPE on its stdout, never a signal, and
# minos exits with the cell's code. Prints minos's stderr and
# "minos exited N"; exits with minos's status.
#
#   api_stdout_closed.sh MINOS API_CHANNELS_WASM
set -u
minos=$1
guest=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
{ "$minos" run "$guest" stdout-closed 2>"$scratch/err"; echo $? >"$scratch/status"; } |
  head -c 100 >/dev/null
status=$(cat "$scratch/status")
cat "$scratch/err"
echo "minos exited $status"
exit "$status"
