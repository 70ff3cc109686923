;; SPDX-License-Identifier: Apache-2.0
;; Well-formed binary, but the code does not type-check.
(module
  (func (export "_start") (drop (i32.add (i32.const 1) (i64.const 2)))))
