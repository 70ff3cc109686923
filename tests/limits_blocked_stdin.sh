#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the command with its stdin a FIFO that stays open and never says
# anything: reads from it block, and never see the end of the stream.
#   limits_blocked_stdin.sh COMMAND...
set -u
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkfifo "$scratch/silent"
exec 3<>"$scratch/silent" # a writer, so that opening it to read does not wait
"$@" <"$scratch/silent"
