/* SPDX-License-Identifier: Apache-2.0 */
/* Reading an x86-64 Linux executable without running it: whether it is
 * one (and if not, what it is), and, for a dynamically linked one, the
 * files its loading opens: its interpreter (PT_INTERP) and the shared
 * libraries it needs (DT_NEEDED), transitively, found where the dynamic
 * loader finds them. A native cell's file system view holds exactly
 * these, read-only (issue: native cells).
 *
 * Every file read here is hostile: every offset, size and count is
 * checked against the file, strings must end inside their table, and the
 * work is bounded (ELF_MAX_* below). Nothing is mapped: a file truncated
 * meanwhile cannot fault minos.
 *
 * Where the loader looks, in its order: the object's DT_RPATH (when it
 * has no DT_RUNPATH; with the executable's too), its DT_RUNPATH, the
 * directories of /etc/ld.so.conf (with its includes: what ldconfig puts
 * in the cache), then /lib and /usr/lib (and their lib64 forms).
 * LD_LIBRARY_PATH and LD_PRELOAD are never used: minos's own environment
 * must not change what a cell can see. "$ORIGIN" in a search path is the
 * object's own directory; other "$" tokens and relative entries are
 * skipped (they would depend on the loader's platform or the current
 * directory). */
#ifndef MINOS_NATIVE_ELF_H
#define MINOS_NATIVE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define ELF_MAX_FILE_BYTES ((size_t)1 << 30) /* one object */
#define ELF_MAX_NEEDED 256                   /* DT_NEEDED entries of one object */
#define ELF_MAX_OBJECTS 512                  /* files in one program's closure */

typedef struct elf_program {
  char *interpreter; /* PT_INTERP's path, or NULL: statically linked */
  char **needed;     /* DT_NEEDED names, in order */
  size_t needed_count;
  /* DT_RUNPATH's directories, or DT_RPATH's if it has no DT_RUNPATH
   * (rpath then true), with $ORIGIN expanded. */
  char **search;
  size_t search_count;
  bool rpath;
} elf_program;

/* Reads the bytes of an ELF object for x86-64 (an executable or a shared
 * object) found in `directory` (for $ORIGIN). MINOS_EMODULE with what the
 * bytes are instead, or what is wrong with them, in error. */
minos_status elf_read(const uint8_t *bytes, size_t length, const char *directory,
                      elf_program *out, char *error, size_t error_size);
void elf_program_free(elf_program *program);

/* What bytes that are not an x86-64 ELF executable or shared object are,
 * for an error (code_describe); NULL if they are one. */
const char *elf_describe_other(const uint8_t *head, size_t length, char *buffer, size_t size);

/* The files loading the program at `path` opens, as the paths the loader
 * opens them by: its interpreter first, then the libraries, each once.
 * None for a statically linked program. MINOS_EMODULE if the program or
 * a library is not what it must be or a library cannot be found (error
 * names it); MINOS_EIO if a file cannot be read. */
typedef struct elf_closure {
  char **files;
  size_t count;
} elf_closure;
minos_status elf_load_closure(const char *path, elf_closure *out, char *error,
                              size_t error_size);
void elf_closure_free(elf_closure *closure);

#endif
