/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the WASI implementation: the preview 1 constants and
 * layouts (from the witx definition; host code never includes wasi-libc's
 * <wasi/api.h>, which is written for guests), the descriptor table and the
 * helpers the per-concern files share. */
#ifndef MINOS_WASM_WASI_PRIVATE_H
#define MINOS_WASM_WASI_PRIVATE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "core/channel.h"
#include "wasm/guest_memory.h"
#include "wasm/wasi/wasi.h"

/* errno */
#define WASI_ERRNO_SUCCESS 0
#define WASI_ERRNO_2BIG 1
#define WASI_ERRNO_ACCES 2
#define WASI_ERRNO_ADDRINUSE 3
#define WASI_ERRNO_ADDRNOTAVAIL 4
#define WASI_ERRNO_AFNOSUPPORT 5
#define WASI_ERRNO_AGAIN 6
#define WASI_ERRNO_ALREADY 7
#define WASI_ERRNO_BADF 8
#define WASI_ERRNO_BADMSG 9
#define WASI_ERRNO_BUSY 10
#define WASI_ERRNO_CANCELED 11
#define WASI_ERRNO_CHILD 12
#define WASI_ERRNO_CONNABORTED 13
#define WASI_ERRNO_CONNREFUSED 14
#define WASI_ERRNO_CONNRESET 15
#define WASI_ERRNO_DEADLK 16
#define WASI_ERRNO_DESTADDRREQ 17
#define WASI_ERRNO_DOM 18
#define WASI_ERRNO_DQUOT 19
#define WASI_ERRNO_EXIST 20
#define WASI_ERRNO_FAULT 21
#define WASI_ERRNO_FBIG 22
#define WASI_ERRNO_HOSTUNREACH 23
#define WASI_ERRNO_IDRM 24
#define WASI_ERRNO_ILSEQ 25
#define WASI_ERRNO_INPROGRESS 26
#define WASI_ERRNO_INTR 27
#define WASI_ERRNO_INVAL 28
#define WASI_ERRNO_IO 29
#define WASI_ERRNO_ISCONN 30
#define WASI_ERRNO_ISDIR 31
#define WASI_ERRNO_LOOP 32
#define WASI_ERRNO_MFILE 33
#define WASI_ERRNO_MLINK 34
#define WASI_ERRNO_MSGSIZE 35
#define WASI_ERRNO_MULTIHOP 36
#define WASI_ERRNO_NAMETOOLONG 37
#define WASI_ERRNO_NETDOWN 38
#define WASI_ERRNO_NETRESET 39
#define WASI_ERRNO_NETUNREACH 40
#define WASI_ERRNO_NFILE 41
#define WASI_ERRNO_NOBUFS 42
#define WASI_ERRNO_NODEV 43
#define WASI_ERRNO_NOENT 44
#define WASI_ERRNO_NOEXEC 45
#define WASI_ERRNO_NOLCK 46
#define WASI_ERRNO_NOLINK 47
#define WASI_ERRNO_NOMEM 48
#define WASI_ERRNO_NOMSG 49
#define WASI_ERRNO_NOPROTOOPT 50
#define WASI_ERRNO_NOSPC 51
#define WASI_ERRNO_NOSYS 52
#define WASI_ERRNO_NOTCONN 53
#define WASI_ERRNO_NOTDIR 54
#define WASI_ERRNO_NOTEMPTY 55
#define WASI_ERRNO_NOTRECOVERABLE 56
#define WASI_ERRNO_NOTSOCK 57
#define WASI_ERRNO_NOTSUP 58
#define WASI_ERRNO_NOTTY 59
#define WASI_ERRNO_NXIO 60
#define WASI_ERRNO_OVERFLOW 61
#define WASI_ERRNO_OWNERDEAD 62
#define WASI_ERRNO_PERM 63
#define WASI_ERRNO_PIPE 64
#define WASI_ERRNO_PROTO 65
#define WASI_ERRNO_PROTONOSUPPORT 66
#define WASI_ERRNO_PROTOTYPE 67
#define WASI_ERRNO_RANGE 68
#define WASI_ERRNO_ROFS 69
#define WASI_ERRNO_SPIPE 70
#define WASI_ERRNO_SRCH 71
#define WASI_ERRNO_STALE 72
#define WASI_ERRNO_TIMEDOUT 73
#define WASI_ERRNO_TXTBSY 74
#define WASI_ERRNO_XDEV 75
#define WASI_ERRNO_NOTCAPABLE 76

