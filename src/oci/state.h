/* SPDX-License-Identifier: Apache-2.0 */
/* A container's state, kept in ROOT/ID/ so that every `minos oci`
 * command (each a process of its own, minutes apart, maybe after minos
 * was upgraded) finds it:
 *   state.json  what `create` learnt: the pid and its start time, the
 *               bundle, when it was created, the annotations
 *   exec.fifo   while it is there, the container's process waits for
 *               `start` (it opens it for writing, `start` for reading)
 * The status is never stored, it is found: "stopped" once the process is
 * gone (or a zombie, or another process under a reused pid: its start
 * time differs), "created" while exec.fifo is there, else "running". */
#ifndef MINOS_OCI_STATE_H
#define MINOS_OCI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/bundle.h"

/* At most this long, and only letters, digits and "_+-." (no "/", no
 * name made of dots only): an ID names a directory under the root. */
#define OCI_ID_MAX 1024

typedef enum oci_status { OCI_CREATED, OCI_RUNNING, OCI_STOPPED } oci_status;

typedef struct oci_state {
  char *id, *bundle;
  pid_t pid;
  unsigned long long start_time; /* the process's, in clock ticks since boot */
  char created[40];              /* RFC 3339, UTC */
  oci_annotation *annotations;
  size_t annotation_count;
} oci_state;

/* Whether id can name a container (else why not, in error). */
bool oci_id_valid(const char *id, char *error, size_t error_size);
/* Where state lives without --root: /run/minos-oci for root, else
 * $XDG_RUNTIME_DIR/minos-oci, else /tmp/minos-oci-UID. */
void oci_default_root(char *out, size_t size);

/* When the process started (clock ticks since boot), or 0 if it is gone
 * or a zombie. */
unsigned long long oci_process_start_time(pid_t pid);

/* dir/state.json written whole (a temporary file renamed over it). */
bool oci_state_write(const char *dir, const oci_state *state, char *error, size_t error_size);
/* dir/state.json read back; false with the reason (errno ENOENT kept
 * when there is no such container). */
bool oci_state_read(const char *dir, oci_state *out, char *error, size_t error_size);
void oci_state_free(oci_state *state);
oci_status oci_state_status(const char *dir, const oci_state *state);
const char *oci_status_name(oci_status status);
/* The specification's state JSON, one line (to free). */
char *oci_state_json(const oci_state *state, oci_status status);

/* `text` written whole to path through a temporary file beside it and
 * a rename, so a reader sees the old file or the new one. */
bool oci_write_atomically(const char *path, const char *text, size_t length, char *error,
                          size_t error_size);

#endif
