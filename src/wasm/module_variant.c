/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/module_variant.h"

#include <stdbool.h>

module_variant module_variant_for_memory_limit(uint64_t memory_limit_bytes) {
  bool compact = memory_limit_bytes != 0 && memory_limit_bytes <= MODULE_COMPACT_MEMORY_LIMIT;
  return compact ? MODULE_COMPACT : MODULE_FAST;
}

const char *module_variant_name(module_variant variant) {
  return variant == MODULE_COMPACT ? "compact" : "fast";
}
