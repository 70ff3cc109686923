/* SPDX-License-Identifier: Apache-2.0 */
#include "wasm/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/directories.h"
#include "core/embedded.h"
#include "wasm/module_seal.h"
#include "wasm/toolchain.h"

/* Bumped whenever the layout of the cache or the compile flags change. */
#define CACHE_FORMAT "minos-cache-1"

static minos_status make_cache_directory(char *path, char *error, size_t error_size) {
  if (make_directories(path, 0700) != 0) {
    snprintf(error, error_size, "cannot create cache directory %s: %s", path, strerror(errno));
    return MINOS_EIO;
  }
  struct stat info;
  if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode)) {
    snprintf(error, error_size, "cache path %s is not a directory", path);
    return MINOS_EIO;
  }
  /* Compiled modules are loaded as code: a cache others can write to would
   * let them run code as us. */
  if (info.st_uid != geteuid() || (info.st_mode & (S_IWGRP | S_IWOTH))) {
    snprintf(error, error_size,
             "refusing cache directory %s: it must be owned by this user and writable by no one else",
             path);
    return MINOS_EPERM;
  }
  return MINOS_OK;
}

/* The tools run in their own build directory, so a relative cache
 * directory (MINOS_CACHE_DIR=cache) is made absolute here, once. */
static int absolute_prefix(const char *path, char *cwd, size_t cwd_size) {
  cwd[0] = '\0';
  if (path[0] == '/') return 0;
  if (!getcwd(cwd, cwd_size - 1)) return -1;
  strcat(cwd, "/");
  return 0;
}

static minos_status cache_root(char *out, size_t out_size, char *error, size_t error_size) {
  const char *explicit_dir = getenv("MINOS_CACHE_DIR");
  const char *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  const char *base = explicit_dir && *explicit_dir ? explicit_dir : home;
  char cwd[PATH_MAX] = "";
  if (base && *base && absolute_prefix(base, cwd, sizeof cwd) != 0) {
    snprintf(error, error_size, "cannot resolve the cache directory %s: %s", base,
             strerror(errno));
    return MINOS_EUSAGE;
  }
  int written;
  if (explicit_dir && *explicit_dir)
    written = snprintf(out, out_size, "%s%s/" CACHE_FORMAT, cwd, explicit_dir);
  else if (xdg && *xdg == '/')
    written = snprintf(out, out_size, "%s/minos/" CACHE_FORMAT, xdg);
  else if (home && *home)
    written = snprintf(out, out_size, "%s%s/.cache/minos/" CACHE_FORMAT, cwd, home);
  else {
    snprintf(error, error_size, "no cache directory: set MINOS_CACHE_DIR or HOME");
    return MINOS_EUSAGE;
  }
  if (written < 0 || (size_t)written >= out_size) {
    snprintf(error, error_size, "cache directory path is too long");
    return MINOS_EUSAGE;
  }
  return make_cache_directory(out, error, error_size);
}

/* The toolchain's identity and the checked cache root depend only on the
 * environment (and on the tools' files, which a running process takes as
 * fixed), so they are worked out once per environment, not on every load:
 * a cell per request would otherwise pay a dozen stat and mkdir calls. */
static pthread_mutex_t setting_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  bool known;
  char environment[4 * PATH_MAX];
  char identity[4 * PATH_MAX];
  char root[PATH_MAX];
} setting;

/* Appends TEXT and a newline within SIZE; false when it does not fit. */
static bool append_line(char *out, size_t *used, size_t size, const char *text) {
  size_t length = strlen(text);
  if (*used + length + 2 > size) return false;
  memcpy(out + *used, text, length);
  out[*used + length] = '\n';
  *used += length + 1;
  out[*used] = '\0';
  return true;
}

/* Called at every load: plain copies, no formatting. */
static void describe_environment(char *out, size_t out_size) {
  static const char *const variables[] = {"MINOS_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "PATH",
                                          "MINOS_CC", "MINOS_WASM2C", "MINOS_WASM_VALIDATE"};
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < sizeof variables / sizeof variables[0]; i++) {
    const char *value = getenv(variables[i]);
    if (!append_line(out, &used, out_size, value ? value : "")) break;
  }
}

static void copy_string(char *out, size_t out_size, const char *text) {
  size_t length = strnlen(text, out_size - 1);
  memcpy(out, text, length);
  out[length] = '\0';
}

static minos_status current_setting(char *identity, size_t identity_size, char *root,
                                    size_t root_size, char *error, size_t error_size) {
  char environment[sizeof setting.environment];
  describe_environment(environment, sizeof environment);
  pthread_mutex_lock(&setting_lock);
  minos_status status = MINOS_OK;
  if (!setting.known || strcmp(environment, setting.environment) != 0) {
    setting.known = false;
    status = toolchain_identity(setting.identity, sizeof setting.identity, error, error_size);
    if (status == MINOS_OK) status = cache_root(setting.root, sizeof setting.root, error, error_size);
    if (status == MINOS_OK) {
      snprintf(setting.environment, sizeof setting.environment, "%s", environment);
      setting.known = true;
    }
  }
  if (status == MINOS_OK) {
    copy_string(identity, identity_size, setting.identity);
    copy_string(root, root_size, setting.root);
  }
  pthread_mutex_unlock(&setting_lock);
  return status;
}

