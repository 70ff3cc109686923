/* SPDX-License-Identifier: Apache-2.0 */
/* An OCI bundle (a directory holding config.json and, usually, the root
 * file system) read and mapped onto what `minos run` takes: the code,
 * its arguments and environment, directory grants, limits. Everything in
 * config.json is hostile input: each field minos reads is checked, and
 * whatever minos cannot honour is refused with the JSON path of the field
 * ("config.json: process.terminal: a terminal is not supported"), never
 * dropped in silence. What is accepted without effect, and why, is said
 * at each field in bundle.c and in the README ("Running under container
 * engines"). */
#ifndef MINOS_OCI_BUNDLE_H
#define MINOS_OCI_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what a config.json may hold: far above what engines write
 * (podman's, seccomp profile included, is about 20 KiB), low enough that
 * a hostile bundle cannot make minos spend much. */
#define OCI_CONFIG_MAX_BYTES ((size_t)4 << 20)
#define OCI_ITEMS_MAX 4096     /* args, env, mounts, rlimits, annotations */
#define OCI_STRING_MAX 32768   /* one argument, variable or annotation */
#define OCI_PATH_MAX 4096

/* A directory the cell is granted: HOST seen as GUEST. A tmpfs mount's
 * grant has tmpfs_data (its options for the kernel, maybe "") and no
 * HOST until `create` mounts it in the container's state directory. */
typedef struct oci_grant {
  char *host, *guest;
  bool read_only;
  char *tmpfs_data;
  unsigned long tmpfs_flags;
} oci_grant;

/* One of process.rlimits, applied by setrlimit in the container's process. */
typedef struct oci_rlimit {
  int resource;      /* RLIMIT_NOFILE... */
  uint64_t soft, hard;
  char field[40];    /* "process.rlimits[0]", for errors */
} oci_rlimit;

typedef struct oci_annotation {
  char *key, *value;
} oci_annotation;

typedef struct oci_bundle {
  char *program;          /* process.args[0] as config.json gives it */
  char *code_path;        /* process.args[0], found inside the root: its host path */
  char **args;            /* process.args[1..] */
  size_t arg_count;
  char **env;             /* "KEY=VALUE" */
  size_t env_count;
  oci_grant *grants;
  size_t grant_count;
  oci_rlimit *rlimits;
  size_t rlimit_count;
  oci_annotation *annotations;
  size_t annotation_count;
  uint64_t memory_limit;  /* bytes; 0: none given */
  char *max_cpu, *timeout; /* durations from minos's annotations; NULL: none */
  char **connect_rules, **listen_rules; /* network grants from minos's annotations */
  size_t connect_rule_count, listen_rule_count;
  /* The network namespace the cell's connections and listeners are made
   * in: the engine's (linux.namespaces, type network, its path), or a new
   * empty one (new_network); neither: minos's own. */
  char *network_path;
  bool new_network;
} oci_bundle;

/* Reads BUNDLE/config.json. True with *out filled (oci_bundle_free it),
 * or false with error saying which field is wrong and why. */
bool oci_bundle_load(const char *bundle_dir, oci_bundle *out, char *error, size_t error_size);
/* The same from config.json's text, the root file system's path relative
 * to bundle_dir (the unit test gives hostile texts). */
bool oci_bundle_parse(const char *bundle_dir, const char *text, size_t length, oci_bundle *out,
                      char *error, size_t error_size);
void oci_bundle_free(oci_bundle *bundle);
/* Frees count annotations and the array (a bundle's, or a state's). */
void oci_annotations_free(oci_annotation *annotations, size_t count);

#endif
