/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's I/O loop: one thread per runtime that moves bytes between
 * host descriptors (connected sockets, pipes to processes) and channels, so a cell (or the supervisor) sees a
 * socket as two channel ends, one for each direction, and never waits for
 * the host. It is one epoll loop, not a thread per socket: it sleeps in
 * epoll_wait, and channels wake it through callback waiters (waiter.h) and
 * an eventfd, so thousands of idle connections cost a little memory each
 * and no thread.
 *
 * Backpressure goes both ways: while a socket's channel to its reader is
 * full, the reactor stops reading the socket, so the kernel's buffers fill
 * and TCP closes its window on the peer; while the socket cannot take
 * more, the reactor stops reading the channel, so its writer blocks. */
#ifndef MINOS_CORE_REACTOR_H
#define MINOS_CORE_REACTOR_H

#include "core/channel.h"

typedef struct reactor reactor;
typedef struct reactor_listener reactor_listener;
typedef struct reactor_listener reactor_watch;

minos_status reactor_create(reactor **out);
/* Stops the thread, then closes every socket it still has: their ends'
 * holders see the end of the stream and MINOS_ECLOSED. Close listeners
 * first: one still watched is freed here (its fd stays its owner's). */
void reactor_free(reactor *reactor);

/* Takes a connected socket (made non-blocking here; TCP's Nagle delay is
 * switched off, as replies are written whole). *from_peer is the read end
 * of the bytes that arrive, *to_peer the write end of the bytes to send;
 * the caller owns both.
 *  - Closing to_peer (or its holder ending) shuts down the sending side
 *    once everything written to it is sent.
 *  - Closing from_peer stops reading; when both are done the socket is
 *    closed, after discarding what the peer sent that nobody will read
 *    (so that the kernel does not answer it with a reset).
 *  - The peer closing gives from_peer's reader the end of the stream; a
 *    reset, or a connection that never completed, also gives to_peer's
 *    writer MINOS_ECLOSED.
 * On failure the fd is still the caller's. From any thread, including
 * on_accept. */
minos_status reactor_attach_socket(reactor *reactor, int fd, channel_end **from_peer,
                                   channel_end **to_peer);

/* Takes pipes to and from another process (a native cell's stdio): what
 * arrives on read_fd comes out of *from_peer, what is written to *to_peer
 * goes into write_fd; either fd may be -1, and that direction's end is
 * NULL. As for a socket, with two differences: closing to_peer closes
 * write_fd once everything is written (the process reads the end of its
 * input), and when from_peer's reader goes, read_fd is closed (the
 * process's writes fail with EPIPE) rather than drained. Both are made
 * non-blocking here; on failure they are still the caller's. */
minos_status reactor_attach_pipes(reactor *reactor, int read_fd, int write_fd,
                                  channel_end **from_peer, channel_end **to_peer);

/* The same with ends that exist already: what arrives on read_fd is
 * written into `into` (a write end), what `from` (a read end) yields goes
 * into write_fd; the reactor takes both ends (each NULL exactly when its
 * fd is -1). On failure, fds and ends are still the caller's. */
minos_status reactor_attach_pipe_ends(reactor *reactor, int read_fd, channel_end *into,
                                      int write_fd, channel_end *from);

/* Watches a listening socket (made non-blocking here): on_accept(context,
 * fd) runs on the reactor's thread for each accepted connection
 * (non-blocking, close-on-exec) and takes the fd. The listening fd stays
 * the caller's: close it after reactor_listener_close. */
minos_status reactor_listen(reactor *reactor, int listening_fd,
                            void (*on_accept)(void *context, int fd), void *context,
                            reactor_listener **out);
/* Once it returns, on_accept is not running and will not run again. From
 * any thread but not from the listener's own on_accept. */
void reactor_listener_close(reactor_listener *listener);

/* Watches any descriptor until it is readable (a process's pidfd: it has
 * ended): on_readable(context) runs on the reactor's thread each time it
 * becomes so (edge-triggered). The fd stays the caller's. */
minos_status reactor_watch_readable(reactor *reactor, int fd, void (*on_readable)(void *context),
                                    void *context, reactor_watch **out);
/* Runs on_readable again if the fd is still readable: for a callback
 * that takes a bounded share of what waits, from within it. */
void reactor_watch_rearm(reactor_watch *watch);
/* Once, when the fd is writable or in error (a connection being made has
 * succeeded or failed): the reactor has stopped watching it by then, so
 * on_writable may close it. The watch is still to be closed, as any, but
 * not from on_writable. */
minos_status reactor_watch_writable_once(reactor *reactor, int fd,
                                         void (*on_writable)(void *context), void *context,
                                         reactor_watch **out);
/* As reactor_listener_close: once it returns, on_readable is not running
 * and will not run again. */
void reactor_watch_close(reactor_watch *watch);

#endif
