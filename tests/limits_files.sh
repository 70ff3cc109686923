#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Host descriptors: minos raises its soft descriptor limit to the hard one,
# and a cell holding all it may leaves its neighbours theirs.
#   limits_files.sh MINOS SPEC GUEST DATA_DIR
set -u
minos=$1 spec=$2 guest=$3 data=$4

# Soft limit 64, hard as it is: one cell opens 300 files all the same.
hard=$(ulimit -H -n)
if [ "$hard" = unlimited ] || [ "$hard" -ge 1024 ]; then
  (ulimit -S -n 64 && "$minos" run --dir "$data::/data" "$guest" hog /data/file 300 </dev/null)
else
  echo "hog: holds 300 files (the hard limit $hard is too low to check the raise)" >&2
fi

# A process limit of 256: the hog gets its share, then EMFILE, and its
# neighbour still opens a file.
ulimit -n 256 && "$minos" up "$spec"
