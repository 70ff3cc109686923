;; SPDX-License-Identifier: Apache-2.0
;; Exports whose names would break out of wasm2c's comments and strings,
;; forge log lines or act on a terminal. None may reach the C compiler.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (table $table (export "*/ table /*") 1 funcref)
  (global $global (export "\0a#include <stdlib.h>\0a#define x */") i32 (i32.const 1))
  (func $f (export "*/ int minos_sealed_breach = system(\"false\"); /*") (param i32) (result i32)
    (local.get 0))
  (func $g (export "quote\" backslash\\ trigraph??/ nul\00 esc\1b[2J cr\0d") (result i32)
    (i32.const 2))
  (func $h (export "_start\00evil")
    (call $exit (i32.const 99)))
  (func (export "_start")
    (call $exit (i32.add (call $f (i32.const 40)) (call $g)))))
