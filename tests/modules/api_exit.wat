;; SPDX-License-Identifier: Apache-2.0
;; A tiny child that needs no descriptor: proc_exit(7) through WASI.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 7))))
