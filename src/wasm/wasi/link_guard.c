/* SPDX-License-Identifier: Apache-2.0 */
/* Links stay inside their grant: see link_guard.h for the rule. */
#include "wasm/wasi/link_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasm/wasi/wasi_private.h"

/* Deeper than this below a grant's root, a directory is not looked for
 * further (its links may not climb), and a moved tree is not looked into. */
#define MAX_DEPTH 4096
#define MAX_TREE_DEPTH 64
#define MAX_TREE_ENTRIES 20000

static bool same_object(const struct stat *status, dev_t device, ino_t inode) {
  return status->st_dev == device && status->st_ino == inode;
}

uint32_t link_guard_take(wasm_cell *self, bool same_mount, link_guard *out) {
  *out = (link_guard){.same_mount = same_mount};
  wasi_context *context = &self->wasi;
  size_t grants = 0;
  for (uint32_t fd = 0; fd < context->descriptor_capacity; fd++) {
    wasi_descriptor *descriptor = wasi_descriptor_get(context, fd);
    grants += descriptor && descriptor->preopen_path;
  }
  if (!(out->roots = calloc(grants ? grants : 1, sizeof *out->roots))) return WASI_ERRNO_NOMEM;
  for (uint32_t fd = 0; fd < context->descriptor_capacity && out->count < grants; fd++) {
    wasi_descriptor *grant = wasi_descriptor_get(context, fd);
    if (grant && grant->preopen_path)
      out->roots[out->count++] = (struct grant_identity){grant->grant_device, grant->grant_inode};
  }
  return WASI_ERRNO_SUCCESS;
}

void link_guard_release(link_guard *guard) {
  free(guard->roots);
  guard->roots = NULL;
  guard->count = 0;
}

static bool is_root(const link_guard *guard, const struct stat *status) {
  for (size_t i = 0; i < guard->count; i++)
    if (same_object(status, guard->roots[i].device, guard->roots[i].inode)) return true;
  return false;
}

/* The entry `name` of a directory, not followed, as O_PATH; on the worker
 * an entry that is another mount's root is not entered (EXDEV). */
static int open_entry(const link_guard *guard, int directory_fd, const char *name) {
  return wasi_open_beneath_how(directory_fd, name, O_PATH | O_NOFOLLOW, 0, guard->same_mount);
}

/* The directory above `fd`; on the worker, not across a mount (which
 * may be slow), EXDEV then. */
static int open_above(const link_guard *guard, int fd) {
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                         .resolve = guard->same_mount ? RESOLVE_NO_XDEV : 0};
  return (int)syscall(SYS_openat2, fd, "..", &how, sizeof how);
}

#define ABOVE_A_MOUNT (-2)

static bool fits(int climb, int depth) { return climb == 0 || (climb > 0 && climb <= depth); }

/* How far the directory lies below the nearest granted directory above it
 * (0: it is one), walking ".." as the kernel does; -1 if none is found
 * (the cell gave that grant up, or something failed): no climbing then.
 * On the worker the walk stops at its mount's root (ABOVE_A_MOUNT): the
 * check is then done again off the worker. */
static int depth_below_grant(const link_guard *guard, int directory_fd) {
  int current = openat(directory_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (int depth = 0; current >= 0 && depth <= MAX_DEPTH; depth++) {
    struct stat here, above;
    if (fstat(current, &here) != 0) break;
    if (is_root(guard, &here)) {
      close(current);
      return depth;
    }
    int parent = open_above(guard, current);
    close(current);
    current = parent;
    if (current < 0 && errno == EXDEV) return ABOVE_A_MOUNT;
    /* At the file system's root, ".." is the directory itself. */
    if (current < 0 || fstat(current, &above) != 0 ||
        same_object(&above, here.st_dev, here.st_ino))
      break;
  }
  if (current >= 0) close(current);
  return -1;
}

/* A WASI errno: whether `climb` fits `depth`, or NOTCAPABLE to try again
 * off the worker. */
static uint32_t judge(int climb, int depth) {
  if (depth == ABOVE_A_MOUNT) return WASI_ERRNO_NOTCAPABLE;
  return fits(climb, depth) ? WASI_ERRNO_SUCCESS : WASI_ERRNO_PERM;
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

uint32_t link_guard_check_target(const link_guard *guard, int directory_fd, const char *target) {
  int climb = climb_of(target);
  if (climb < 0) return WASI_ERRNO_PERM;
  if (climb == 0) return WASI_ERRNO_SUCCESS;
  return judge(climb, depth_below_grant(guard, directory_fd));
}

/* The climb of the link held by `link_fd` (O_PATH, not followed). */
static int climb_of_link(int link_fd) {
  char *target = malloc(WASI_MAX_PATH);
  if (!target) return -1;
  ssize_t length = readlinkat(link_fd, "", target, WASI_MAX_PATH - 1);
  int climb = -1;
  if (length >= 0) {
    target[length] = '\0';
    climb = climb_of(target);
  }
  free(target);
  return climb;
}

typedef struct tree_walk {
  const link_guard *guard;
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
    int entry_fd = open_entry(walk->guard, listing_fd, entry->d_name);
    struct stat status;
    if (entry_fd < 0) {
      if (errno == EXDEV) walk->error = WASI_ERRNO_NOTCAPABLE; /* a mount: not here */
      continue;
    }
    if (fstat(entry_fd, &status) != 0) {
      close(entry_fd);
      continue;
    }
    if (S_ISLNK(status.st_mode) && !fits(climb_of_link(entry_fd), depth))
      walk->error = WASI_ERRNO_PERM;
    else if (S_ISDIR(status.st_mode))
      check_tree(entry_fd, depth + 1, levels_left - 1, walk);
    close(entry_fd);
  }
  closedir(listing);
}

/* A whole directory moved: every link beneath must still fit. */
static uint32_t check_moved_tree(const link_guard *guard, int from_fd, int tree_fd, int to_fd) {
  /* Closer to the root (or from where that cannot be told): its links
   * would climb higher than before. */
  int from_depth = depth_below_grant(guard, from_fd);
  int to_depth = depth_below_grant(guard, to_fd);
  if (from_depth == ABOVE_A_MOUNT || to_depth == ABOVE_A_MOUNT) return WASI_ERRNO_NOTCAPABLE;
  if (from_depth >= 0 && to_depth >= from_depth) return WASI_ERRNO_SUCCESS;
  tree_walk walk = {.guard = guard, .entries_left = MAX_TREE_ENTRIES};
  check_tree(tree_fd, to_depth < 0 ? 0 : to_depth + 1, MAX_TREE_DEPTH, &walk);
  return walk.error;
}

uint32_t link_guard_check_move(const link_guard *guard, int from_fd, const char *name, int to_fd,
                               bool with_contents) {
  int object_fd = open_entry(guard, from_fd, name);
  /* Nothing there: the move itself will say so. */
  if (object_fd < 0) return errno == EXDEV ? WASI_ERRNO_NOTCAPABLE : WASI_ERRNO_SUCCESS;
  struct stat status;
  uint32_t error = WASI_ERRNO_SUCCESS;
  if (fstat(object_fd, &status) != 0) {
    error = WASI_ERRNO_SUCCESS;
  } else if (S_ISLNK(status.st_mode)) {
    int climb = climb_of_link(object_fd);
    if (climb != 0) error = judge(climb, depth_below_grant(guard, to_fd));
  } else if (with_contents && S_ISDIR(status.st_mode)) {
    error = check_moved_tree(guard, from_fd, object_fd, to_fd);
  }
  close(object_fd);
  return error;
}
