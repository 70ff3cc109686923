;; SPDX-License-Identifier: Apache-2.0
(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1) (global $g i32 (i32.add (i32.const 1) (i32.const 2)))
  (func (export "_start") (call $exit (global.get $g))))
