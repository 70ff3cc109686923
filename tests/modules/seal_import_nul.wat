;; SPDX-License-Identifier: Apache-2.0
;; "proc_exit" then a NUL and more is not proc_exit.
(module
  (import "wasi_snapshot_preview1" "proc_exit\00x" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call 0 (i32.const 0))))
