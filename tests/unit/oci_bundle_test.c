/* SPDX-License-Identifier: Apache-2.0 */
/* config.json is hostile input (src/oci/bundle.h): each bad config below
 * is refused with an error naming its field, and good ones map to the
 * grants, limits and code they say. Arguments: a wasm module and a
 * static native program to put in the root file system. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "oci/bundle.h"

static char bundle_dir[PATH_MAX];

static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buffer[65536];
  size_t got;
  while (in && out && (got = fread(buffer, 1, sizeof buffer, in)) > 0) fwrite(buffer, 1, got, out);
  if (in) fclose(in);
  if (out) fclose(out);
  chmod(to, 0755);
}

static void make_bundle(const char *wasm, const char *native) {
  char path[PATH_MAX + 64];
  snprintf(bundle_dir, sizeof bundle_dir, "/tmp/minos-oci-bundle-test-%d", (int)getpid());
  mkdir(bundle_dir, 0755);
  const char *directories[] = {"rootfs", "rootfs/bin", "rootfs/data", "rootfs/etc", "rootfs/dev",
                               "outside", "volume"};
  for (size_t i = 0; i < sizeof directories / sizeof directories[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", bundle_dir, directories[i]);
    mkdir(path, 0755);
  }
  snprintf(path, sizeof path, "%s/rootfs/hello.wasm", bundle_dir);
  copy_file(wasm, path);
  snprintf(path, sizeof path, "%s/rootfs/bin/native", bundle_dir);
  copy_file(native, path);
  snprintf(path, sizeof path, "%s/outside/secret.wasm", bundle_dir);
  copy_file(wasm, path);
  snprintf(path, sizeof path, "%s/rootfs/escape", bundle_dir);
  symlink("/etc/passwd", path); /* absolute: leads out */
  snprintf(path, sizeof path, "%s/rootfs/climb", bundle_dir);
  symlink("../outside/secret.wasm", path); /* relative, but out */
  snprintf(path, sizeof path, "%s/rootfs/inside", bundle_dir);
  symlink("bin/native", path); /* stays inside */
  snprintf(path, sizeof path, "%s/rootfs/script", bundle_dir);
  FILE *script = fopen(path, "w");
  if (script) {
    fputs("#!/bin/sh\necho hi\n", script);
    fclose(script);
  }
}

/* A config around a process and extra top-level members. */
static char *config_with(const char *process, const char *extra) {
  static char text[1 << 20];
  snprintf(text, sizeof text,
           "{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"rootfs\"},\"process\":{%s}%s%s}",
           process, extra[0] ? "," : "", extra);
  return text;
}

/* The config is refused, its error holding `expected`. */
static void refused(const char *text, const char *expected) {
  oci_bundle bundle;
  char error[512] = "";
  bool loaded = oci_bundle_parse(bundle_dir, text, strlen(text), &bundle, error, sizeof error);
  CHECK(!loaded);
  if (loaded) oci_bundle_free(&bundle);
  if (!strstr(error, expected)) {
    printf("FAIL: expected '%s' in: %s\n", expected, error);
    failures++;
  }
}

static bool accepted(const char *text, oci_bundle *bundle) {
  char error[512] = "";
  bool loaded = oci_bundle_parse(bundle_dir, text, strlen(text), bundle, error, sizeof error);
  if (!loaded) printf("FAIL: refused: %s\n", error);
  CHECK(loaded);
  return loaded;
}

static void test_syntax_and_types(void) {
  refused("{\"ociVersion\":", "config.json:1:");
  refused("[1,2]", "(top): must be an object");
  refused("{\"ociVersion\":\"1.0\",\"ociVersion\":\"1.0\"}", "config.json:1:");
  refused("{\"root\":{\"path\":\"rootfs\"}}", "ociVersion: is missing");
  refused("{\"ociVersion\":2}", "ociVersion: must be a string, not a number");
  refused("{\"ociVersion\":\"2.0\"}", "ociVersion: '2.0'");
  refused(config_with("\"args\":[\"/hello.wasm\"]", "\"solaris\":{}"), "solaris: not supported");
  refused("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"rootfs\"}}", "process: is missing");
  refused(config_with("\"args\":\"/hello.wasm\"", ""), "process.args: must be an array");
  refused(config_with("\"args\":[]", ""), "process.args: is empty");
  refused(config_with("\"args\":[\"/hello.wasm\", 7]", ""), "process.args[1]: must be a string");
  refused(config_with("\"args\":[\"/hello.wasm\",\"a\\u0000b\"]", ""),
          "process.args[1]: the string holds a NUL");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"env\":[\"NOVALUE\"]", ""),
          "process.env[0]: 'NOVALUE' is not KEY=VALUE");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"env\":[\"=x\"]", ""), "process.env[0]");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"terminal\":true", ""),
          "config.json: process.terminal: a terminal is not supported");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"terminal\":\"yes\"", ""),
          "process.terminal: must be true or false");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"cwd\":\"/work\"", ""), "process.cwd: '/work'");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"scheduler\":{}", ""),
          "process.scheduler: not supported");
}

