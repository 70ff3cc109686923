/* A cell's WASI state: its arguments, environment and descriptor table.
 *
 * Numbering is what wasi-libc expects: 0-2 are stdio, then each grant in
 * order as a preopened directory (libc finds them by asking fd 3, 4, ...
 * until ERRNO_BADF), then new descriptors take the lowest free number.
 *
 * Rights and read-only grants are two different things here. Rights are
 * capabilities the guest can only drop (fd_fdstat_set_rights); a missing
 * one gives ERRNO_NOTCAPABLE. A read-only grant behaves like a read-only
 * mount: its descriptors never hold a writing right, and an attempt to
 * write beneath it gives ERRNO_ROFS, the error programs already handle for
 * read-only file systems. Its directories still *offer* the writing rights
 * as inheritable, because wasi-libc's open() asks for (wanted &
 * inheriting): that is the only way path_open learns the guest meant to
 * write, and can refuse at open time as a read-only mount would. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasm/wasi/wasi_private.h"

uint8_t wasi_filetype_from_mode(mode_t mode) {
  switch (mode & S_IFMT) {
  case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
  case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
  case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
  case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
  case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
  case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
  default: return WASI_FILETYPE_UNKNOWN; /* FIFOs have no WASI type */
  }
}

uint8_t wasi_filetype_of_fd(int host_fd) {
  struct stat status;
  if (fstat(host_fd, &status) != 0) return WASI_FILETYPE_UNKNOWN;
  return wasi_filetype_from_mode(status.st_mode);
}

uint64_t wasi_rights_for_filetype(uint8_t filetype) {
  switch (filetype) {
  case WASI_FILETYPE_DIRECTORY: return WASI_RIGHTS_DIRECTORY;
  case WASI_FILETYPE_REGULAR_FILE:
  case WASI_FILETYPE_BLOCK_DEVICE: return WASI_RIGHTS_FILE;
  default: return WASI_RIGHTS_STREAM;
  }
}

wasi_descriptor *wasi_descriptor_new(int host_fd, uint8_t filetype) {
  wasi_descriptor *descriptor = calloc(1, sizeof *descriptor);
  if (!descriptor) return NULL;
  descriptor->host_fd = host_fd;
  descriptor->readable_fd = -1;
  descriptor->filetype = filetype;
  descriptor->rights_base = wasi_rights_for_filetype(filetype);
  return descriptor;
}

void wasi_descriptor_free(wasi_descriptor *descriptor) {
  if (!descriptor) return;
  if (!descriptor->borrowed && descriptor->host_fd >= 0) close(descriptor->host_fd);
  if (descriptor->readable_fd >= 0) close(descriptor->readable_fd);
  free(descriptor->listing_offsets);
  free(descriptor->preopen_path);
  free(descriptor);
}

