;; SPDX-License-Identifier: Apache-2.0
(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1) (tag $t (param i32))
  (func (export "_start") (try (do (throw $t (i32.const 3))) (catch $t (call $exit)))))
