/* SPDX-License-Identifier: Apache-2.0 */
/* Reading x86-64 ELF objects without running them: see elf.h. */
#include "native/elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/code.h"

#define MAX_SEARCH_PATHS 64
#define MAX_CONF_DEPTH 4
#define MAX_PATH_BYTES 4096

/* ---- one object ------------------------------------------------------ */

/* Whether [offset, offset + size) lies inside a file of `length` bytes. */
static bool inside(uint64_t offset, uint64_t size, size_t length) {
  return offset <= length && size <= length - offset;
}

const char *elf_describe_other(const uint8_t *head, size_t length, char *buffer, size_t size) {
  Elf64_Ehdr header;
  if (length >= sizeof header && memcmp(head, ELFMAG, SELFMAG) == 0 &&
      head[EI_CLASS] == ELFCLASS64 && head[EI_DATA] == ELFDATA2LSB) {
    memcpy(&header, head, sizeof header);
    if (header.e_machine == EM_X86_64 && (header.e_type == ET_EXEC || header.e_type == ET_DYN))
      return NULL;
  }
  return code_describe(head, length, buffer, size);
}

typedef struct reader {
  const uint8_t *bytes;
  size_t length;
  Elf64_Phdr loads[64]; /* PT_LOAD headers, for addresses */
  size_t load_count;
  char *error;
  size_t error_size;
} reader;

static minos_status refuse(reader *in, const char *what) {
  snprintf(in->error, in->error_size, "malformed ELF object: %s", what);
  return MINOS_EMODULE;
}

/* The file offset of virtual address `address`, through PT_LOAD. */
static bool offset_of(const reader *in, uint64_t address, uint64_t *offset) {
  for (size_t i = 0; i < in->load_count; i++) {
    const Elf64_Phdr *load = &in->loads[i];
    if (address >= load->p_vaddr && address - load->p_vaddr < load->p_filesz) {
      *offset = load->p_offset + (address - load->p_vaddr);
      return true;
    }
  }
  return false;
}

/* A NUL-terminated string at [offset, offset + size) of the file. */
static const char *string_at(const reader *in, uint64_t offset, uint64_t size) {
  if (!inside(offset, size, in->length) || size == 0) return NULL;
  const char *start = (const char *)in->bytes + offset;
  return memchr(start, '\0', size) ? start : NULL;
}

static bool append(char ***list, size_t *count, size_t most, const char *text, size_t length) {
  if (*count >= most) return false;
  char **grown = realloc(*list, (*count + 1) * sizeof *grown);
  if (!grown) return false;
  *list = grown;
  if (!(grown[*count] = strndup(text, length))) return false;
  (*count)++;
  return true;
}

/* One search directory, $ORIGIN expanded; skipped (true) if it depends on
 * anything else. */
static bool add_search(elf_program *out, const char *entry, size_t length, const char *directory) {
  char expanded[MAX_PATH_BYTES];
  const char *rest = entry;
  size_t used = 0;
  if (length >= 7 && strncmp(entry, "$ORIGIN", 7) == 0) rest = entry + 7;
  else if (length >= 9 && strncmp(entry, "${ORIGIN}", 9) == 0) rest = entry + 9;
  if (rest != entry) {
    if (!directory) return true;
    used = (size_t)snprintf(expanded, sizeof expanded, "%s", directory);
  }
  size_t rest_length = length - (size_t)(rest - entry);
  if (memchr(rest, '$', rest_length)) return true;
  if (used + rest_length >= sizeof expanded) return true;
  memcpy(expanded + used, rest, rest_length);
  expanded[used + rest_length] = '\0';
  if (expanded[0] != '/') return true;
  return append(&out->search, &out->search_count, MAX_SEARCH_PATHS, expanded,
                strlen(expanded)) ||
         out->search_count >= MAX_SEARCH_PATHS;
}

static bool add_search_list(elf_program *out, const char *list, const char *directory) {
  for (const char *part = list; *part;) {
    size_t length = strcspn(part, ":");
    if (length && !add_search(out, part, length, directory)) return false;
    part += length;
    if (*part == ':') part++;
  }
  return true;
}

typedef struct dynamic_view {
  uint64_t strtab, strsz;
  bool has_strtab, has_strsz;
  uint64_t needed[ELF_MAX_NEEDED];
  size_t needed_count;
  uint64_t runpath, rpath;
  bool has_runpath, has_rpath;
} dynamic_view;

