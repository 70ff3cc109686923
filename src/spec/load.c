/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a spec: the JSON tree, then the passes over it, then either the
 * spec or every problem found, in the order of the text. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/name_index.h"
#include "spec/spec_private.h"

struct spec_lookup {
  name_index cells, channels;
};

#define SPEC_SIZE_LIMIT ((size_t)16 << 20)

static void report_json_error(void *context, const char *path, json_position at,
                              const char *message) {
  spec_problem_add(context, path, (spec_position){at.line, at.column}, "%s", message);
}

/* Relative paths in a spec resolve against its directory, made absolute
 * so that they keep meaning the same whatever the working directory. */
static char *directory_of(const char *path) {
  const char *slash = strrchr(path, '/');
  char *directory = slash == path ? strdup("/")
                    : slash       ? strndup(path, (size_t)(slash - path))
                                  : strdup(".");
  char absolute[PATH_MAX];
  if (directory && realpath(directory, absolute)) {
    free(directory);
    directory = strdup(absolute);
  }
  return directory;
}

/* "specs/kv.json" -> "kv" */
static char *default_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t length = strlen(base);
  if (length > 5 && strcmp(base + length - 5, ".json") == 0) length -= 5;
  return strndup(base, length);
}

static void free_lookup(spec *system) {
  if (!system->lookup) return;
  name_index_free(&system->lookup->cells);
  name_index_free(&system->lookup->channels);
  free(system->lookup);
  system->lookup = NULL;
}

static void free_notes(spec_loader *loader) {
  for (size_t i = 0; loader->cells && i < loader->spec->cell_count; i++) {
    free(loader->cells[i].end_known);
    free(loader->cells[i].connect_at);
    free(loader->cells[i].listen_at);
    name_index_free(&loader->cells[i].ends);
  }
  free(loader->cells);
  free(loader->channels);
}

static const char *cell_name(const void *system, size_t index) {
  return ((const spec *)system)->cells[index].name;
}

static const char *channel_name(const void *system, size_t index) {
  return ((const spec *)system)->channels[index].name;
}

/* Names to cells and channels, so that wiring thousands of channels is
 * not thousands of scans; the first of channels named alike is found. */
static void index_names(spec *system) {
  struct spec_lookup *lookup = calloc(1, sizeof *lookup);
  if (!lookup) return; /* lookups scan instead */
  name_index_init(&lookup->cells, cell_name, system);
  name_index_init(&lookup->channels, channel_name, system);
  bool indexed = true;
  for (size_t i = 0; indexed && i < system->cell_count; i++)
    if (system->cells[i].name && name_index_find(&lookup->cells, system->cells[i].name) < 0)
      indexed = name_index_add(&lookup->cells, i);
  for (size_t i = 0; indexed && i < system->channel_count; i++)
    if (system->channels[i].name &&
        name_index_find(&lookup->channels, system->channels[i].name) < 0)
      indexed = name_index_add(&lookup->channels, i);
  system->lookup = lookup;
  if (!indexed) free_lookup(system);
}

static void run_passes(spec_loader *loader, const json_value *root) {
  spec_read_document(loader, root);
  index_names(loader->spec);
  spec_check_wiring(loader);
  if (root->type == JSON_OBJECT) spec_read_groups(loader, json_object_get(root, "groups"));
  spec_check_readiness(loader);
  spec_check_triggers(loader);
  spec_check_overlaps(loader);
  spec_check_capacity(loader);
  spec_check_code(loader);
}

spec *spec_load_text(const char *text, size_t length, const char *path, spec_problems *problems) {
  size_t problems_before = problems->count;
  spec *loaded = calloc(1, sizeof *loaded);
  if (!loaded) {
    spec_problem_add(problems, "", (spec_position){0, 0}, "out of memory");
    return NULL;
  }
  loaded->path = strdup(path);
  loaded->directory = directory_of(path);
  loaded->name = default_name(path);
  loaded->grace_ns = 2000000000ull;
  json_value *root = json_parse(text, length, report_json_error, problems);
  if (root && loaded->path) {
    spec_loader loader = {.spec = loaded, .problems = problems};
    run_passes(&loader, root);
    free_notes(&loader);
  }
  json_free(root);
  if (!loaded->path || !loaded->directory || !loaded->name)
    spec_problem_add(problems, "", (spec_position){0, 0}, "out of memory");
  spec_problems_sort(problems);
  if (problems->count == problems_before) return loaded;
  spec_free(loaded);
  return NULL;
}