minos_status cache_prepare(const uint8_t *module, size_t length, const char *variant,
                           cache_entry *entry, char *error, size_t error_size) {
  char identity[sizeof setting.identity];
  minos_status status = current_setting(identity, sizeof identity, entry->directory,
                                        sizeof entry->directory, error, error_size);
  if (status != MINOS_OK) return status;

  struct sha256_ctx hash;
  sha256_init(&hash);
  sha256_update(&hash, sizeof CACHE_FORMAT, (const uint8_t *)CACHE_FORMAT);
  sha256_update(&hash, strlen(variant) + 1, (const uint8_t *)variant);
  sha256_update(&hash, sizeof MODULE_SEAL_VERSION, (const uint8_t *)MODULE_SEAL_VERSION);
  sha256_update(&hash, strlen(embedded_glue_digest) + 1, (const uint8_t *)embedded_glue_digest);
  sha256_update(&hash, strlen(identity) + 1, (const uint8_t *)identity);
  sha256_update(&hash, length, module);
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&hash, sizeof digest, digest);
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof digest; i++) {
    entry->key[2 * i] = hex[digest[i] >> 4];
    entry->key[2 * i + 1] = hex[digest[i] & 15];
  }
  entry->key[2 * sizeof digest] = '\0';
  snprintf(entry->artefact, sizeof entry->artefact, "%s/%s.so", entry->directory, entry->key);
  entry->lock_fd = -1;
  return MINOS_OK;
}

int cache_exists(const cache_entry *entry) { return access(entry->artefact, R_OK) == 0; }

minos_status cache_lock(cache_entry *entry, char *error, size_t error_size) {
  char path[PATH_MAX + CACHE_KEY_LENGTH + 8];
  snprintf(path, sizeof path, "%s/%s.lock", entry->directory, entry->key);
  entry->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (entry->lock_fd < 0 || flock(entry->lock_fd, LOCK_EX) != 0) {
    snprintf(error, error_size, "cannot lock %s: %s", path, strerror(errno));
    if (entry->lock_fd >= 0) close(entry->lock_fd);
    entry->lock_fd = -1;
    return MINOS_EIO;
  }
  return MINOS_OK;
}

void cache_unlock(cache_entry *entry) {
  /* The lock file stays: unlinking it would let a third run lock a new
   * file while a second still waits on the old one. */
  if (entry->lock_fd < 0) return;
  close(entry->lock_fd);
  entry->lock_fd = -1;
}

minos_status cache_scratch_directory(const cache_entry *entry, char *out, size_t out_size) {
  if ((size_t)snprintf(out, out_size, "%s/build-%.16s-XXXXXX", entry->directory, entry->key) >= out_size)
    return MINOS_EINVAL;
  return mkdtemp(out) ? MINOS_OK : MINOS_EIO;
}

minos_status cache_publish(const cache_entry *entry, const char *built_path, char *error,
                           size_t error_size) {
  if (rename(built_path, entry->artefact) != 0) {
    snprintf(error, error_size, "cannot publish %s: %s", entry->artefact, strerror(errno));
    return MINOS_EIO;
  }
  return MINOS_OK;
}

void cache_remove_tree(const char *directory) {
  DIR *listing = opendir(directory);
  if (!listing) return;
  struct dirent *item;
  while ((item = readdir(listing)) != NULL) {
    if (strcmp(item->d_name, ".") == 0 || strcmp(item->d_name, "..") == 0) continue;
    unlinkat(dirfd(listing), item->d_name, 0);
  }
  closedir(listing);
  rmdir(directory);
}

static void refusal_path(const cache_entry *entry, char *path, size_t path_size) {
  snprintf(path, path_size, "%s/%s.refused", entry->directory, entry->key);
}

int cache_refused(const cache_entry *entry, char *reason, size_t reason_size) {
  char path[PATH_MAX + CACHE_KEY_LENGTH + 16];
  refusal_path(entry, path, sizeof path);
  FILE *file = fopen(path, "r");
  if (!file) return 0;
  if (!fgets(reason, (int)reason_size, file)) snprintf(reason, reason_size, "refused");
  fclose(file);
  reason[strcspn(reason, "\n")] = '\0';
  return 1;
}

/* Written aside and renamed, as artefacts are, so a reader sees all of
 * the reason or no refusal at all. Best effort: without it the module is
 * only compiled again. */
void cache_record_refusal(const cache_entry *entry, const char *reason) {
  char path[PATH_MAX + CACHE_KEY_LENGTH + 16], scratch[PATH_MAX + CACHE_KEY_LENGTH + 32];
  refusal_path(entry, path, sizeof path);
  snprintf(scratch, sizeof scratch, "%s.%ld", path, (long)getpid());
  FILE *file = fopen(scratch, "w");
  if (!file) return;
  int written = fprintf(file, "%s\n", reason) > 0;
  if (fclose(file) == 0 && written && rename(scratch, path) == 0) return;
  unlink(scratch);
}
