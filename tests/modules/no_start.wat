;; A valid module that is not a WASI command.
(module (func (export "run")))