static void test_code(void) {
  refused(config_with("\"args\":[\"/missing.wasm\"]", ""),
          "process.args[0]: /missing.wasm in the root file system: No such file");
  refused(config_with("\"args\":[\"/../outside/secret.wasm\"]", ""),
          "process.args[0]: /../outside/secret.wasm leads out of the root file system");
  refused(config_with("\"args\":[\"/escape\"]", ""), "process.args[0]: /escape leads out");
  refused(config_with("\"args\":[\"/climb\"]", ""), "process.args[0]: /climb leads out");
  refused(config_with("\"args\":[\"/script\"]", ""), "process.args[0]: /script is a script");
  refused(config_with("\"args\":[\"/data\"]", ""), "process.args[0]: /data is not a regular file");
  refused(config_with("\"args\":[\"nowhere\"]", ""), "'nowhere' is not in the root file system's");
  refused("{\"ociVersion\":\"1.0\",\"process\":{\"args\":[\"/hello.wasm\"]},"
          "\"root\":{\"path\":\"missing\"}}",
          "root.path: missing: No such file");
  oci_bundle bundle;
  if (accepted(config_with("\"args\":[\"/inside\",\"x\"]", ""), &bundle)) {
    CHECK(strstr(bundle.code_path, "/rootfs/bin/native") != NULL);
    CHECK(bundle.arg_count == 1 && strcmp(bundle.args[0], "x") == 0);
    oci_bundle_free(&bundle);
  }
  if (accepted(config_with("\"args\":[\"native\"],\"env\":[\"PATH=/nothing:/bin\"]", ""),
               &bundle)) {
    CHECK(strstr(bundle.code_path, "/rootfs/bin/native") != NULL);
    oci_bundle_free(&bundle);
  }
}

static void test_huge(void) {
  size_t size = 40000;
  char *big = malloc(size + 64), *text = malloc(size + 256);
  if (!big || !text) return;
  memset(big, 'a', size);
  big[size] = '\0';
  snprintf(text, size + 256, "\"args\":[\"/hello.wasm\",\"%s\"]", big);
  refused(config_with(text, ""), "process.args[1]: is 40000 bytes long");
  free(big);
  free(text);
  static char many[1 << 19];
  size_t used = (size_t)snprintf(many, sizeof many, "\"args\":[\"/hello.wasm\"");
  for (int i = 0; i < 5000; i++) used += (size_t)snprintf(many + used, sizeof many - used, ",\"x\"");
  snprintf(many + used, sizeof many - used, "]");
  refused(config_with(many, ""), "process.args: has 5001 items");
}

