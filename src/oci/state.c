/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/json_out.h"
#include "spec/json.h"

#define STATE_MAX_BYTES ((size_t)8 << 20)
#define OCI_SPEC_VERSION "1.0.2"

bool oci_id_valid(const char *id, char *error, size_t error_size) {
  size_t length = strlen(id);
  const char *problem = NULL;
  if (length == 0) problem = "is empty";
  else if (length > OCI_ID_MAX) problem = "is too long";
  else if (strspn(id, ".") == length) problem = "is made of dots only";
  else if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.") !=
           length)
    problem = "holds a character other than letters, digits and _+-.";
  if (problem) snprintf(error, error_size, "container ID '%.64s' %s", id, problem);
  return !problem;
}

void oci_default_root(char *out, size_t size) {
  const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
  if (geteuid() == 0) snprintf(out, size, "/run/minos-oci");
  else if (runtime_dir && runtime_dir[0] == '/') snprintf(out, size, "%s/minos-oci", runtime_dir);
  else snprintf(out, size, "/tmp/minos-oci-%u", (unsigned)geteuid());
}

unsigned long long oci_process_start_time(pid_t pid) {
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  ssize_t got = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
  if (fd >= 0) close(fd);
  if (got <= 0) return 0;
  text[got] = '\0';
  /* After the command's name, whatever it holds: its last ')'. Then the
   * state (field 3) and, 19 fields on, the start time (field 22). */
  char *rest = strrchr(text, ')');
  if (!rest || rest[1] != ' ' || rest[2] == 'Z' || rest[2] == 'X') return 0;
  rest += 2;
  for (int field = 3; field < 22 && rest; field++) {
    rest = strchr(rest, ' ');
    if (rest) rest++;
  }
  return rest ? strtoull(rest, NULL, 10) : 0;
}

bool oci_write_atomically(const char *path, const char *text, size_t length, char *error,
                          size_t error_size) {
  char temporary[4200];
  snprintf(temporary, sizeof temporary, "%s.%d.tmp", path, (int)getpid());
  int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool fine = fd >= 0 && write(fd, text, length) == (ssize_t)length;
  if (fd >= 0 && close(fd) != 0) fine = false;
  if (fine && rename(temporary, path) == 0) return true;
  snprintf(error, error_size, "cannot write %s: %s", path, strerror(errno));
  unlink(temporary);
  return false;
}

static void write_annotations(json_out *out, const oci_state *state) {
  json_out_key(out, "annotations");
  json_out_begin_object(out);
  for (size_t i = 0; i < state->annotation_count; i++)
    json_out_member_string(out, state->annotations[i].key, state->annotations[i].value);
  json_out_end_object(out);
}

bool oci_state_write(const char *dir, const oci_state *state, char *error, size_t error_size) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "id", state->id);
  json_out_member_uint(&out, "pid", (uint64_t)state->pid);
  json_out_member_uint(&out, "start_time", state->start_time);
  json_out_member_string(&out, "bundle", state->bundle);
  json_out_member_string(&out, "created", state->created);
  write_annotations(&out, state);
  json_out_end_object(&out);
  char *text = json_out_finish(&out), path[4200];
  if (!text) {
    snprintf(error, error_size, "cannot write the state: out of memory");
    return false;
  }
  snprintf(path, sizeof path, "%s/state.json", dir);
  bool fine = oci_write_atomically(path, text, strlen(text), error, error_size);
  free(text);
  return fine;
}

static void ignore_problem(void *context, const char *path, json_position at,
                           const char *message) {
  (void)path, (void)at, (void)message;
  *(bool *)context = true;
}

static char *string_member(const json_value *object, const char *key) {
  const json_value *value = json_object_get(object, key);
  return value && value->type == JSON_STRING ? strdup(value->string.text) : NULL;
}

static long long number_member(const json_value *object, const char *key) {
  const json_value *value = json_object_get(object, key);
  return value && value->type == JSON_NUMBER && value->number.is_integer ? value->number.integer
                                                                        : -1;
}