/* rights */
#define WASI_RIGHT_FD_DATASYNC (UINT64_C(1) << 0)
#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS (UINT64_C(1) << 3)
#define WASI_RIGHT_FD_SYNC (UINT64_C(1) << 4)
#define WASI_RIGHT_FD_TELL (UINT64_C(1) << 5)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHT_FD_ADVISE (UINT64_C(1) << 7)
#define WASI_RIGHT_FD_ALLOCATE (UINT64_C(1) << 8)
#define WASI_RIGHT_PATH_CREATE_DIRECTORY (UINT64_C(1) << 9)
#define WASI_RIGHT_PATH_CREATE_FILE (UINT64_C(1) << 10)
#define WASI_RIGHT_PATH_LINK_SOURCE (UINT64_C(1) << 11)
#define WASI_RIGHT_PATH_LINK_TARGET (UINT64_C(1) << 12)
#define WASI_RIGHT_PATH_OPEN (UINT64_C(1) << 13)
#define WASI_RIGHT_FD_READDIR (UINT64_C(1) << 14)
#define WASI_RIGHT_PATH_READLINK (UINT64_C(1) << 15)
#define WASI_RIGHT_PATH_RENAME_SOURCE (UINT64_C(1) << 16)
#define WASI_RIGHT_PATH_RENAME_TARGET (UINT64_C(1) << 17)
#define WASI_RIGHT_PATH_FILESTAT_GET (UINT64_C(1) << 18)
#define WASI_RIGHT_PATH_FILESTAT_SET_SIZE (UINT64_C(1) << 19)
#define WASI_RIGHT_PATH_FILESTAT_SET_TIMES (UINT64_C(1) << 20)
#define WASI_RIGHT_FD_FILESTAT_GET (UINT64_C(1) << 21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE (UINT64_C(1) << 22)
#define WASI_RIGHT_FD_FILESTAT_SET_TIMES (UINT64_C(1) << 23)
#define WASI_RIGHT_PATH_SYMLINK (UINT64_C(1) << 24)
#define WASI_RIGHT_PATH_REMOVE_DIRECTORY (UINT64_C(1) << 25)
#define WASI_RIGHT_PATH_UNLINK_FILE (UINT64_C(1) << 26)
#define WASI_RIGHT_POLL_FD_READWRITE (UINT64_C(1) << 27)
#define WASI_RIGHT_SOCK_SHUTDOWN (UINT64_C(1) << 28)
#define WASI_RIGHT_SOCK_ACCEPT (UINT64_C(1) << 29)

/* What a descriptor of each kind can do at most. */
#define WASI_RIGHTS_FILE                                                                  \
  (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK |                     \
   WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_TELL |              \
   WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ADVISE | WASI_RIGHT_FD_ALLOCATE |                  \
   WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_SIZE |                         \
   WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_POLL_FD_READWRITE)
#define WASI_RIGHTS_DIRECTORY                                                             \
  (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC |         \
   WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |                       \
   WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET | WASI_RIGHT_PATH_OPEN |     \
   WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_READLINK | WASI_RIGHT_PATH_RENAME_SOURCE |     \
   WASI_RIGHT_PATH_RENAME_TARGET | WASI_RIGHT_PATH_FILESTAT_GET |                         \
   WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |               \
   WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_PATH_SYMLINK | \
   WASI_RIGHT_PATH_REMOVE_DIRECTORY | WASI_RIGHT_PATH_UNLINK_FILE)
