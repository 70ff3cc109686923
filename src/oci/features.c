/* SPDX-License-Identifier: Apache-2.0 */
/* `minos oci features`: what this runtime does with a bundle, in the
 * shape of the runtime specification's features document. The lists
 * say what minos reads; bundle.c and its parts say why the rest is
 * accepted without effect or refused. */
#include "oci/features.h"

#include "control/json_out.h"

static void string_array(json_out *out, const char *key, const char *const *items, size_t count) {
  json_out_key(out, key);
  json_out_begin_array(out);
  for (size_t i = 0; i < count; i++) json_out_string(out, items[i]);
  json_out_end_array(out);
}

#define ARRAY(out, key, ...)                                                        \
  do {                                                                              \
    static const char *const items[] = {__VA_ARGS__};                               \
    string_array(out, key, items, sizeof items / sizeof items[0]);                 \
  } while (0)

char *oci_features_json(void) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "ociVersionMin", "1.0.0");
  json_out_member_string(&out, "ociVersionMax", "1.0.2");
  json_out_key(&out, "hooks");
  json_out_begin_array(&out);
  json_out_end_array(&out);
  ARRAY(&out, "mountOptions", "bind", "rbind", "ro", "rw", "private", "rprivate", "nosuid",
        "nodev", "noexec");
  json_out_key(&out, "linux");
  json_out_begin_object(&out);
  ARRAY(&out, "namespaces", "cgroup", "ipc", "mount", "network", "pid", "user", "uts");
  json_out_key(&out, "cgroup");
  json_out_begin_object(&out);
  json_out_member_bool(&out, "v1", false);
  json_out_member_bool(&out, "v2", false);
  json_out_end_object(&out);
  json_out_end_object(&out);
  json_out_key(&out, "annotations");
  json_out_begin_object(&out);
  json_out_member_string(&out, "run.minos/max-cpu", "the cell's CPU time (e.g. 2s)");
  json_out_member_string(&out, "run.minos/timeout", "the cell's wall-clock time (e.g. 1m)");
  json_out_member_string(&out, "module.wasm.image/variant", "compat: the code is wasm");
  json_out_end_object(&out);
  json_out_end_object(&out);
  return json_out_finish(&out);
}
