;; SPDX-License-Identifier: Apache-2.0
;; An import whose names are hostile: refused, the names shown escaped.
(module
  (import "env\1b[31m" "*/\0a#include <stdlib.h>\0a" (func))
  (memory (export "memory") 1)
  (func (export "_start")))