/* The rights that take a path beneath a directory. */
#define WASI_RIGHTS_PATH                                                                  \
  (WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |                       \
   WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET | WASI_RIGHT_PATH_OPEN |     \
   WASI_RIGHT_PATH_READLINK | WASI_RIGHT_PATH_RENAME_SOURCE |                             \
   WASI_RIGHT_PATH_RENAME_TARGET | WASI_RIGHT_PATH_FILESTAT_GET |                         \
   WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |               \
   WASI_RIGHT_PATH_SYMLINK | WASI_RIGHT_PATH_REMOVE_DIRECTORY | WASI_RIGHT_PATH_UNLINK_FILE)
/* Pipes, terminals, sockets: no position, no size. */
#define WASI_RIGHTS_STREAM                                                                \
  (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |            \
   WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_FILESTAT_GET |             \
   WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_POLL_FD_READWRITE)
/* Everything that changes the file system. A descriptor beneath a
 * read-only grant never holds these; asking for one gives ERRNO_ROFS. The
 * link source counts: a hard link from a read-only grant into a writable
 * one would make the file writable. */
#define WASI_RIGHTS_WRITING                                                               \
  (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE |       \
   WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_PATH_CREATE_DIRECTORY |                  \
   WASI_RIGHT_PATH_CREATE_FILE | WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET | \
   WASI_RIGHT_PATH_RENAME_SOURCE | WASI_RIGHT_PATH_RENAME_TARGET |                        \
   WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |               \
   WASI_RIGHT_PATH_SYMLINK | WASI_RIGHT_PATH_REMOVE_DIRECTORY | WASI_RIGHT_PATH_UNLINK_FILE)
/* The rights wasi-libc asks for exactly when it opens for writing. */
#define WASI_RIGHTS_OPEN_FOR_WRITING                                                      \
  (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE)

/* filetype */
#define WASI_FILETYPE_UNKNOWN 0
#define WASI_FILETYPE_BLOCK_DEVICE 1
#define WASI_FILETYPE_CHARACTER_DEVICE 2
#define WASI_FILETYPE_DIRECTORY 3
#define WASI_FILETYPE_REGULAR_FILE 4
#define WASI_FILETYPE_SOCKET_DGRAM 5
#define WASI_FILETYPE_SOCKET_STREAM 6
#define WASI_FILETYPE_SYMBOLIC_LINK 7

/* fdflags */
#define WASI_FDFLAG_APPEND (1u << 0)
#define WASI_FDFLAG_DSYNC (1u << 1)
#define WASI_FDFLAG_NONBLOCK (1u << 2)
#define WASI_FDFLAG_RSYNC (1u << 3)
#define WASI_FDFLAG_SYNC (1u << 4)
#define WASI_FDFLAGS_ALL                                                                  \
  (WASI_FDFLAG_APPEND | WASI_FDFLAG_DSYNC | WASI_FDFLAG_NONBLOCK | WASI_FDFLAG_RSYNC |    \
   WASI_FDFLAG_SYNC)

/* oflags */
#define WASI_OFLAG_CREAT (1u << 0)
#define WASI_OFLAG_DIRECTORY (1u << 1)
#define WASI_OFLAG_EXCL (1u << 2)
#define WASI_OFLAG_TRUNC (1u << 3)

/* lookupflags */
#define WASI_LOOKUP_SYMLINK_FOLLOW (1u << 0)

/* fstflags */
#define WASI_FSTFLAG_ATIM (1u << 0)
#define WASI_FSTFLAG_ATIM_NOW (1u << 1)
#define WASI_FSTFLAG_MTIM (1u << 2)
#define WASI_FSTFLAG_MTIM_NOW (1u << 3)

/* whence */
#define WASI_WHENCE_SET 0
#define WASI_WHENCE_CUR 1
#define WASI_WHENCE_END 2

/* advice */
#define WASI_ADVICE_NORMAL 0
#define WASI_ADVICE_SEQUENTIAL 1
#define WASI_ADVICE_RANDOM 2
#define WASI_ADVICE_WILLNEED 3
#define WASI_ADVICE_DONTNEED 4
#define WASI_ADVICE_NOREUSE 5

/* clockid */
#define WASI_CLOCK_REALTIME 0
#define WASI_CLOCK_MONOTONIC 1
#define WASI_CLOCK_PROCESS_CPUTIME 2
#define WASI_CLOCK_THREAD_CPUTIME 3

