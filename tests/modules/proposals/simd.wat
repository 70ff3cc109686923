;; SPDX-License-Identifier: Apache-2.0
;; SIMD: wasm2c 1.0.32 aborts on it.
(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (i32x4.extract_lane 1 (i32x4.add (v128.const i32x4 1 2 3 4) (v128.load (i32.const 0)))))))
