#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sandbox_big_module.sh N OUT.wat: a valid module whose _start is one body
# of N multiply-adds: seconds of C compiler time and some 250 MB of its
# memory for N = 50000, to run into the compile limits (tests/sandbox.cmake).
set -eu
{
  echo '(module'
  echo '  (memory (export "memory") 1)'
  echo '  (global $g (mut i32) (i32.const 0))'
  echo '  (func (export "_start") (local $x i32)'
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "    global.get $g i32.const %d i32.mul local.get $x i32.add local.set $x\n", i }'
  echo '    local.get $x global.set $g)'
  echo ')'
} > "$2"