static void test_mounts(void) {
  char extra[1024];
  refused(config_with("\"args\":[\"/hello.wasm\"]", "\"mounts\":[{\"type\":\"bind\"}]"),
          "mounts[0].destination: is missing");
  refused(config_with("\"args\":[\"/hello.wasm\"]",
                      "\"mounts\":[{\"destination\":\"data\",\"type\":\"bind\",\"source\":\"/\"}]"),
          "mounts[0].destination: 'data' is not an absolute path");
  refused(config_with("\"args\":[\"/hello.wasm\"]",
                      "\"mounts\":[{\"destination\":\"/a/../etc\",\"source\":\"/tmp\","
                      "\"options\":[\"rbind\"]}]"),
          "mounts[0].destination: '/a/../etc' has a '.' or '..' component");
  refused(config_with("\"args\":[\"/hello.wasm\"]",
                      "\"mounts\":[{\"destination\":\"/x\",\"type\":\"overlay\","
                      "\"source\":\"overlay\"}]"),
          "mounts[0]: a overlay mount at /x is not supported");
  /* A tmpfs option minos cannot honour, or a malformed value. */
  static const char *const bad_options[] = {
      "uid=0", "gid=0", "size=1x", "size=", "size=-1", "mode=999", "mode=12345", "nr_inodes=1%",
      "huge=always", "size=1k,mode=0", "x-systemd", "size=99999999999999999999999"};
  for (size_t i = 0; i < sizeof bad_options / sizeof bad_options[0]; i++) {
    snprintf(extra, sizeof extra,
             "\"mounts\":[{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
             "\"options\":[\"nosuid\",\"%s\"]}]",
             bad_options[i]);
    refused(config_with("\"args\":[\"/hello.wasm\"]", extra),
            "mounts[0].options: '");
  }
  refused(config_with("\"args\":[\"/hello.wasm\"]",
                      "\"mounts\":[{\"destination\":\"/v\",\"type\":\"bind\","
                      "\"source\":\"/no/such/dir\"}]"),
          "mounts[0].source: /no/such/dir: No such file");
  snprintf(extra, sizeof extra,
           "\"mounts\":["
           "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
           "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
           "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"},"
           "{\"destination\":\"/dev/shm\",\"type\":\"bind\",\"source\":\"%s/volume\"},"
           "{\"destination\":\"/etc/hostname\",\"type\":\"bind\",\"source\":\"%s/rootfs/script\"},"
           "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"%s/volume\","
           "\"options\":[\"ro\",\"rprivate\",\"rbind\"]}]",
           bundle_dir, bundle_dir, bundle_dir);
  oci_bundle bundle;
  if (!accepted(config_with("\"args\":[\"/hello.wasm\"]", extra), &bundle)) return;
  /* /data from the mount (read-only), /bin and /etc from the root; not /dev. */
  bool data = false, bin = false, etc = false, dev = false;
  for (size_t i = 0; i < bundle.grant_count; i++) {
    const oci_grant *grant = &bundle.grants[i];
    if (strcmp(grant->guest, "/data") == 0)
      data = grant->read_only && strstr(grant->host, "/volume") != NULL;
    bin |= strcmp(grant->guest, "/bin") == 0;
    etc |= strcmp(grant->guest, "/etc") == 0;
    dev |= strncmp(grant->guest, "/dev", 4) == 0;
  }
  CHECK(data && bin && etc && !dev);
  oci_bundle_free(&bundle);

  /* containerd's /run and a read-only one: grants mounted at create. */
  snprintf(extra, sizeof extra,
           "\"mounts\":["
           "{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
           "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
           "{\"destination\":\"/ro\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
           "\"options\":[\"ro\",\"rprivate\"]}]");
  if (!accepted(config_with("\"args\":[\"/hello.wasm\"]", extra), &bundle)) return;
  bool run = false, read_only = false;
  for (size_t i = 0; i < bundle.grant_count; i++) {
    const oci_grant *grant = &bundle.grants[i];
    if (strcmp(grant->guest, "/run") == 0)
      run = !grant->host && !grant->read_only && grant->tmpfs_data &&
            strcmp(grant->tmpfs_data, "mode=755,size=65536k") == 0 &&
            grant->tmpfs_flags == (MS_NOSUID | MS_STRICTATIME);
    if (strcmp(grant->guest, "/ro") == 0)
      read_only = grant->read_only && grant->tmpfs_data && !grant->tmpfs_data[0];
  }
  CHECK(run && read_only);
  oci_bundle_free(&bundle);
}

