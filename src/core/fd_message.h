/* A message with at most one descriptor attached (SCM_RIGHTS), over a Unix
 * socket: how a sandbox hands its seccomp listener to the runtime, and how
 * a native program and the runtime pass ends. Header-only, system calls
 * only: a forked child uses it before its exec, and libminos-guest.a,
 * which links none of the runtime, uses it too. */
#ifndef MINOS_CORE_FD_MESSAGE_H
#define MINOS_CORE_FD_MESSAGE_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* Sends size bytes, with fd attached if it is >= 0 (the sender keeps its
 * copy): sendmsg's result (EINTR retried). */
static inline ssize_t fd_message_send(int socket, const void *data, size_t size, int fd,
                                      int flags) {
  struct iovec part = {.iov_base = (void *)data, .iov_len = size};
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int))];
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1};
  if (fd >= 0) {
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof control.bytes;
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
  }
  ssize_t sent;
  do sent = sendmsg(socket, &message, flags | MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent;
}

/* Receives up to size bytes; *fd is the descriptor that came with them
 * (close-on-exec), or -1: recvmsg's result (EINTR retried). */
static inline ssize_t fd_message_receive(int socket, void *data, size_t size, int *fd,
                                         int flags) {
  struct iovec part = {.iov_base = data, .iov_len = size};
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = control.bytes,
                           .msg_controllen = sizeof control.bytes};
  ssize_t got;
  do got = recvmsg(socket, &message, flags | MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  *fd = -1;
  struct cmsghdr *header = got >= 0 ? CMSG_FIRSTHDR(&message) : NULL;
  if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS &&
      header->cmsg_len == CMSG_LEN(sizeof(int)))
    memcpy(fd, CMSG_DATA(header), sizeof *fd);
  return got;
}

#endif