static bool read_annotations(const json_value *object, oci_state *out) {
  const json_value *annotations = json_object_get(object, "annotations");
  if (!annotations || annotations->type != JSON_OBJECT) return true;
  out->annotations = calloc(annotations->object.count + 1, sizeof *out->annotations);
  if (!out->annotations) return false;
  for (size_t i = 0; i < annotations->object.count; i++) {
    const json_member *member = &annotations->object.members[i];
    if (member->value->type != JSON_STRING) continue;
    oci_annotation *kept = &out->annotations[out->annotation_count++];
    kept->key = strdup(member->key);
    kept->value = strdup(member->value->string.text);
    if (!kept->key || !kept->value) return false;
  }
  return true;
}

/* The tree of a state.json minos wrote (and only root can change). */
static bool read_tree(const json_value *tree, oci_state *out) {
  long long pid = number_member(tree, "pid"), start = number_member(tree, "start_time");
  const json_value *created = json_object_get(tree, "created");
  out->id = string_member(tree, "id");
  out->bundle = string_member(tree, "bundle");
  if (created && created->type == JSON_STRING)
    snprintf(out->created, sizeof out->created, "%s", created->string.text);
  out->pid = pid > 0 && pid <= 0x7fffffff ? (pid_t)pid : 0;
  out->start_time = start > 0 ? (unsigned long long)start : 0;
  return out->id && out->bundle && out->pid && read_annotations(tree, out);
}

bool oci_state_read(const char *dir, oci_state *out, char *error, size_t error_size) {
  char path[4200], *text = malloc(STATE_MAX_BYTES);
  *out = (oci_state){0};
  snprintf(path, sizeof path, "%s/state.json", dir);
  int fd = text ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  ssize_t got = fd >= 0 ? read(fd, text, STATE_MAX_BYTES) : -1;
  int saved = errno;
  if (fd >= 0) close(fd);
  bool problem = false;
  json_value *tree = got > 0 ? json_parse(text, (size_t)got, ignore_problem, &problem) : NULL;
  bool fine = tree && !problem && tree->type == JSON_OBJECT && read_tree(tree, out);
  json_free(tree);
  free(text);
  if (fine) return true;
  oci_state_free(out);
  if (got < 0) snprintf(error, error_size, "%s: %s", path, strerror(saved));
  else snprintf(error, error_size, "%s: not a state minos wrote", path);
  errno = got < 0 ? saved : EINVAL;
  return false;
}

void oci_state_free(oci_state *state) {
  free(state->id);
  free(state->bundle);
  oci_annotations_free(state->annotations, state->annotation_count);
  *state = (oci_state){0};
}

oci_status oci_state_status(const char *dir, const oci_state *state) {
  if (oci_process_start_time(state->pid) != state->start_time || !state->start_time)
    return OCI_STOPPED;
  char fifo[4200];
  snprintf(fifo, sizeof fifo, "%s/exec.fifo", dir);
  return access(fifo, F_OK) == 0 ? OCI_CREATED : OCI_RUNNING;
}

const char *oci_status_name(oci_status status) {
  static const char *const names[] = {"created", "running", "stopped"};
  return names[status];
}

char *oci_state_json(const oci_state *state, oci_status status) {
  json_out out = {0};
  json_out_begin_object(&out);
  json_out_member_string(&out, "ociVersion", OCI_SPEC_VERSION);
  json_out_member_string(&out, "id", state->id);
  json_out_member_string(&out, "status", oci_status_name(status));
  /* The specification: the pid is there while the process is. */
  if (status != OCI_STOPPED) json_out_member_uint(&out, "pid", (uint64_t)state->pid);
  json_out_member_string(&out, "bundle", state->bundle);
  json_out_member_string(&out, "created", state->created);
  write_annotations(&out, state);
  json_out_end_object(&out);
  return json_out_finish(&out);
}
