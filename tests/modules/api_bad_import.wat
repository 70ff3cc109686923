;; SPDX-License-Identifier: Apache-2.0
;; Imports a minos function with the wrong type: cnew refuses it (EMODULE).
(module
  (import "minos" "pipe" (func $pipe (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $pipe (i32.const 0)))))
