/* Links stay inside their grant: see link_guard.h for the rule. */
#include "wasm/wasi/link_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasm/wasi/wasi_private.h"

/* Deeper than this below a grant's root, a directory is not looked for
 * further (its links may not climb), and a moved tree is not looked into. */
#define MAX_DEPTH 4096
#define MAX_TREE_DEPTH 64
#define MAX_TREE_ENTRIES 20000

typedef struct grant_roots {
  struct stat *roots;
  size_t count;
} grant_roots;

static bool same_object(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static wasi_descriptor *grant_at(wasi_context *context, uint32_t fd) {
  wasi_descriptor *descriptor = wasi_descriptor_get(context, fd);
  return descriptor && descriptor->preopen_path ? descriptor : NULL;
}

/* The granted directories the cell still holds. */
static uint32_t collect_roots(wasm_cell *self, grant_roots *out) {
  *out = (grant_roots){0};
  wasi_context *context = &self->wasi;
  size_t grants = 0;
  for (uint32_t fd = 0; fd < context->descriptor_capacity; fd++)
    grants += grant_at(context, fd) != NULL;
  if (!(out->roots = calloc(grants ? grants : 1, sizeof *out->roots))) return WASI_ERRNO_NOMEM;
  for (uint32_t fd = 0; fd < context->descriptor_capacity && out->count < grants; fd++) {
    wasi_descriptor *grant = grant_at(context, fd);
    if (grant && fstat(grant->host_fd, &out->roots[out->count]) == 0) out->count++;
  }
  return WASI_ERRNO_SUCCESS;
}

static bool is_root(const grant_roots *roots, const struct stat *status) {
  for (size_t i = 0; i < roots->count; i++)
    if (same_object(&roots->roots[i], status)) return true;
  return false;
}

/* How far the directory lies below the nearest granted directory above it
 * (0: it is one), walking ".." as the kernel does; -1 if none is found
 * (the cell gave that grant up, or something failed): no climbing then. */
static int depth_below_grant(const grant_roots *roots, int directory_fd) {
  int current = openat(directory_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (int depth = 0; current >= 0 && depth <= MAX_DEPTH; depth++) {
    struct stat here, above;
    if (fstat(current, &here) != 0) break;
    if (is_root(roots, &here)) {
      close(current);
      return depth;
    }
    int parent = openat(current, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    close(current);
    current = parent;
    /* At the file system's root, ".." is the directory itself. */
    if (current < 0 || fstat(current, &above) != 0 || same_object(&above, &here)) break;
  }
  if (current >= 0) close(current);
  return -1;
}

/* How many ".." the target climbs before naming anything; -1 if it is
 * absolute or climbs again after a name. */
static int climb_of(const char *target) {
  if (target[0] == '/') return -1;
  int climb = 0;
  bool named = false;
  for (const char *part = target; *part;) {
    size_t length = strcspn(part, "/");
    if (length == 2 && part[0] == '.' && part[1] == '.') {
      if (named) return -1;
      climb++;
    } else if (length > 1 || (length == 1 && part[0] != '.')) {
      named = true;
    }
    part += length;
    if (*part == '/') part++;
  }
  return climb;
}

static bool fits(int climb, int depth) { return climb == 0 || (climb > 0 && climb <= depth); }

uint32_t link_guard_check_target(wasm_cell *self, int directory_fd, const char *target) {
  int climb = climb_of(target);
  if (climb < 0) return WASI_ERRNO_PERM;
  if (climb == 0) return WASI_ERRNO_SUCCESS;
  grant_roots roots;
  uint32_t error = collect_roots(self, &roots);
  if (error) return error;
  int depth = depth_below_grant(&roots, directory_fd);
  free(roots.roots);
  return fits(climb, depth) ? WASI_ERRNO_SUCCESS : WASI_ERRNO_PERM;
}

/* The climb of the link `name` in `directory_fd`. */
static int climb_of_link(int directory_fd, const char *name) {
  char *target = malloc(WASI_MAX_PATH);
  if (!target) return -1;
  ssize_t length = readlinkat(directory_fd, name, target, WASI_MAX_PATH - 1);
  int climb = -1;
  if (length >= 0) {
    target[length] = '\0';
    climb = climb_of(target);
  }
  free(target);
  return climb;
}

typedef struct tree_walk {
  size_t entries_left;
  uint32_t error; /* the first refusal */
} tree_walk;

/* Every link in the tree below `directory_fd`, which will be `depth`
 * below its grant's root, must fit there. */
static void check_tree(int directory_fd, int depth, int levels_left, tree_walk *walk) {
  if (levels_left == 0) {
    walk->error = WASI_ERRNO_XDEV;
    return;
  }
  int listing_fd = openat(directory_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *listing = listing_fd >= 0 ? fdopendir(listing_fd) : NULL;
  if (!listing) {
    if (listing_fd >= 0) close(listing_fd);
    walk->error = WASI_ERRNO_XDEV;
    return;
  }
  struct dirent *entry;
  while (!walk->error && (entry = readdir(listing))) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    if (walk->entries_left-- == 0) {
      walk->error = WASI_ERRNO_XDEV;
      break;
    }
    struct stat status;
    if (fstatat(listing_fd, entry->d_name, &status, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISLNK(status.st_mode) && !fits(climb_of_link(listing_fd, entry->d_name), depth)) {
      walk->error = WASI_ERRNO_PERM;
    } else if (S_ISDIR(status.st_mode)) {
      int child = openat(listing_fd, entry->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) continue;
      check_tree(child, depth + 1, levels_left - 1, walk);
      close(child);
    }
  }
  closedir(listing);
}

uint32_t link_guard_check_move(wasm_cell *self, int from_fd, const char *name, int to_fd,
                               bool with_contents) {
  struct stat status;
  if (fstatat(from_fd, name, &status, AT_SYMLINK_NOFOLLOW) != 0) return WASI_ERRNO_SUCCESS;
  bool link = S_ISLNK(status.st_mode);
  if (!link && !(with_contents && S_ISDIR(status.st_mode))) return WASI_ERRNO_SUCCESS;
  int climb = link ? climb_of_link(from_fd, name) : 0;
  if (link && climb == 0) return WASI_ERRNO_SUCCESS;
  grant_roots roots;
  uint32_t error = collect_roots(self, &roots);
  if (error) return error;
  int to_depth = depth_below_grant(&roots, to_fd);
  if (link) {
    error = fits(climb, to_depth) ? WASI_ERRNO_SUCCESS : WASI_ERRNO_PERM;
  } else {
    /* Closer to the root (or from where that cannot be told): its links
     * would climb higher than before. */
    int from_depth = depth_below_grant(&roots, from_fd);
    if (from_depth >= 0 && to_depth >= from_depth) {
      free(roots.roots);
      return WASI_ERRNO_SUCCESS;
    }
    int directory = openat(from_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    tree_walk walk = {.entries_left = MAX_TREE_ENTRIES};
    if (directory >= 0) {
      check_tree(directory, to_depth < 0 ? 0 : to_depth + 1, MAX_TREE_DEPTH, &walk);
      close(directory);
    }
    error = walk.error;
  }
  free(roots.roots);
  return error;
}