static void test_limits_and_annotations(void) {
  const char *wasm = "\"args\":[\"/hello.wasm\"]";
  refused(config_with(wasm, "\"linux\":{\"resources\":{\"memory\":{\"limit\":\"64m\"}}}"),
          "linux.resources.memory.limit: must be a number");
  refused(config_with(wasm, "\"linux\":{\"resources\":{\"memory\":{\"limit\":100}}}"),
          "linux.resources.memory.limit: 100 bytes");
  refused(config_with(wasm, "\"linux\":{\"resources\":{\"cpu\":{\"quota\":50000,"
                            "\"period\":100000}}}"),
          "linux.resources.cpu.quota: a CPU quota");
  refused(config_with(wasm, "\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"0-1\"}}}"),
          "linux.resources.cpu.cpus: a CPU quota or set");
  refused(config_with(wasm, "\"linux\":{\"resources\":{\"blockIO\":{}}}"),
          "linux.resources.blockIO: not supported");
  refused(config_with(wasm, "\"linux\":{\"intelRdt\":{}}"), "linux.intelRdt: not supported");
  refused(config_with(wasm, "\"hooks\":{\"prestart\":[{\"path\":\"/bin/sh\"}]}"),
          "hooks: hooks are not supported");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\","
                      "\"soft\":1,\"hard\":1}]", ""),
          "process.rlimits[0].type: unknown limit 'RLIMIT_BOGUS'");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
                      "\"soft\":10,\"hard\":5}]", ""),
          "process.rlimits[0]: soft limit 10 above the hard one");
  refused(config_with("\"args\":[\"/hello.wasm\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
                      "\"soft\":-1,\"hard\":5}]", ""),
          "process.rlimits[0].soft: must be a whole number");
  refused(config_with(wasm, "\"annotations\":{\"run.minos/max-cpu\":\"soon\"}"),
          "annotations.run.minos/max-cpu: 'soon' is not a duration");
  refused(config_with(wasm, "\"annotations\":{\"run.minos/max-cpus\":\"1s\"}"),
          "annotations.run.minos/max-cpus: not an annotation minos knows");
  refused(config_with("\"args\":[\"/bin/native\"]",
                      "\"annotations\":{\"module.wasm.image/variant\":\"compat\"}"),
          "annotations.module.wasm.image/variant: marks a wasm image");
  refused(config_with(wasm, "\"annotations\":{\"run.minos/connect\":\"tcp:10.0.0.1:80,udp\"}"),
          "annotations.run.minos/connect: 'udp'");
  refused(config_with(wasm, "\"annotations\":{\"run.minos/listen\":\",\"}"),
          "annotations.run.minos/listen: holds no rule");
  refused(config_with(wasm, "\"linux\":{\"namespaces\":[{\"type\":\"net\"}]}"),
          "linux.namespaces[0].type: unknown namespace type 'net'");
  refused(config_with(wasm, "\"linux\":{\"namespaces\":[{\"type\":\"network\","
                            "\"path\":\"netns\"}]}"),
          "linux.namespaces[0].path: 'netns' is not an absolute path");
  oci_bundle bundle;
  if (accepted(config_with(wasm, "\"annotations\":{\"run.minos/connect\":"
                                 "\"tcp:10.0.0.0/8:443,tcp:[::1]:9000-9010\","
                                 "\"run.minos/listen\":\"tcp:0.0.0.0:8080\"},"
                                 "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
                                 "{\"type\":\"network\",\"path\":\"/run/netns/x\"}]}"),
               &bundle)) {
    CHECK(bundle.connect_rule_count == 2 && strcmp(bundle.connect_rules[1], "tcp:[::1]:9000-9010") == 0);
    CHECK(bundle.listen_rule_count == 1);
    CHECK(bundle.network_path && strcmp(bundle.network_path, "/run/netns/x") == 0);
    oci_bundle_free(&bundle);
  }
  if (accepted(config_with("\"args\":[\"/hello.wasm\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
                           "\"soft\":20000,\"hard\":20000}]",
                           "\"linux\":{\"resources\":{\"memory\":{\"limit\":67108864,"
                           "\"swap\":134217728},\"pids\":{\"limit\":2048},"
                           "\"cpu\":{\"shares\":2,\"quota\":0}}},"
                           "\"annotations\":{\"module.wasm.image/variant\":\"compat\","
                           "\"run.minos/max-cpu\":\"2s\",\"org.example\":\"x\"}"),
               &bundle)) {
    CHECK(bundle.memory_limit == 67108864);
    CHECK(bundle.rlimit_count == 1 && bundle.rlimits[0].soft == 20000);
    CHECK(bundle.max_cpu && strcmp(bundle.max_cpu, "2s") == 0);
    CHECK(bundle.annotation_count == 3);
    oci_bundle_free(&bundle);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: oci_bundle_test MODULE.wasm STATIC_PROGRAM\n");
    return 2;
  }
  make_bundle(argv[1], argv[2]);
  test_syntax_and_types();
  test_code();
  test_huge();
  test_mounts();
  test_limits_and_annotations();
  char command[PATH_MAX + 16];
  snprintf(command, sizeof command, "rm -rf %s", bundle_dir);
  if (system(command) != 0) printf("could not remove %s\n", bundle_dir);
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