int wasi_descriptor_readable_fd(wasi_descriptor *descriptor) {
  if (!descriptor->path_only) return descriptor->host_fd;
  if (descriptor->readable_fd < 0)
    descriptor->readable_fd = openat(descriptor->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return descriptor->readable_fd;
}

static bool grow_table(wasi_context *context, uint32_t wanted) {
  uint32_t capacity = context->descriptor_capacity ? context->descriptor_capacity : 16;
  while (capacity < wanted) capacity *= 2;
  wasi_descriptor **grown = realloc(context->descriptors, sizeof *grown * capacity);
  if (!grown) return false;
  memset(grown + context->descriptor_capacity, 0,
         sizeof *grown * (capacity - context->descriptor_capacity));
  context->descriptors = grown;
  context->descriptor_capacity = capacity;
  return true;
}

static uint32_t install_at(wasi_context *context, wasi_descriptor *descriptor, uint32_t fd) {
  if (fd >= context->descriptor_capacity && !grow_table(context, fd + 1)) {
    wasi_descriptor_free(descriptor);
    return WASI_ERRNO_NOMEM;
  }
  context->descriptors[fd] = descriptor;
  return WASI_ERRNO_SUCCESS;
}

static uint32_t lowest_free(const wasi_context *context) {
  uint32_t fd = 0;
  while (fd < context->descriptor_capacity && context->descriptors[fd]) fd++;
  return fd;
}

bool wasi_descriptor_available(const wasi_context *context) {
  return lowest_free(context) < context->descriptor_limit;
}

uint32_t wasi_descriptor_install(wasi_context *context, wasi_descriptor *descriptor,
                                 uint32_t *fd_out) {
  uint32_t fd = lowest_free(context);
  if (fd >= context->descriptor_limit) {
    wasi_descriptor_free(descriptor);
    return WASI_ERRNO_NFILE;
  }
  uint32_t error = install_at(context, descriptor, fd);
  if (error == WASI_ERRNO_SUCCESS) *fd_out = fd;
  return error;
}

wasi_descriptor *wasi_descriptor_get(wasi_context *context, uint32_t fd) {
  if (fd >= context->descriptor_capacity) return NULL;
  return context->descriptors[fd];
}

wasi_descriptor *wasi_descriptor_with_rights(wasi_context *context, uint32_t fd,
                                             uint64_t rights, uint32_t *error) {
  wasi_descriptor *descriptor = wasi_descriptor_get(context, fd);
  if (!descriptor) {
    *error = WASI_ERRNO_BADF;
    return NULL;
  }
  uint64_t missing = rights & ~descriptor->rights_base;
  if (missing) {
    bool writing = descriptor->read_only && (missing & WASI_RIGHTS_WRITING);
    bool path_on_non_directory = (missing & WASI_RIGHTS_PATH) &&
                                 descriptor->filetype != WASI_FILETYPE_DIRECTORY;
    *error = writing                 ? WASI_ERRNO_ROFS
             : path_on_non_directory ? WASI_ERRNO_NOTDIR
                                     : WASI_ERRNO_NOTCAPABLE;
    return NULL;
  }
  return descriptor;
}

static char **copy_strings(const char *const *strings, size_t count) {
  char **copy = calloc(count + 1, sizeof *copy);
  if (!copy) return NULL;
  for (size_t i = 0; i < count; i++) {
    copy[i] = strdup(strings[i] ? strings[i] : "");
    if (!copy[i]) {
      for (size_t j = 0; j < i; j++) free(copy[j]);
      free(copy);
      return NULL;
    }
  }
  return copy;
}

static void free_strings(char **strings) {
  if (!strings) return;
  for (char **string = strings; *string; string++) free(*string);
  free(strings);
}

/* The guest sees the host's stdio with the rights its open mode allows. A
 * slot whose host descriptor is not open stays empty (closed). */
static uint32_t add_stdio(wasi_context *context, uint32_t fd, int host_fd) {
  int mode = host_fd >= 0 ? fcntl(host_fd, F_GETFL) : -1;
  if (mode < 0) return WASI_ERRNO_SUCCESS;
  wasi_descriptor *descriptor = wasi_descriptor_new(host_fd, wasi_filetype_of_fd(host_fd));
  if (!descriptor) return WASI_ERRNO_NOMEM;
  descriptor->borrowed = true;
  if ((mode & O_ACCMODE) == O_RDONLY) descriptor->rights_base &= ~WASI_RIGHTS_OPEN_FOR_WRITING;
  if ((mode & O_ACCMODE) == O_WRONLY) descriptor->rights_base &= ~WASI_RIGHT_FD_READ;
  return install_at(context, descriptor, fd);
}

static minos_status add_grant(wasi_context *context, uint32_t fd, const wasi_grant *grant,
                              char *error, size_t error_size) {
  const char *guest_path = grant->guest_path ? grant->guest_path : grant->host_path;
  int host_fd = open(grant->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (host_fd < 0) {
    snprintf(error, error_size, "cannot grant directory %s: %s", grant->host_path,
             strerror(errno));
    return MINOS_EUSAGE;
  }
  wasi_descriptor *descriptor = wasi_descriptor_new(host_fd, WASI_FILETYPE_DIRECTORY);
  if (!descriptor || !(descriptor->preopen_path = strdup(guest_path))) {
    if (descriptor) wasi_descriptor_free(descriptor);
    else close(host_fd);
    snprintf(error, error_size, "cannot grant directory %s: out of memory", grant->host_path);
    return MINOS_ENOMEM;
  }
  descriptor->rights_inheriting = WASI_RIGHTS_DIRECTORY | WASI_RIGHTS_FILE;
  descriptor->path_only = true;
  descriptor->read_only = grant->read_only;
  if (grant->read_only) descriptor->rights_base &= ~WASI_RIGHTS_WRITING;
  if (install_at(context, descriptor, fd) != WASI_ERRNO_SUCCESS) {
    snprintf(error, error_size, "cannot grant directory %s: out of memory", grant->host_path);
    return MINOS_ENOMEM;
  }
  return MINOS_OK;
}

static minos_status fill_context(wasi_context *context, const wasi_config *config, char *error,
                                 size_t error_size) {
  context->args = copy_strings(config->args, config->arg_count);
  context->env = copy_strings(config->env, config->env_count);
  if (!context->args || !context->env) {
    snprintf(error, error_size, "out of memory copying arguments and environment");
    return MINOS_ENOMEM;
  }
  context->arg_count = config->arg_count;
  context->env_count = config->env_count;
  if (3 + config->grant_count > context->descriptor_limit) {
    snprintf(error, error_size, "too many granted directories (%zu) for the descriptor limit",
             config->grant_count);
    return MINOS_ELIMIT;
  }
  for (uint32_t fd = 0; fd < 3; fd++) {
    if (add_stdio(context, fd, config->stdio[fd]) != WASI_ERRNO_SUCCESS) {
      snprintf(error, error_size, "out of memory setting up stdio");
      return MINOS_ENOMEM;
    }
  }
  for (size_t i = 0; i < config->grant_count; i++) {
    minos_status status = add_grant(context, (uint32_t)(3 + i), &config->grants[i], error,
                                    error_size);
    if (status != MINOS_OK) return status;
  }
  return MINOS_OK;
}

minos_status wasi_context_init(wasi_context *context, const wasi_config *config, char *error,
                               size_t error_size) {
  context->args = context->env = NULL;
  context->arg_count = context->env_count = 0;
  context->descriptors = NULL;
  context->descriptor_capacity = 0;
  /* A limit set by the caller before init stands; 0 means the default. */
  if (!context->descriptor_limit) context->descriptor_limit = WASI_DEFAULT_DESCRIPTOR_LIMIT;
  if (error_size) error[0] = '\0';
  minos_status status = fill_context(context, config, error, error_size);
  if (status != MINOS_OK) wasi_context_release(context);
  return status;
}

void wasi_context_release(wasi_context *context) {
  for (uint32_t fd = 0; fd < context->descriptor_capacity; fd++)
    wasi_descriptor_free(context->descriptors[fd]);
  free(context->descriptors);
  context->descriptors = NULL;
  context->descriptor_capacity = 0;
  free_strings(context->args);
  free_strings(context->env);
  context->args = context->env = NULL;
  context->arg_count = context->env_count = 0;
}
