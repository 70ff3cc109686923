#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Names from a module never reach generated C unescaped, and minos prints
# them escaped (issue 9).
#
#   seal_names.sh CASE MINOS SEAL_FORGE MODULES
#   exploit: an export name that closes wasm2c's comment and adds a
#            constructor running system(): the module runs, nothing runs
#            natively (the marker file is never created)
#   trap:    hostile name-section names (function, local, global, module)
#            and a hostile custom section: a trap names the function with
#            escapes, and no raw control byte reaches stderr
#   import:  an import with hostile names is refused, its names escaped
#   long:    a 64 KiB export name and a 64 KiB import name
set -u
case_name=$1 minos=$2 forge=$3 modules=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export MINOS_CACHE_DIR="${MINOS_CACHE_DIR:-$scratch/cache}"
fail() { echo "FAIL: $*"; echo "--- stderr:"; head -c 3000 "$scratch/err"; exit 1; }
# minos escapes a module's names in its error texts (which libminos callers
# get too), and its log escapes whole messages again: either way, a name
# is printed as \x1b or \\x1b, never as the raw byte.
# Whether the file holds a byte that could act on a terminal or split a line.
has_raw_controls() { LC_ALL=C tr -d '\n\t -~' <"$1" | LC_ALL=C grep -q .; }

case $case_name in
  exploit)
    marker="$scratch/pwned-$$"
    cat >"$scratch/exploit.wat" <<WAT
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func \$exit (param i32)))
  (memory (export "memory") 1)
  (func (export "*/\\n#ifndef MINOS_PWN\\n#define MINOS_PWN\\n#include <stdlib.h>\\n__attribute__((constructor)) static void minos_pwn(void) { system(\\"touch $marker\\"); }\\n#endif\\n/*")
    (param i32) (result i32) (local.get 0))
  (func \$named_start (export "_start") (call \$exit (i32.const 0))))
WAT
    wat2wasm --debug-names "$scratch/exploit.wat" -o "$scratch/exploit.wasm" || fail "wat2wasm"
    "$minos" run "$scratch/exploit.wasm" >"$scratch/out" 2>"$scratch/err" || fail "exit $?"
    [ -e "$marker" ] && fail "the module's export name ran as native code"
    "$minos" compile "$scratch/exploit.wasm" 2>"$scratch/err" || fail "compile: exit $?"
    [ -e "$marker" ] && fail "the module's export name ran as native code"
    ;;
  trap)
    "$forge" names "$modules/seal_trap.wasm" "$scratch/named.wasm" || fail "seal_forge"
    # Both variants: fast, and compact (a small memory limit).
    for limit in 4G 1M; do
      "$minos" run --max-memory $limit "$scratch/named.wasm" >"$scratch/out" 2>"$scratch/err"
      status=$?
      [ $status = 134 ] || fail "exit $status, expected 134 (max memory $limit)"
      grep -Eq 'minos: trap: unreachable in trap\\+x1b\[2J\\+x0a2026-01-01 forged: line\\+x0d"(\\)+\?\?/' \
        "$scratch/err" || fail "the trap report does not name the function, escaped"
      has_raw_controls "$scratch/err" && fail "a raw control byte reached stderr"
    done
    ;;
  import)
    "$minos" run "$modules/seal_import_names.wasm" >"$scratch/out" 2>"$scratch/err"
    [ $? = 2 ] || fail "exit $?, expected 2"
    grep -Eq 'module imports env\\+x1b\[31m\.\*/\\+x0a#include <stdlib\.h>\\+x0a, which minos does not provide' \
      "$scratch/err" || fail "the refusal does not name the import, escaped"
    has_raw_controls "$scratch/err" && fail "a raw control byte reached stderr"
    "$minos" run "$modules/seal_import_nul.wasm" >"$scratch/out" 2>"$scratch/err"
    [ $? = 2 ] || fail "exit $?, expected 2"
    grep -Eq 'module imports wasi_snapshot_preview1\.proc_exit\\+x00x, which minos does not provide' \
      "$scratch/err" || fail "proc_exit\\0x was taken for proc_exit"
    ;;
  long)
    long=$(head -c 65536 /dev/zero | tr '\0' '*')
    printf '(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (func (export "*/%s\\1b") (call $exit (i32.const 5)))
      (func (export "_start") (call 1)))' "$long" >"$scratch/long_export.wat"
    wat2wasm "$scratch/long_export.wat" -o "$scratch/long_export.wasm" || fail "wat2wasm"
    "$minos" run "$scratch/long_export.wasm" >"$scratch/out" 2>"$scratch/err"
    [ $? = 5 ] || fail "long export: exit $?, expected 5"
    printf '(module (import "env" "%s\\1b" (func)) (memory (export "memory") 1)
      (func (export "_start")))' "$long" >"$scratch/long_import.wat"
    wat2wasm "$scratch/long_import.wat" -o "$scratch/long_import.wasm" || fail "wat2wasm"
    "$minos" run "$scratch/long_import.wasm" >"$scratch/out" 2>"$scratch/err"
    [ $? = 2 ] || fail "long import: exit $?, expected 2"
    grep -q 'module imports env\.\*\*\*\*' "$scratch/err" || fail "long import: no refusal"
    [ "$(wc -c <"$scratch/err")" -lt 2048 ] || fail "long import: the refusal is not cut"
    ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
exit 0
