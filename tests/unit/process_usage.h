/* SPDX-License-Identifier: Apache-2.0 */
/* What the test or benchmark process itself uses, from /proc/self: leak
 * and density checks compare these before and after many cells. Shared by
 * the unit tests and bench/density. */
#ifndef MINOS_TESTS_PROCESS_USAGE_H
#define MINOS_TESTS_PROCESS_USAGE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A "Name:   value kB" line of /proc/self/status, or -1. */
static inline long process_status_field(const char *name) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long value = -1;
  size_t length = strlen(name);
  while (status && fgets(line, sizeof line, status))
    if (strncmp(line, name, length) == 0 && line[length] == ':') value = atol(line + length + 1);
  if (status) fclose(status);
  return value;
}

/* Mappings (VMAs): lines of /proc/self/maps. */
static inline long process_mapping_count(void) {
  FILE *maps = fopen("/proc/self/maps", "r");
  long count = 0;
  int c;
  while (maps && (c = fgetc(maps)) != EOF) count += c == '\n';
  if (maps) fclose(maps);
  return count;
}

/* Open descriptors. */
static inline int open_fd_count(void) {
  DIR *listing = opendir("/proc/self/fd");
  int count = 0;
  if (!listing) return -1;
  while (readdir(listing)) count++;
  closedir(listing);
  return count;
}

#endif
