;; SPDX-License-Identifier: Apache-2.0
;; _start must be defined in the module, not a host function re-exported.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (export "_start" (func $yield)))
