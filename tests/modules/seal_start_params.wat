;; SPDX-License-Identifier: Apache-2.0
;; _start must be () -> ().
(module
  (memory (export "memory") 1)
  (func (export "_start") (param i32)))
