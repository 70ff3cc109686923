;; SPDX-License-Identifier: Apache-2.0
;; Asks for a table far beyond minos's per-table limit.
(module
  (table 100000000 funcref)
  (func (export "_start")))
