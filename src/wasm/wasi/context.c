/* SPDX-License-Identifier: Apache-2.0 */
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

#include "core/account.h"
#include "net/listener.h"
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

wasi_descriptor *wasi_descriptor_for_end(channel_end *end) {
  wasi_descriptor *descriptor = wasi_descriptor_new(-1, WASI_FILETYPE_UNKNOWN);
  if (!descriptor) return NULL;
  descriptor->end = end;
  descriptor->rights_base = end->writes ? WASI_RIGHTS_CHANNEL_WRITE : WASI_RIGHTS_CHANNEL_READ;
  return descriptor;
}

/* Counts `count` more host descriptors of the descriptor in `account`. */
static bool charge_host_fds(wasi_descriptor *descriptor, struct account *payer, uint32_t count) {
  if (!payer || !count) return true;
  if (account_charge(payer, ACCOUNT_HOST_FDS, count) != MINOS_OK) return false;
  descriptor->charged_to = payer;
  descriptor->charged_fds += count;
  return true;
}

static uint32_t host_fds_held(const wasi_descriptor *descriptor) {
  return (descriptor->host_fd >= 0) + (descriptor->readable_fd >= 0) +
         (descriptor->listener != NULL);
}

void wasi_descriptor_free(wasi_descriptor *descriptor) {
  if (!descriptor) return;
  if (descriptor->charged_to)
    account_credit(descriptor->charged_to, ACCOUNT_HOST_FDS, descriptor->charged_fds);
  if (descriptor->end) channel_end_close(descriptor->end);
  if (descriptor->listener) net_listener_close(descriptor->listener);
  if (descriptor->slow) {
    wasi_close_slow(descriptor->host_fd, descriptor->readable_fd);
  } else {
    if (descriptor->host_fd >= 0) close(descriptor->host_fd);
    if (descriptor->readable_fd >= 0) close(descriptor->readable_fd);
  }
  free(descriptor->listing_offsets);
  free(descriptor->preopen_path);
  free(descriptor);
}

