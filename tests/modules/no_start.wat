;; SPDX-License-Identifier: Apache-2.0
;; A valid module that is not a WASI command.
(module (func (export "run")))