/* preopentype */
#define WASI_PREOPEN_DIR 0

/* eventtype, eventrwflags, subclockflags */
#define WASI_EVENT_CLOCK 0
#define WASI_EVENT_FD_READ 1
#define WASI_EVENT_FD_WRITE 2
#define WASI_EVENT_RW_HANGUP (1u << 0)
#define WASI_SUBSCRIPTION_CLOCK_ABSTIME (1u << 0)

/* Layouts in guest memory (byte offsets, little-endian). */
#define WASI_IOVEC_SIZE 8 /* buf u32 @0, buf_len u32 @4 */
#define WASI_IOVEC_BUF 0
#define WASI_IOVEC_LEN 4

#define WASI_FDSTAT_SIZE 24
#define WASI_FDSTAT_FILETYPE 0 /* u8 */
#define WASI_FDSTAT_FLAGS 2    /* u16 */
#define WASI_FDSTAT_RIGHTS_BASE 8
#define WASI_FDSTAT_RIGHTS_INHERITING 16

#define WASI_FILESTAT_SIZE 64
#define WASI_FILESTAT_DEV 0
#define WASI_FILESTAT_INO 8
#define WASI_FILESTAT_FILETYPE 16 /* u8 */
#define WASI_FILESTAT_NLINK 24
#define WASI_FILESTAT_FILESIZE 32
#define WASI_FILESTAT_ATIM 40
#define WASI_FILESTAT_MTIM 48
#define WASI_FILESTAT_CTIM 56

#define WASI_DIRENT_SIZE 24 /* then d_namlen bytes of name, no NUL */
#define WASI_DIRENT_NEXT 0
#define WASI_DIRENT_INO 8
#define WASI_DIRENT_NAMLEN 16 /* u32 */
#define WASI_DIRENT_TYPE 20   /* u8 */

#define WASI_PRESTAT_SIZE 8
#define WASI_PRESTAT_TAG 0      /* u8 */
#define WASI_PRESTAT_NAME_LEN 4 /* u32 */

#define WASI_SUBSCRIPTION_SIZE 48
#define WASI_SUBSCRIPTION_USERDATA 0
#define WASI_SUBSCRIPTION_TAG 8             /* u8: eventtype */
#define WASI_SUBSCRIPTION_CLOCK_ID 16       /* u32 */
#define WASI_SUBSCRIPTION_CLOCK_TIMEOUT 24  /* u64 */
#define WASI_SUBSCRIPTION_CLOCK_PRECISION 32
#define WASI_SUBSCRIPTION_CLOCK_FLAGS 40    /* u16 */
#define WASI_SUBSCRIPTION_FD 16             /* u32 */

#define WASI_EVENT_SIZE 32
#define WASI_EVENT_USERDATA 0
#define WASI_EVENT_ERROR 8  /* u16 */
#define WASI_EVENT_TYPE 10  /* u8 */
#define WASI_EVENT_NBYTES 16
#define WASI_EVENT_FLAGS 24 /* u16 */

/* Limits on what one call may ask of the host. */
#define WASI_MAX_IOVECS 1024 /* IOV_MAX on Linux */
#define WASI_MAX_PATH 4096   /* PATH_MAX, NUL included */
#define WASI_DEFAULT_DESCRIPTOR_LIMIT 1024

/* Pipes and terminals have no WASI type: channel ends are reported as
 * unknown, as other runtimes report pipes. */
#define WASI_RIGHTS_CHANNEL_READ                                                          \
  (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_POLL_FD_READWRITE)
#define WASI_RIGHTS_CHANNEL_WRITE                                                         \
  (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_POLL_FD_READWRITE)

/* A listening socket (minos_listen): it can only be polled and accepted
 * from, by the minos calls; to WASI it is a socket it may not use. */
#define WASI_RIGHTS_LISTENER (WASI_RIGHT_POLL_FD_READWRITE | WASI_RIGHT_SOCK_ACCEPT)

/* One guest descriptor: a host file or directory, a channel end, or a
 * listening socket. */
