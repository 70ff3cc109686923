#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sandbox_neighbour.sh MODE MINOS GUEST BIG_MODULE [minos run options...]
# Runs tests/guests/sandbox_neighbour.c on one worker (MINOS_WORKERS=1)
# with a fresh compile cache and a C compiler that is made slow (it sleeps
# for the seconds in $scratch/slow, when that file exists) after GUEST
# itself was compiled:
#   compile        the copy's compile takes a second more
#   limit-time     MINOS_COMPILE_TIMEOUT=1s; BIG_MODULE takes longer
#   limit-memory   MINOS_COMPILE_MEMORY=150MiB; BIG_MODULE needs more
#   hang           the copy's compile takes 60 s; the run ends long before
set -u
mode=$1 minos=$2 guest=$3 big=$4
shift 4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat > "$scratch/cc" <<WRAP
#!/bin/sh
if [ -e "$scratch/slow" ]; then sleep "\$(cat "$scratch/slow")"; fi
exec cc "\$@"
WRAP
chmod +x "$scratch/cc"
export MINOS_CACHE_DIR="$scratch/cache" MINOS_CC="$scratch/cc" MINOS_WORKERS=1
"$minos" compile "$guest" || { echo "FAIL: cannot compile $guest"; exit 1; }
name=$(basename "$guest")
run() {
  "$minos" run --max-cells 8 --ro-dir "$(dirname "$guest")::/guests" \
    --ro-dir "$(dirname "$big")::/modules" "$@"
}
case "$mode" in
  compile) echo 1 > "$scratch/slow"; run "$guest" compile "/guests/$name" ;;
  limit-time) MINOS_COMPILE_TIMEOUT=1s run "$guest" limit "/guests/$name" "/modules/$(basename "$big")" ;;
  limit-memory) MINOS_COMPILE_MEMORY=150MiB run "$guest" limit "/guests/$name" "/modules/$(basename "$big")" ;;
  hang)
    # The run (given --timeout) must end long before the 60 s compile.
    echo 60 > "$scratch/slow"
    started=$(date +%s)
    run "$@" "$guest" hang "/guests/$name"
    status=$?
    took=$(($(date +%s) - started))
    echo "the run took $took s"
    [ "$took" -lt 45 ] || { echo "FAIL: the run waited for the compile"; exit 1; }
    exit "$status" ;;
  *) echo "usage: sandbox_neighbour.sh compile|limit-time|limit-memory|hang MINOS GUEST BIG_MODULE" >&2; exit 2 ;;
esac