char *spec_read_file(const char *path, size_t *length, char *error, size_t error_size) {
  /* O_NONBLOCK: a FIFO must not hold minos waiting for a writer; it is
   * refused below, like anything but a regular file. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat status;
  if (fd < 0 || fstat(fd, &status) != 0) {
    snprintf(error, error_size, "%s", strerror(errno));
    if (fd >= 0) close(fd);
    return NULL;
  }
  const char *refusal = !S_ISREG(status.st_mode)                  ? "not a regular file"
                        : (size_t)status.st_size > SPEC_SIZE_LIMIT ? "larger than 16 MiB"
                                                                   : NULL;
  char *text = refusal ? NULL : malloc((size_t)status.st_size + 1);
  size_t done = 0;
  while (text && done < (size_t)status.st_size) {
    ssize_t got = read(fd, text + done, (size_t)status.st_size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += (size_t)got;
  }
  if (!refusal && (!text || done != (size_t)status.st_size))
    refusal = text ? "short read" : "out of memory";
  close(fd);
  if (refusal) {
    snprintf(error, error_size, "%s", refusal);
    free(text);
    return NULL;
  }
  text[done] = '\0';
  *length = done;
  return text;
}

spec *spec_load_file(const char *path, spec_problems *problems) {
  char error[256];
  size_t length;
  char *text = spec_read_file(path, &length, error, sizeof error);
  if (!text) {
    spec_problem_add(problems, "", (spec_position){0, 0}, "cannot read %s: %s", path, error);
    return NULL;
  }
  spec *loaded = spec_load_text(text, length, path, problems);
  free(text);
  return loaded;
}

static void free_strings(char **strings, size_t count) {
  for (size_t i = 0; strings && i < count; i++) free(strings[i]);
  free(strings);
}

static void free_cell(spec_cell *cell) {
  free(cell->name);
  free(cell->code_path);
  free_strings(cell->args, cell->arg_count);
  free_strings(cell->env, cell->env_count);
  for (size_t i = 0; i < cell->end_count; i++) free(cell->ends[i].name);
  free(cell->ends);
  for (size_t i = 0; i < cell->grants.dir_count; i++) {
    free(cell->grants.dirs[i].host_path);
    free(cell->grants.dirs[i].guest_path);
  }
  free(cell->grants.dirs);
  free(cell->grants.connect);
  free(cell->grants.listen);
  free(cell->trigger.listen);
  free(cell->trigger.channel);
}

void spec_free(spec *system) {
  if (!system) return;
  free_lookup(system);
  for (size_t i = 0; i < system->cell_count; i++) free_cell(&system->cells[i]);
  free(system->cells);
  for (size_t i = 0; i < system->channel_count; i++) {
    free(system->channels[i].name);
    free(system->channels[i].from.text);
    free(system->channels[i].to.text);
  }
  free(system->channels);
  for (size_t i = 0; i < system->group_count; i++) {
    free(system->groups[i].name);
    free(system->groups[i].members);
  }
  free(system->groups);
  free(system->path);
  free(system->directory);
  free(system->name);
  free(system->log_path);
  free(system->metrics);
  free(system);
}

long spec_find_cell(const spec *system, const char *name) {
  if (system->lookup) return name_index_find(&system->lookup->cells, name);
  for (size_t i = 0; i < system->cell_count; i++)
    if (system->cells[i].name && strcmp(system->cells[i].name, name) == 0) return (long)i;
  return -1;
}

long spec_find_channel(const spec *system, const char *name) {
  if (system->lookup) return name_index_find(&system->lookup->channels, name);
  for (size_t i = 0; i < system->channel_count; i++)
    if (system->channels[i].name && strcmp(system->channels[i].name, name) == 0) return (long)i;
  return -1;
}