struct wasi_descriptor {
  int host_fd;     /* -1 for a channel end or a listener */
  channel_end *end; /* a channel end, owned by the descriptor */
  struct net_listener *listener; /* a listener, owned by the descriptor */
  bool nonblocking; /* of a channel end, as set by fd_fdstat_set_flags */
  /* Beneath a read-only grant: the whole tree behaves like a read-only
   * mount, so writing attempts fail with ERRNO_ROFS. */
  bool read_only;
  /* On a file system that may hang (network, FUSE): its calls run off the
   * worker (slow_files.c). */
  bool slow;
  uint8_t filetype;
  uint64_t rights_base, rights_inheriting;
  char *preopen_path; /* the guest name of a granted directory, else NULL */
  /* A granted directory's identity, for the link guard (link_guard.h). */
  dev_t grant_device;
  ino_t grant_inode;
  /* host_fd is O_PATH (a grant): it resolves paths but cannot be read or
   * synced, so those use readable_fd, opened on first use. */
  bool path_only;
  int readable_fd;
  /* fd_readdir cookie n (n > 0) resumes at kernel offset
   * listing_offsets[n - 1]; see readdir.c. */
  uint64_t *listing_offsets;
  uint32_t listing_count, listing_capacity;
  /* The account its host descriptors are counted in (context.c), and how
   * many (host_fd, readable_fd, a listener's socket). */
  struct account *charged_to;
  uint32_t charged_fds;
};

/* Errors */
uint32_t wasi_errno_from_host(int host_errno);
static inline uint32_t wasi_errno_now(void) { return wasi_errno_from_host(errno); }

/* Descriptor table (context.c) */
wasi_descriptor *wasi_descriptor_new(int host_fd, uint8_t filetype);
/* A descriptor that owns a channel end (NULL: out of memory, the end is
 * left alone). */
wasi_descriptor *wasi_descriptor_for_end(channel_end *end);
void wasi_descriptor_free(wasi_descriptor *descriptor);
/* A descriptor of the same file that can be read, listed and synced. */
int wasi_descriptor_readable_fd(wasi_descriptor *descriptor);
/* Installs at the lowest free number; ERRNO_NFILE past the limit,
 * ERRNO_MFILE past the cell's share of host descriptors. On
 * failure the descriptor is freed (and its host fd closed). */
uint32_t wasi_descriptor_install(wasi_context *context, wasi_descriptor *descriptor,
                                 uint32_t *fd_out);
/* Whether one more descriptor holding a host descriptor fits: 0, or
 * ERRNO_NFILE (the table is full) or ERRNO_MFILE (the cell holds its share
 * of host descriptors). Checked before an open with side effects
 * (O_CREAT), so that it does not half succeed. */
uint32_t wasi_descriptor_room(const wasi_context *context);
wasi_descriptor *wasi_descriptor_get(wasi_context *context, uint32_t fd);
/* Takes a descriptor out of the table (NULL: none), without freeing it. */
wasi_descriptor *wasi_descriptor_remove(wasi_context *context, uint32_t fd);
/* fd_renumber: moves fd onto `to`, closing what `to` was. */
uint32_t wasi_descriptor_renumber(wasi_context *context, uint32_t fd, uint32_t to);
/* The descriptor if it holds every right in `rights`: else NULL and *error
 * is BADF (no such descriptor), ROFS (a writing right beneath a read-only
 * grant), NOTDIR (a path right on a file) or NOTCAPABLE. */
wasi_descriptor *wasi_descriptor_with_rights(wasi_context *context, uint32_t fd,
                                             uint64_t rights, uint32_t *error);
uint8_t wasi_filetype_from_mode(mode_t mode);
uint64_t wasi_rights_for_filetype(uint8_t filetype);

/* Guest memory helpers */
/* Translates a guest iovec array into host iovecs. *host_out is `local` or
 * a malloc'd array the caller frees when it differs from `local`. */
uint32_t wasi_iovecs_from_guest(const wasm_cell *self, uint32_t iovs, uint32_t iovs_len,
                                struct iovec *local, size_t local_count,
                                struct iovec **host_out);
