/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/run_argv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct argv_builder {
  char **items;
  size_t count, room;
  bool failed;
} argv_builder;

/* Appends a copy of text (NULL kept as the terminator). */
static void push(argv_builder *argv, const char *text) {
  if (argv->failed) return;
  if (argv->count == argv->room) {
    size_t room = argv->room ? 2 * argv->room : 32;
    char **grown = realloc(argv->items, room * sizeof *grown);
    if (!grown) {
      argv->failed = true;
      return;
    }
    argv->items = grown;
    argv->room = room;
  }
  char *copy = text ? strdup(text) : NULL;
  if (text && !copy) argv->failed = true;
  else argv->items[argv->count++] = copy;
}

static void push_option(argv_builder *argv, const char *flag, const char *value) {
  push(argv, flag);
  push(argv, value);
}

static void push_grants(argv_builder *argv, const oci_bundle *bundle) {
  for (size_t i = 0; i < bundle->grant_count; i++) {
    const oci_grant *grant = &bundle->grants[i];
    size_t size = strlen(grant->host) + strlen(grant->guest) + 3;
    char *pair = malloc(size);
    if (!pair) {
      argv->failed = true;
      return;
    }
    snprintf(pair, size, "%s::%s", grant->host, grant->guest);
    push_option(argv, grant->read_only ? "--ro-dir" : "--dir", pair);
    free(pair);
  }
}

static void push_limits(argv_builder *argv, const oci_bundle *bundle) {
  if (bundle->memory_limit) {
    char bytes[32];
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)bundle->memory_limit);
    push_option(argv, "--max-memory", bytes);
  }
  if (bundle->max_cpu) push_option(argv, "--max-cpu", bundle->max_cpu);
  if (bundle->timeout) push_option(argv, "--timeout", bundle->timeout);
  for (size_t i = 0; i < bundle->connect_rule_count; i++)
    push_option(argv, "--connect", bundle->connect_rules[i]);
  for (size_t i = 0; i < bundle->listen_rule_count; i++)
    push_option(argv, "--listen", bundle->listen_rules[i]);
}

char **oci_run_argv(const oci_bundle *bundle) {
  argv_builder argv = {0};
  push(&argv, "minos");
  push(&argv, "run");
  push_grants(&argv, bundle);
  for (size_t i = 0; i < bundle->env_count; i++) push_option(&argv, "--env", bundle->env[i]);
  push_limits(&argv, bundle);
  push_option(&argv, "--argv0", bundle->program); /* its name in the image */
  push(&argv, "--"); /* the code's path may start with '-' */
  push(&argv, bundle->code_path);
  for (size_t i = 0; i < bundle->arg_count; i++) push(&argv, bundle->args[i]);
  push(&argv, NULL);
  if (!argv.failed) return argv.items;
  for (size_t i = 0; i < argv.count; i++) free(argv.items[i]);
  free(argv.items);
  return NULL;
}

void oci_run_argv_free(char **argv) {
  for (size_t i = 0; argv && argv[i]; i++) free(argv[i]);
  free(argv);
}
