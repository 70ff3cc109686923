;; SPDX-License-Identifier: Apache-2.0
;; Traps in function 1; seal_forge gives it a hostile name-section name,
;; which the trap report must print escaped. No $names here, so wat2wasm
;; writes no name section of its own.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (global (mut i32) (i32.const 0))
  (func (param i32) (local i32 i32 i32)
    unreachable)
  (func (export "_start")
    (call 1 (i32.const 0))))
