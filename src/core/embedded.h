/* SPDX-License-Identifier: Apache-2.0 */
/* Files compiled into the minos binary (see cmake/Embed.cmake). */
#ifndef MINOS_CORE_EMBEDDED_H
#define MINOS_CORE_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
  const char *name;
  const char *content;
  size_t size;
};

extern const struct embedded_file embedded_glue_files[];
extern const size_t embedded_glue_file_count;
extern const char embedded_glue_digest[];

/* The demo's guest programs (minos demo), in the minos binary only. */
extern const struct embedded_file embedded_demo_files[];
extern const size_t embedded_demo_file_count;
extern const char embedded_demo_digest[];

#endif
