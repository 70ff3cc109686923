;; SPDX-License-Identifier: Apache-2.0
;; The smallest child that traps: _start is unreachable. Used for the
;; create/trap density test.
(module
  (memory (export "memory") 1)
  (func (export "_start") unreachable))
