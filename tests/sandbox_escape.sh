#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sandbox_escape.sh MINOS MODULE: the compile tools' sandbox holds against
# a "C compiler" (MINOS_CC) that tries to get out: it may write in its
# build directory, but not outside it; it may not make a network socket,
# plant a symlink or a FIFO, raise its limits, hold a capability, or leave
# a process behind. Each attempt's result is part of the compile's error
# message, which minos prints.
set -u
minos=$1 module=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$scratch/escaping_cc" <<WRAP
#!/bin/sh
if touch "$scratch/outside" 2>/dev/null; then echo "outside: written"; else echo "outside: refused"; fi
if touch inside 2>/dev/null; then echo "inside: written"; else echo "inside: refused"; fi
perl -e 'print socket(S, 2, 1, 0) ? "tcp: made\n" : "tcp: refused\n"'
perl -e 'print socket(S, 10, 1, 0) ? "tcp6: made\n" : "tcp6: refused\n"'
perl -e 'print socket(S, 2, 2, 0) ? "udp: made\n" : "udp: refused\n"'
if ln -s /etc/passwd link 2>/dev/null; then echo "symlink: made"; else echo "symlink: refused"; fi
if mkfifo fifo 2>/dev/null; then echo "fifo: made"; else echo "fifo: refused"; fi
if (ulimit -H -v unlimited) 2>/dev/null; then echo "limit: raised"; else echo "limit: kept"; fi
awk '/^CapEff/ { print "capabilities: " \$2 }' /proc/self/status
sleep "600.$$" &
exit 3
WRAP
chmod +x "$scratch/escaping_cc"
output=$(MINOS_CACHE_DIR="$scratch/cache" MINOS_CC="$scratch/escaping_cc" "$minos" compile "$module" 2>&1)
status=$?
echo "$output"
[ "$status" -ne 0 ] || fail "minos compile succeeded with a compiler that fails"
for expected in "outside: refused" "inside: written" "tcp: refused" "tcp6: refused" "udp: refused" \
                "symlink: refused" "fifo: refused" "limit: kept" "capabilities: 0000000000000000"; do
  case "$output" in
    *"$expected"*) ;;
    *) fail "the compiler's sandbox did not give '$expected'" ;;
  esac
done
[ ! -e "$scratch/outside" ] || fail "the compiler wrote outside its build directory"
# The compiler left "sleep 600.PID" running: it must have been killed with
# the compiler (its process group, or its PID namespace). Found in /proc,
# since the compiler may see other process ids than this shell.
stragglers() { grep -al "600\.$$" /proc/[0-9]*/cmdline 2>/dev/null; }
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  [ -z "$(stragglers)" ] && break
  sleep 0.5
done
if [ -n "$(stragglers)" ]; then
  for left in $(stragglers); do left=${left#/proc/}; kill "${left%/cmdline}"; done
  fail "the compiler's background process outlived the compile"
fi
echo "sandbox escape ok"