void wasi_store_filestat(const wasm_cell *self, uint32_t address, const struct stat *status);
uint64_t wasi_timestamp_from_timespec(struct timespec time);
/* The times utimensat wants for a WASI set_times request, or INVAL. */
uint32_t wasi_timespecs_from_request(uint64_t access_time, uint64_t modify_time,
                                     uint32_t fst_flags, struct timespec times[2]);

/* Paths (resolve.c) */
/* A NUL-terminated malloc'd copy of a guest path. */
uint32_t wasi_path_from_guest(const wasm_cell *self, uint32_t path, uint32_t path_len,
                              char **out);
/* openat2 beneath `directory`; -1 and errno on failure. */
int wasi_open_beneath(int directory, const char *path, int flags, mode_t mode);
/* The same; with same_mount, a walk that would cross into another mount
 * fails with EXDEV (RESOLVE_NO_XDEV) before it touches that file system. */
int wasi_open_beneath_how(int directory, const char *path, int flags, mode_t mode,
                          bool same_mount);
uint32_t wasi_errno_from_resolution(int host_errno);
/* Opens the parent of `path` beneath `directory` (same_mount: as
 * wasi_open_beneath_how) as an O_PATH descriptor the caller closes, and
 * points *last at the final component (trailing slashes kept), inside
 * `path`, which is edited meanwhile and whole again on return. A final
 * ".." is refused. */
uint32_t wasi_open_parent(int directory, char *path, bool same_mount, int *parent_fd,
                          const char **last);

/* Channel ends (channel_io.c) */
uint32_t wasi_errno_from_status(minos_status status);
/* Moves bytes between a channel end and the host iovecs (in guest memory):
 * blocks for the first byte unless the descriptor is non-blocking, then
 * takes what comes without waiting (reads) or writes everything (writes). */
uint32_t wasi_channel_transfer(wasm_cell *self, wasi_descriptor *descriptor,
                               const struct iovec *iov, uint32_t count, uint32_t *done);

/* Slow file systems (slow_files.c) */
/* Whether calls on this host descriptor may hang: anything but a local
 * file system. */
bool wasi_host_fd_is_slow(int host_fd);
/* A read or write on an offload thread while the cell blocks: at most a
 * few MiB, through a buffer of its own. CANCELED if the cell was asked to
 * end meanwhile. */
uint32_t wasi_slow_transfer(wasm_cell *self, int host_fd, bool reading, bool positioned,
                            uint64_t offset, const struct iovec *iov, uint32_t count,
                            size_t *done);
/* A call on an open host descriptor, which may hang on a slow file
 * system. */
typedef enum fd_operation {
  FD_FSTAT,     /* into status */
  FD_FSYNC,
  FD_FDATASYNC,
  FD_FTRUNCATE, /* to length */
  FD_ADVISE,    /* posix_fadvise(offset, length, how) */
  FD_ALLOCATE,  /* posix_fallocate(offset, length) */
  FD_SET_TIMES, /* to times */
  FD_SEEK,      /* lseek(offset, how), into position */
} fd_operation;

typedef struct fd_request {
  fd_operation operation;
  /* The descriptor is a grant's O_PATH one: a sync opens the directory. */
  bool open_directory;
  off_t offset, length, position;
  int how; /* FD_ADVISE's advice, FD_SEEK's whence */
  struct timespec times[2];
  struct stat status;
} fd_request;

/* The request on host_fd (of `descriptor`), on the worker or, on a slow
 * file system, on an offload thread while the cell blocks: 0, or -1 and
 * errno. A cell asked to end meanwhile ends inside: callers may hold
 * nothing that the cell's end would not release. */
int wasi_fd_request_run(wasm_cell *self, const wasi_descriptor *descriptor, int host_fd,
                        fd_request *request);
/* Closes host descriptors of a slow file system (a close may flush to a
 * server) off the worker, without waiting. */
void wasi_close_slow(int first_fd, int second_fd);

/* Clocks (clock_random.c): ERRNO_INVAL for an unknown clock. */
uint32_t wasi_clock_to_host(uint32_t clock_id, int *host_clock);

#endif