static minos_status scan_dynamic(reader *in, const Elf64_Phdr *dynamic, dynamic_view *view) {
  if (!inside(dynamic->p_offset, dynamic->p_filesz, in->length))
    return refuse(in, "its dynamic section lies outside the file");
  size_t entries = dynamic->p_filesz / sizeof(Elf64_Dyn);
  for (size_t i = 0; i < entries; i++) {
    Elf64_Dyn entry;
    memcpy(&entry, in->bytes + dynamic->p_offset + i * sizeof entry, sizeof entry);
    if (entry.d_tag == DT_NULL) break;
    switch (entry.d_tag) {
    case DT_STRTAB: view->strtab = entry.d_un.d_ptr, view->has_strtab = true; break;
    case DT_STRSZ: view->strsz = entry.d_un.d_val, view->has_strsz = true; break;
    case DT_RUNPATH: view->runpath = entry.d_un.d_val, view->has_runpath = true; break;
    case DT_RPATH: view->rpath = entry.d_un.d_val, view->has_rpath = true; break;
    case DT_NEEDED:
      if (view->needed_count == ELF_MAX_NEEDED) return refuse(in, "it needs too many libraries");
      view->needed[view->needed_count++] = entry.d_un.d_val;
      break;
    default: break;
    }
  }
  return MINOS_OK;
}

static minos_status read_dynamic(reader *in, const Elf64_Phdr *dynamic, const char *directory,
                                 elf_program *out) {
  dynamic_view view = {0};
  minos_status status = scan_dynamic(in, dynamic, &view);
  if (status != MINOS_OK) return status;
  if (view.needed_count == 0 && !view.has_runpath && !view.has_rpath) return MINOS_OK;
  uint64_t table;
  if (!view.has_strtab || !view.has_strsz || !offset_of(in, view.strtab, &table) ||
      !inside(table, view.strsz, in->length))
    return refuse(in, "its dynamic string table lies outside the file");
  for (size_t i = 0; i < view.needed_count; i++) {
    const char *name = view.needed[i] < view.strsz
                           ? string_at(in, table + view.needed[i], view.strsz - view.needed[i])
                           : NULL;
    if (!name || !name[0]) return refuse(in, "a needed library's name is not in its string table");
    if (!append(&out->needed, &out->needed_count, ELF_MAX_NEEDED, name, strlen(name)))
      return MINOS_ENOMEM;
  }
  uint64_t path_index = view.has_runpath ? view.runpath : view.rpath;
  out->rpath = !view.has_runpath && view.has_rpath;
  if (view.has_runpath || view.has_rpath) {
    const char *list =
        path_index < view.strsz ? string_at(in, table + path_index, view.strsz - path_index) : NULL;
    if (!list) return refuse(in, "its library search path is not in its string table");
    if (!add_search_list(out, list, directory)) return MINOS_ENOMEM;
  }
  return MINOS_OK;
}

static minos_status read_program_headers(reader *in, const Elf64_Ehdr *header,
                                         const char *directory, elf_program *out) {
  if (header->e_phentsize != sizeof(Elf64_Phdr) || header->e_phnum == PN_XNUM ||
      !inside(header->e_phoff, (uint64_t)header->e_phnum * sizeof(Elf64_Phdr), in->length))
    return refuse(in, "its program headers lie outside the file");
  Elf64_Phdr dynamic = {0}, interpreter = {0};
  bool has_dynamic = false, has_interpreter = false;
  for (uint16_t i = 0; i < header->e_phnum; i++) {
    Elf64_Phdr program;
    memcpy(&program, in->bytes + header->e_phoff + (uint64_t)i * sizeof program, sizeof program);
    if (program.p_type == PT_LOAD) {
      if (in->load_count == sizeof in->loads / sizeof in->loads[0])
        return refuse(in, "it has too many loadable segments");
      in->loads[in->load_count++] = program;
    }
    if (program.p_type == PT_DYNAMIC) dynamic = program, has_dynamic = true;
    if (program.p_type == PT_INTERP) interpreter = program, has_interpreter = true;
  }
  if (has_interpreter) {
    const char *path = string_at(in, interpreter.p_offset, interpreter.p_filesz);
    if (!path || path[0] != '/' || strlen(path) >= MAX_PATH_BYTES)
      return refuse(in, "its interpreter is not an absolute path inside the file");
    if (!(out->interpreter = strdup(path))) return MINOS_ENOMEM;
  }
  return has_dynamic ? read_dynamic(in, &dynamic, directory, out) : MINOS_OK;
}

minos_status elf_read(const uint8_t *bytes, size_t length, const char *directory,
                      elf_program *out, char *error, size_t error_size) {
  *out = (elf_program){0};
  char description[160];
  const char *other = elf_describe_other(bytes, length, description, sizeof description);
  if (other) {
    snprintf(error, error_size, "%s", other);
    return MINOS_EMODULE;
  }
  Elf64_Ehdr header;
  memcpy(&header, bytes, sizeof header);
  reader in = {.bytes = bytes, .length = length, .error = error, .error_size = error_size};
  minos_status status = read_program_headers(&in, &header, directory, out);
  if (status == MINOS_ENOMEM) snprintf(error, error_size, "out of memory reading an ELF object");
  if (status != MINOS_OK) elf_program_free(out);
  return status;
}

