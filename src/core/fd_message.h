/* SPDX-License-Identifier: Apache-2.0 */
/* A message with descriptors attached (SCM_RIGHTS), over a Unix socket:
 * how a sandbox hands its seccomp listener to the runtime, how the
 * runtime hands a sandbox its program's descriptors, and how a native
 * program and the runtime pass ends. Header-only, system calls only: a
 * forked child uses it before its exec, and libminos-guest.a, which
 * links none of the runtime, uses it too. */
#ifndef MINOS_CORE_FD_MESSAGE_H
#define MINOS_CORE_FD_MESSAGE_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The most descriptors one message carries (the kernel's own limit is
 * 253). */
#define FD_MESSAGE_MAX_FDS 96

/* Sends size bytes with count descriptors attached (the sender keeps its
 * copies): sendmsg's result (EINTR retried). */
static inline ssize_t fd_message_send_many(int socket, const void *data, size_t size,
                                           const int *fds, size_t count, int flags) {
  struct iovec part = {.iov_base = (void *)data, .iov_len = size};
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int) * FD_MESSAGE_MAX_FDS)];
  } control;
  if (count > FD_MESSAGE_MAX_FDS) {
    errno = EINVAL;
    return -1;
  }
  memset(&control, 0, sizeof control);
  struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1};
  if (count) {
    message.msg_control = control.bytes;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
  }
  ssize_t sent;
  do sent = sendmsg(socket, &message, flags | MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent;
}

/* Receives up to size bytes and up to max descriptors (close-on-exec),
 * *count of them in fds (more than max are closed): recvmsg's result
 * (EINTR retried). */
static inline ssize_t fd_message_receive_many(int socket, void *data, size_t size, int *fds,
                                              size_t max, size_t *count, int flags) {
  struct iovec part = {.iov_base = data, .iov_len = size};
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int) * FD_MESSAGE_MAX_FDS)];
  } control;
  struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = control.bytes,
                           .msg_controllen = sizeof control.bytes};
  ssize_t got;
  do got = recvmsg(socket, &message, flags | MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  *count = 0;
  for (struct cmsghdr *header = got >= 0 ? CMSG_FIRSTHDR(&message) : NULL; header;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    size_t carried = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < carried; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(header) + i * sizeof fd, sizeof fd);
      if (*count < max) fds[(*count)++] = fd;
      else close(fd);
    }
  }
  return got;
}

/* One descriptor, or none (fd -1). */
static inline ssize_t fd_message_send(int socket, const void *data, size_t size, int fd,
                                      int flags) {
  return fd_message_send_many(socket, data, size, &fd, fd >= 0 ? 1 : 0, flags);
}

/* *fd is the descriptor that came with the bytes, or -1 (any more are
 * closed). */
static inline ssize_t fd_message_receive(int socket, void *data, size_t size, int *fd,
                                         int flags) {
  size_t count;
  ssize_t got = fd_message_receive_many(socket, data, size, fd, 1, &count, flags);
  if (!count) *fd = -1;
  return got;
}

#endif
