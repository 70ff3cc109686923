/* Code for cells, whatever its arch: see code.h. */
#include "core/code.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* src/archs/archs.c: every arch, the default (the one that explains
 * best what is wrong with code no arch owns) first. */
extern const code_arch *const code_archs[];

/* Enough for any arch's magic. */
#define HEAD_BYTES 64

const code_arch *code_arch_of(const uint8_t *head, size_t length) {
  for (const code_arch *const *arch = code_archs; *arch; arch++)
    if ((*arch)->owns(head, length)) return *arch;
  return NULL;
}

/* Code nobody owns goes to the default arch, which says why it is not its. */
static const code_arch *arch_for(const uint8_t *head, size_t length) {
  const code_arch *owner = code_arch_of(head, length);
  return owner ? owner : code_archs[0];
}

/* The file's first bytes. O_NONBLOCK: a FIFO must not hold minos waiting
 * for a writer; it is refused, like anything but a regular file. */
static minos_status read_head(const char *path, uint8_t *head, size_t *length,
                              code_report *report) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat info;
  const char *problem = NULL;
  if (fd < 0 || fstat(fd, &info) != 0) problem = strerror(errno);
  else if (!S_ISREG(info.st_mode)) problem = "not a regular file";
  ssize_t got = -1;
  while (!problem && (got = read(fd, head, HEAD_BYTES)) < 0 && errno == EINTR) {
  }
  if (!problem && got < 0) problem = strerror(errno);
  if (fd >= 0) close(fd);
  if (problem) {
    snprintf(report->error, sizeof report->error, "cannot read %s: %s", path, problem);
    return MINOS_EIO;
  }
  *length = (size_t)got;
  return MINOS_OK;
}

static minos_status prepare(const code_arch *arch, const char *name, const uint8_t *bytes,
                            size_t length, uint64_t memory_limit_bytes, cell_code *out,
                            code_report *report) {
  *out = (cell_code){.arch = arch};
  return arch->prepare(name, bytes, length, memory_limit_bytes, &out->prepared, report);
}

minos_status code_prepare_file(const char *path, uint64_t memory_limit_bytes, cell_code *out,
                               code_report *report) {
  *report = (code_report){.cache_hit = false};
  *out = (cell_code){0};
  uint8_t head[HEAD_BYTES];
  size_t length;
  minos_status status = read_head(path, head, &length, report);
  if (status != MINOS_OK) return status;
  return prepare(arch_for(head, length), path, NULL, 0, memory_limit_bytes, out, report);
}

minos_status code_prepare_bytes(const uint8_t *bytes, size_t length, const char *display_name,
                                uint64_t memory_limit_bytes, cell_code *out,
                                code_report *report) {
  *report = (code_report){.cache_hit = false};
  return prepare(arch_for(bytes, length), display_name, bytes, length, memory_limit_bytes, out,
                 report);
}

void code_release(cell_code *code) {
  if (code->arch && code->prepared) code->arch->release(code->prepared);
  *code = (cell_code){0};
}

minos_status code_create_cell(const cell_code *code, const cell_config *config, cell **out,
                              char *error, size_t error_size) {
  return code->arch->create(code->prepared, config, out, error, error_size);
}
