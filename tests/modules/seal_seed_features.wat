;; SPDX-License-Identifier: Apache-2.0
;; A seed for the mutation test: the proposals minos compiles (bulk
;; memory, reference types, multi-value, sign extension, saturating
;; conversions).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (table $functions 2 funcref)
  (table $things 1 externref)
  (data $text "features")
  (elem $later func $two)
  (func $two (result i32 i32) (i32.const 1) (i32.const 2))
  (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func (export "_start") (local $a i32) (local $b i32)
    (memory.init $text (i32.const 16) (i32.const 0) (i32.const 8))
    (memory.copy (i32.const 32) (i32.const 16) (i32.const 8))
    (memory.fill (i32.const 48) (i32.const 255) (i32.const 4))
    (data.drop $text)
    (table.init $functions $later (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $later)
    (drop (table.grow $things (ref.null extern) (i32.const 2)))
    (table.set $functions (i32.const 1) (ref.func $two))
    (call $swap (call $two))
    (local.set $b) (local.set $a)
    (local.set $a (i32.add (local.get $a) (i32.extend8_s (i32.load8_u (i32.const 48)))))
    (local.set $b (i32.add (local.get $b) (i32.trunc_sat_f32_u (f32.const -4.5))))
    (call $exit (i32.add (i32.add (local.get $a) (local.get $b)) (table.size $things)))))
