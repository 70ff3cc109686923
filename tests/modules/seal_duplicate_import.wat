;; SPDX-License-Identifier: Apache-2.0
;; The same host function imported twice, under two indices (two tests of
;; the public WASI test suite do this): it runs.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit_again (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write_again (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "imported twice\0a")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 15))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $write_again (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit_again (i32.const 42))))
