;; SPDX-License-Identifier: Apache-2.0
;; The largest memory minos runs: 65,535 pages, with 65,536 as its maximum.
;; Its last bytes work; growing past 65,535 pages fails. Exits 42.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 65535 65536)
  (func (export "_start")
    (i32.store (i32.const 0xfffefffc) (i32.const 41))
    (memory.fill (i32.const 0xfffe0000) (i32.const 1) (i32.const 0x8000))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1))
      (then (call $exit (i32.const 1))))
    (call $exit (i32.add (i32.load (i32.const 0xfffefffc)) (i32.load8_u (i32.const 0xfffe7fff))))))