static void free_list(char **list, size_t count) {
  for (size_t i = 0; i < count; i++) free(list[i]);
  free(list);
}

void elf_program_free(elf_program *program) {
  free(program->interpreter);
  free_list(program->needed, program->needed_count);
  free_list(program->search, program->search_count);
  *program = (elf_program){0};
}

/* ---- the files loading a program opens -------------------------------- */

void elf_closure_free(elf_closure *closure) {
  free_list(closure->files, closure->count);
  *closure = (elf_closure){0};
}

/* A whole regular file; never waits on a FIFO. */
static minos_status read_whole(const char *path, uint8_t **bytes, size_t *length, char *error,
                               size_t error_size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat info;
  const char *problem = NULL;
  if (fd < 0 || fstat(fd, &info) != 0) problem = strerror(errno);
  else if (!S_ISREG(info.st_mode)) problem = "not a regular file";
  else if ((uint64_t)info.st_size > ELF_MAX_FILE_BYTES) problem = "larger than 1 GiB";
  *bytes = NULL;
  *length = problem ? 0 : (size_t)info.st_size;
  if (!problem && !(*bytes = malloc(*length ? *length : 1))) problem = "out of memory";
  size_t done = 0;
  while (!problem && done < *length) {
    ssize_t got = read(fd, *bytes + done, *length - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) problem = got < 0 ? strerror(errno) : "it shrank while read";
    else done += (size_t)got;
  }
  if (fd >= 0) close(fd);
  if (!problem) return MINOS_OK;
  snprintf(error, error_size, "cannot read %s: %s", path, problem);
  free(*bytes);
  *bytes = NULL;
  return MINOS_EIO;
}

/* The directory the object at `path` really lives in, for $ORIGIN. */
static char *origin_of(const char *path) {
  char *real = realpath(path, NULL);
  if (!real) return NULL;
  char *slash = strrchr(real, '/');
  if (slash == real) slash[1] = '\0';
  else if (slash) *slash = '\0';
  return real;
}

static minos_status read_object(const char *path, elf_program *out, char *error,
                                size_t error_size) {
  uint8_t *bytes;
  size_t length;
  minos_status status = read_whole(path, &bytes, &length, error, error_size);
  if (status != MINOS_OK) return status;
  char *origin = origin_of(path);
  char reason[512];
  status = elf_read(bytes, length, origin, out, reason, sizeof reason);
  if (status != MINOS_OK) snprintf(error, error_size, "%s: %s", path, reason);
  free(origin);
  free(bytes);
  return status;
}

typedef struct search_list {
  char **directories;
  size_t count;
} search_list;

static void add_directory(search_list *list, const char *directory) {
  if (directory[0] != '/') return;
  for (size_t i = 0; i < list->count; i++)
    if (strcmp(list->directories[i], directory) == 0) return;
  append(&list->directories, &list->count, MAX_SEARCH_PATHS, directory, strlen(directory));
}

/* /etc/ld.so.conf's directories, following "include GLOB" lines. */
static void read_conf(search_list *list, const char *path, int depth) {
  FILE *conf = depth <= MAX_CONF_DEPTH ? fopen(path, "re") : NULL;
  if (!conf) return;
  char line[MAX_PATH_BYTES];
  while (fgets(line, sizeof line, conf)) {
    line[strcspn(line, "#\n")] = '\0';
    char *start = line + strspn(line, " \t");
    size_t end = strlen(start);
    while (end > 0 && (start[end - 1] == ' ' || start[end - 1] == '\t')) start[--end] = '\0';
    if (strncmp(start, "include", 7) == 0 && (start[7] == ' ' || start[7] == '\t')) {
      glob_t found;
      if (glob(start + 8 + strspn(start + 8, " \t"), 0, NULL, &found) == 0)
        for (size_t i = 0; i < found.gl_pathc; i++) read_conf(list, found.gl_pathv[i], depth + 1);
      globfree(&found);
    } else if (start[0]) {
      add_directory(list, start);
    }
  }
  fclose(conf);
}

static void system_directories(search_list *list) {
  read_conf(list, "/etc/ld.so.conf", 0);
  static const char *const defaults[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                         "/lib64", "/usr/lib64", "/lib", "/usr/lib"};
  for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
    add_directory(list, defaults[i]);
}

typedef struct closure_walk {
  elf_closure *out;
  char **names; /* the needed names resolved so far */
  size_t name_count;
  elf_program objects[ELF_MAX_OBJECTS]; /* each file's, in out's order */
  elf_program executable;
  search_list system;
  char *error;
  size_t error_size;
} closure_walk;