int wasi_descriptor_readable_fd(wasi_descriptor *descriptor) {
  if (!descriptor->path_only) return descriptor->host_fd;
  if (descriptor->readable_fd >= 0) return descriptor->readable_fd;
  /* One more host descriptor, counted as the first was. */
  if (descriptor->charged_to && !charge_host_fds(descriptor, descriptor->charged_to, 1)) {
    errno = EMFILE;
    return -1;
  }
  descriptor->readable_fd = openat(descriptor->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (descriptor->readable_fd < 0 && descriptor->charged_to) {
    int saved = errno;
    account_credit(descriptor->charged_to, ACCOUNT_HOST_FDS, 1);
    descriptor->charged_fds--;
    errno = saved;
  }
  return descriptor->readable_fd;
}

/* Under table_lock. The old array stays readable for a reader that
 * loaded it just before: it is retired, not freed. */
static bool grow_table(wasi_context *context, uint32_t wanted) {
  uint32_t old_capacity = context->descriptor_capacity;
  uint32_t capacity = old_capacity ? old_capacity : 16;
  while (capacity < wanted) capacity *= 2;
  wasi_descriptor **grown = calloc(capacity, sizeof *grown);
  wasi_descriptor ***retired =
      realloc(context->retired, (context->retired_count + 1) * sizeof *retired);
  if (!grown || !retired) {
    free(grown);
    if (retired) context->retired = retired;
    return false;
  }
  context->retired = retired;
  if (old_capacity) memcpy(grown, context->descriptors, old_capacity * sizeof *grown);
  if (context->descriptors) context->retired[context->retired_count++] = context->descriptors;
  __atomic_store_n(&context->descriptors, grown, __ATOMIC_RELEASE);
  __atomic_store_n(&context->descriptor_capacity, capacity, __ATOMIC_RELEASE);
  return true;
}

/* Under table_lock. */
static void set_slot(wasi_context *context, uint32_t fd, wasi_descriptor *descriptor) {
  __atomic_store_n(&context->descriptors[fd], descriptor, __ATOMIC_RELEASE);
}

/* Under table_lock. */
static uint32_t install_at(wasi_context *context, wasi_descriptor *descriptor, uint32_t fd) {
  if (fd >= context->descriptor_capacity && !grow_table(context, fd + 1)) {
    wasi_descriptor_free(descriptor);
    return WASI_ERRNO_NOMEM;
  }
  set_slot(context, fd, descriptor);
  return WASI_ERRNO_SUCCESS;
}

static uint32_t lowest_free(const wasi_context *context) {
  uint32_t fd = 0;
  while (fd < context->descriptor_capacity && context->descriptors[fd]) fd++;
  return fd;
}

uint32_t wasi_descriptor_room(const wasi_context *context) {
  if (lowest_free(context) >= context->descriptor_limit) return WASI_ERRNO_NFILE;
  if (context->account && account_remaining(context->account, ACCOUNT_HOST_FDS) == 0)
    return WASI_ERRNO_MFILE;
  return WASI_ERRNO_SUCCESS;
}

static uint32_t install_lowest(wasi_context *context, wasi_descriptor *descriptor,
                               uint32_t *fd_out) {
  uint32_t fd = lowest_free(context);
  if (fd >= context->descriptor_limit) {
    wasi_descriptor_free(descriptor);
    return WASI_ERRNO_NFILE;
  }
  /* Past its share the cell gets EMFILE, as a process past its
   * RLIMIT_NOFILE would; its neighbours still have theirs. */
  if (!charge_host_fds(descriptor, context->account, host_fds_held(descriptor))) {
    wasi_descriptor_free(descriptor);
    return WASI_ERRNO_MFILE;
  }
  uint32_t error = install_at(context, descriptor, fd);
  if (error == WASI_ERRNO_SUCCESS) *fd_out = fd;
  return error;
}

uint32_t wasi_descriptor_install(wasi_context *context, wasi_descriptor *descriptor,
                                 uint32_t *fd_out) {
  spinlock_lock(&context->table_lock);
  uint32_t error = install_lowest(context, descriptor, fd_out);
  spinlock_unlock(&context->table_lock);
  return error;
}

wasi_descriptor *wasi_descriptor_get(wasi_context *context, uint32_t fd) {
  if (fd >= __atomic_load_n(&context->descriptor_capacity, __ATOMIC_ACQUIRE)) return NULL;
  wasi_descriptor **table = __atomic_load_n(&context->descriptors, __ATOMIC_ACQUIRE);
  return __atomic_load_n(&table[fd], __ATOMIC_ACQUIRE);
}

wasi_descriptor *wasi_descriptor_remove(wasi_context *context, uint32_t fd) {
  spinlock_lock(&context->table_lock);
  wasi_descriptor *descriptor = wasi_descriptor_get(context, fd);
  if (descriptor) set_slot(context, fd, NULL);
  spinlock_unlock(&context->table_lock);
  return descriptor;
}

uint32_t wasi_descriptor_renumber(wasi_context *context, uint32_t fd, uint32_t to) {
  spinlock_lock(&context->table_lock);
  wasi_descriptor *moving = wasi_descriptor_get(context, fd);
  wasi_descriptor *replaced = wasi_descriptor_get(context, to);
  if (moving && replaced && fd != to) {
    set_slot(context, to, moving);
    set_slot(context, fd, NULL);
  }
  spinlock_unlock(&context->table_lock);
  if (!moving || !replaced) return WASI_ERRNO_BADF;
  if (fd != to) wasi_descriptor_free(replaced);
  return WASI_ERRNO_SUCCESS;
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

static minos_status add_grant(wasi_context *context, uint32_t fd, const cell_grant *grant,
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
  descriptor->slow = wasi_host_fd_is_slow(host_fd);
  struct stat status;
  if (fstat(host_fd, &status) == 0) {
    descriptor->grant_device = status.st_dev;
    descriptor->grant_inode = status.st_ino;
  }
  descriptor->read_only = grant->read_only;
  if (grant->read_only) descriptor->rights_base &= ~WASI_RIGHTS_WRITING;
  if (install_at(context, descriptor, fd) != WASI_ERRNO_SUCCESS) {
    snprintf(error, error_size, "cannot grant directory %s: out of memory", grant->host_path);
    return MINOS_ENOMEM;
  }
  return MINOS_OK;
}

static minos_status fill_context(wasi_context *context, const cell_config *config, char *error,
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
  for (size_t i = 0; i < config->grant_count; i++) {
    minos_status status = add_grant(context, (uint32_t)(3 + i), &config->grants[i], error,
                                    error_size);
    if (status != MINOS_OK) return status;
  }
  return MINOS_OK;
}

/* Last, so that a failure before leaves the ends with the caller. */
static minos_status add_stdio(wasi_context *context, const cell_config *config) {
  wasi_descriptor *descriptors[3] = {NULL, NULL, NULL};
  for (uint32_t fd = 0; fd < 3; fd++) {
    if (config->stdio[fd] && !(descriptors[fd] = wasi_descriptor_for_end(config->stdio[fd]))) {
      for (uint32_t i = 0; i < fd; i++) free(descriptors[i]);
      return MINOS_ENOMEM;
    }
  }
  if (context->descriptor_capacity < 3 && !grow_table(context, 3)) {
    for (uint32_t i = 0; i < 3; i++) free(descriptors[i]);
    return MINOS_ENOMEM;
  }
  for (uint32_t fd = 0; fd < 3; fd++) set_slot(context, fd, descriptors[fd]);
  return MINOS_OK;
}

minos_status wasi_context_init(wasi_context *context, const cell_config *config, char *error,
                               size_t error_size) {
  context->args = context->env = NULL;
  context->arg_count = context->env_count = 0;
  context->descriptors = NULL;
  context->descriptor_capacity = 0;
  context->table_lock = (spinlock){false};
  context->released = false;
  context->retired = NULL;
  context->retired_count = 0;
  context->account = NULL; /* wasi_context_charge, once the cell has one */
  /* A limit set by the caller before init stands; 0 means the default. */
  if (!context->descriptor_limit) context->descriptor_limit = WASI_DEFAULT_DESCRIPTOR_LIMIT;
  if (error_size) error[0] = '\0';
  minos_status status = fill_context(context, config, error, error_size);
  if (status == MINOS_OK && (status = add_stdio(context, config)) != MINOS_OK)
    snprintf(error, error_size, "out of memory setting up stdio");
  if (status != MINOS_OK) wasi_context_release(context);
  return status;
}

/* The number, or a negative minos_status; on failure the descriptor is
 * freed but what it holds is left to the caller. */
static int32_t install_held(wasi_context *context, wasi_descriptor *descriptor) {
  spinlock_lock(&context->table_lock);
  int32_t result;
  uint32_t fd = lowest_free(context);
  if (context->released) result = -MINOS_ECLOSED;
  else if (fd >= context->descriptor_limit) result = -MINOS_ELIMIT;
  else if (fd >= context->descriptor_capacity && !grow_table(context, fd + 1)) result = -MINOS_ENOMEM;
  else if (!charge_host_fds(descriptor, context->account, host_fds_held(descriptor)))
    result = -MINOS_ELIMIT;
  else {
    set_slot(context, fd, descriptor);
    result = (int32_t)fd;
  }
  spinlock_unlock(&context->table_lock);
  if (result < 0) free(descriptor); /* what it held stays the caller's (nothing charged) */
  return result;
}

int32_t wasi_context_install_end(wasi_context *context, channel_end *end) {
  wasi_descriptor *descriptor = wasi_descriptor_for_end(end);
  if (!descriptor) return -MINOS_ENOMEM;
  return install_held(context, descriptor);
}

int32_t wasi_context_install_listener(wasi_context *context, struct net_listener *listener) {
  wasi_descriptor *descriptor = wasi_descriptor_new(-1, WASI_FILETYPE_SOCKET_STREAM);
  if (!descriptor) return -MINOS_ENOMEM;
  descriptor->listener = listener;
  descriptor->rights_base = WASI_RIGHTS_LISTENER;
  return install_held(context, descriptor);
}

struct net_listener *wasi_context_listener(wasi_context *context, uint32_t fd) {
  wasi_descriptor *descriptor = wasi_descriptor_get(context, fd);
  return descriptor ? descriptor->listener : NULL;
}

channel_end *wasi_context_end(wasi_context *context, uint32_t fd) {
  wasi_descriptor *descriptor = wasi_descriptor_get(context, fd);
  return descriptor ? descriptor->end : NULL;
}

channel_end *wasi_context_take_end(wasi_context *context, uint32_t fd) {
  wasi_descriptor *descriptor = wasi_descriptor_get(context, fd);
  if (!descriptor || !descriptor->end) return NULL;
  wasi_descriptor_remove(context, fd);
  channel_end *end = descriptor->end;
  descriptor->end = NULL;
  wasi_descriptor_free(descriptor);
  return end;
}

minos_status wasi_context_charge(wasi_context *context, struct account *payer) {
  spinlock_lock(&context->table_lock);
  context->account = payer;
  bool within = true;
  for (uint32_t fd = 0; within && fd < context->descriptor_capacity; fd++) {
    wasi_descriptor *descriptor = context->descriptors[fd];
    if (descriptor && !descriptor->charged_to)
      within = charge_host_fds(descriptor, payer, host_fds_held(descriptor));
  }
  spinlock_unlock(&context->table_lock);
  return within ? MINOS_OK : MINOS_ELIMIT;
}

void wasi_context_release(wasi_context *context) {
  spinlock_lock(&context->table_lock);
  context->released = true;
  spinlock_unlock(&context->table_lock);
  for (uint32_t fd = 0; fd < context->descriptor_capacity; fd++)
    wasi_descriptor_free(context->descriptors[fd]);
  free(context->descriptors);
  for (size_t i = 0; i < context->retired_count; i++) free(context->retired[i]);
  free(context->retired);
  context->retired = NULL;
  context->retired_count = 0;
  context->descriptors = NULL;
  context->descriptor_capacity = 0;
  free_strings(context->args);
  free_strings(context->env);
  context->args = context->env = NULL;
  context->arg_count = context->env_count = 0;
}
