;; SPDX-License-Identifier: Apache-2.0
;; A child whose initialisation never ends: its wasm start function loops
;; for ever, so cnew must give up after the init timeout (ETIMEDOUT).
(module
  (memory (export "memory") 1)
  (func $init (loop $forever (br $forever)))
  (start $init)
  (func (export "_start")))