static bool known(char **list, size_t count, const char *text) {
  for (size_t i = 0; i < count; i++)
    if (strcmp(list[i], text) == 0) return true;
  return false;
}

/* `name` in `directory`, if it is there and an x86-64 object. */
static bool try_candidate(const char *directory, const char *name, char *path, size_t size,
                          elf_program *found) {
  if ((size_t)snprintf(path, size, "%s/%s", directory, name) >= size) return false;
  struct stat info;
  if (stat(path, &info) != 0 || !S_ISREG(info.st_mode)) return false;
  char ignored[512];
  return read_object(path, found, ignored, sizeof ignored) == MINOS_OK;
}

static bool search_in(char **directories, size_t count, const char *name, char *path,
                      size_t size, elf_program *found) {
  for (size_t i = 0; i < count; i++)
    if (try_candidate(directories[i], name, path, size, found)) return true;
  return false;
}

/* Where the loader finds `name`, needed by `object`. */
static bool locate(closure_walk *walk, const elf_program *object, const char *name, char *path,
                   size_t size, elf_program *found) {
  if (object->rpath && search_in(object->search, object->search_count, name, path, size, found))
    return true;
  if (walk->executable.rpath &&
      search_in(walk->executable.search, walk->executable.search_count, name, path, size, found))
    return true;
  if (!object->rpath && search_in(object->search, object->search_count, name, path, size, found))
    return true;
  return search_in(walk->system.directories, walk->system.count, name, path, size, found);
}

static minos_status add_file(closure_walk *walk, const char *path, elf_program *program) {
  if (walk->out->count == ELF_MAX_OBJECTS) {
    elf_program_free(program);
    snprintf(walk->error, walk->error_size, "it needs more than %d libraries", ELF_MAX_OBJECTS);
    return MINOS_EMODULE;
  }
  walk->objects[walk->out->count] = *program;
  if (!append(&walk->out->files, &walk->out->count, ELF_MAX_OBJECTS, path, strlen(path))) {
    elf_program_free(program);
    return MINOS_ENOMEM;
  }
  return MINOS_OK;
}

static minos_status add_needed(closure_walk *walk, const elf_program *object, const char *name) {
  if (known(walk->names, walk->name_count, name)) return MINOS_OK;
  if (strchr(name, '/')) {
    snprintf(walk->error, walk->error_size, "it needs the library %s by a path", name);
    return MINOS_EMODULE;
  }
  char path[MAX_PATH_BYTES];
  elf_program found;
  if (!locate(walk, object, name, path, sizeof path, &found)) {
    snprintf(walk->error, walk->error_size, "it needs %s, which is not installed", name);
    return MINOS_EMODULE;
  }
  if (!append(&walk->names, &walk->name_count, ELF_MAX_OBJECTS, name, strlen(name))) {
    elf_program_free(&found);
    return MINOS_ENOMEM;
  }
  if (known(walk->out->files, walk->out->count, path)) {
    elf_program_free(&found);
    return MINOS_OK;
  }
  return add_file(walk, path, &found);
}

/* Breadth first, as the loader goes: each file's needs in order. */
static minos_status walk_needs(closure_walk *walk) {
  minos_status status = MINOS_OK;
  for (size_t i = 0; i <= walk->out->count && status == MINOS_OK; i++) {
    if (i == 1) continue; /* the interpreter, which carries what it needs */
    const elf_program *object = i == 0 ? &walk->executable : &walk->objects[i - 1];
    for (size_t n = 0; n < object->needed_count && status == MINOS_OK; n++)
      status = add_needed(walk, object, object->needed[n]);
  }
  return status;
}

minos_status elf_load_closure(const char *path, elf_closure *out, char *error,
                              size_t error_size) {
  *out = (elf_closure){0};
  closure_walk *walk = calloc(1, sizeof *walk);
  if (!walk) return MINOS_ENOMEM;
  *walk = (closure_walk){.out = out, .error = error, .error_size = error_size};
  minos_status status = read_object(path, &walk->executable, error, error_size);
  if (status == MINOS_OK && walk->executable.interpreter) {
    elf_program interpreter;
    status = read_object(walk->executable.interpreter, &interpreter, error, error_size);
    if (status == MINOS_OK) status = add_file(walk, walk->executable.interpreter, &interpreter);
    if (status == MINOS_OK) {
      system_directories(&walk->system);
      status = walk_needs(walk);
    }
  }
  if (status == MINOS_ENOMEM) snprintf(error, error_size, "out of memory reading %s", path);
  for (size_t i = 0; i < out->count; i++) elf_program_free(&walk->objects[i]);
  elf_program_free(&walk->executable);
  free_list(walk->names, walk->name_count);
  free_list(walk->system.directories, walk->system.count);
  free(walk);
  if (status != MINOS_OK) elf_closure_free(out);
  return status;
}
