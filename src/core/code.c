/* SPDX-License-Identifier: Apache-2.0 */
/* Code for cells, whatever its arch: see code.h. */
#include "core/code.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* src/archs/archs.c: every arch. */
extern const code_arch *const code_archs[];

/* Enough for any arch's magic. */
#define HEAD_BYTES 64

const char *grant_kind_name(grant_kind kind) {
  static const char *const names[] = {"nothing", "a directory grant", "the clock grant",
                                      "the random grant", "a connect grant", "a listen grant"};
  return kind < sizeof names / sizeof names[0] ? names[kind] : "an unknown grant";
}

const code_arch *code_arch_of(const uint8_t *head, size_t length) {
  for (const code_arch *const *arch = code_archs; *arch; arch++)
    if ((*arch)->owns(head, length)) return *arch;
  return NULL;
}

static const char *machine_name(uint16_t machine) {
  switch (machine) {
  case EM_386: return "x86 (32-bit)";
  case EM_ARM: return "ARM (32-bit)";
  case EM_AARCH64: return "AArch64";
  case EM_RISCV: return "RISC-V";
  case EM_PPC64: return "POWER";
  case EM_S390: return "s390";
  case EM_MIPS: return "MIPS";
  default: return NULL;
  }
}

static const char *describe_elf(const uint8_t *head, size_t length, char *buffer, size_t size) {
  if (length < sizeof(Elf64_Ehdr) || head[EI_CLASS] != ELFCLASS64 || head[EI_DATA] != ELFDATA2LSB) {
    snprintf(buffer, size, "a %s ELF object, not one for x86-64",
             length > EI_CLASS && head[EI_CLASS] == ELFCLASS32 ? "32-bit" : "malformed or foreign");
    return buffer;
  }
  Elf64_Ehdr header;
  memcpy(&header, head, sizeof header);
  const char *machine = machine_name(header.e_machine);
  if (header.e_machine != EM_X86_64 && machine)
    snprintf(buffer, size, "an ELF object for %s, not x86-64", machine);
  else if (header.e_machine != EM_X86_64)
    snprintf(buffer, size, "an ELF object for machine %u, not x86-64", header.e_machine);
  else if (header.e_type == ET_EXEC || header.e_type == ET_DYN)
    snprintf(buffer, size, "an x86-64 ELF executable");
  else
    snprintf(buffer, size, "an x86-64 ELF %s, not an executable",
             header.e_type == ET_REL ? "object file (.o)" : header.e_type == ET_CORE ? "core dump" : "file");
  return buffer;
}

const char *code_describe(const uint8_t *head, size_t length, char *buffer, size_t size) {
  if (length == 0) return "an empty file";
  if (length >= 4 && memcmp(head, "\0asm", 4) == 0) return "a WebAssembly module";
  if (length >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0)
    return describe_elf(head, length, buffer, size);
  if (length >= 2 && head[0] == '#' && head[1] == '!') {
    size_t end = 2;
    while (end < length && end < 64 && head[end] >= 0x20 && head[end] < 0x7f) end++;
    snprintf(buffer, size, "a script (%.*s)", (int)end, (const char *)head);
    return buffer;
  }
  snprintf(buffer, size, "neither a WebAssembly module nor an ELF executable (it starts with");
  for (size_t i = 0; i < length && i < 4; i++) {
    size_t used = strlen(buffer);
    snprintf(buffer + used, size - used, " %02x", head[i]);
  }
  size_t used = strlen(buffer);
  snprintf(buffer + used, size - used, ")");
  return buffer;
}

/* Code no arch owns: what it is, and what minos runs. */
static minos_status refuse_unowned(const uint8_t *head, size_t length, code_report *report) {
  char description[160], runs[160] = "";
  const char *what = code_describe(head, length, description, sizeof description);
  for (const code_arch *const *arch = code_archs; *arch; arch++) {
    size_t used = strlen(runs);
    snprintf(runs + used, sizeof runs - used, "%s%s", used ? " and " : "", (*arch)->runs);
  }
  snprintf(report->error, sizeof report->error, "it is %s; this build of minos runs %s", what,
           runs);
  return MINOS_EMODULE;
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
  const code_arch *arch = code_arch_of(head, length);
  if (!arch) return refuse_unowned(head, length, report);
  return prepare(arch, path, NULL, 0, memory_limit_bytes, out, report);
}

minos_status code_prepare_bytes(const uint8_t *bytes, size_t length, const char *display_name,
                                uint64_t memory_limit_bytes, cell_code *out,
                                code_report *report) {
  *report = (code_report){.cache_hit = false};
  *out = (cell_code){0};
  const code_arch *arch = code_arch_of(bytes, length);
  if (!arch) return refuse_unowned(bytes, length, report);
  return prepare(arch, display_name, bytes, length, memory_limit_bytes, out, report);
}

void code_release(cell_code *code) {
  if (code->arch && code->prepared) code->arch->release(code->prepared);
  *code = (cell_code){0};
}

minos_status code_inspect_file(const char *path, inspected_code *out, char *error,
                               size_t error_size) {
  *out = (inspected_code){0};
  code_report report = {.cache_hit = false};
  uint8_t head[HEAD_BYTES];
  size_t length;
  minos_status status = read_head(path, head, &length, &report);
  const code_arch *arch = status == MINOS_OK ? code_arch_of(head, length) : NULL;
  if (status == MINOS_OK && !arch) status = refuse_unowned(head, length, &report);
  if (status != MINOS_OK) {
    snprintf(error, error_size, "%s", report.error);
    return status;
  }
  out->arch = arch;
  status = arch->inspect(path, &out->inspected, error, error_size);
  if (status != MINOS_OK) *out = (inspected_code){0};
  return status;
}

void code_cell_problems(const inspected_code *code, uint64_t memory_limit_bytes,
                        uint32_t denied_grants, code_problem_report report, void *context) {
  code->arch->cell_problems(code->inspected, memory_limit_bytes, denied_grants, report, context);
}

void code_inspected_release(inspected_code *code) {
  if (code->arch && code->inspected) code->arch->release_inspected(code->inspected);
  *code = (inspected_code){0};
}

minos_status code_create_cell(const cell_code *code, const cell_config *config, struct cell **out,
                              char *error, size_t error_size) {
  return code->arch->create(code->prepared, config, out, error, error_size);
}

bool code_takes_network_rule(const inspected_code *code, const struct net_rule *rule, char *why,
                             size_t why_size) {
  return !code->arch->takes_network_rule || code->arch->takes_network_rule(rule, why, why_size);
}
