;; SPDX-License-Identifier: Apache-2.0
;; A child whose initialisation traps: its wasm start function reaches
;; unreachable, so cnew fails with EINIT.
(module
  (memory (export "memory") 1)
  (func $init unreachable)
  (start $init)
  (func (export "_start")))
