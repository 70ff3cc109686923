;; SPDX-License-Identifier: Apache-2.0
;; Starts with 256 pages (16 MiB): more than a 1 MiB memory limit.
(module
  (memory (export "memory") 256)
  (func (export "_start")))
