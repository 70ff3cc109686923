/* SPDX-License-Identifier: Apache-2.0 */
/* Bridges between host file descriptors and channels: how a cell's stdio
 * reaches the terminal, a file or a host pipe. Host I/O blocks, so each
 * bridge pumps on a thread of its own, started at the bridge's first use,
 * and the cells on the workers never wait for the host; to them it is a
 * channel like any other. */
#ifndef MINOS_CORE_BRIDGE_H
#define MINOS_CORE_BRIDGE_H

#include "core/channel.h"

typedef struct bridge bridge;

/* Host fd -> channel: reads fd until end of file, then closes the write
 * end. The bridge owns the end. at_first_read: it starts reading when
 * the channel's reader first reads or waits (it takes the channel's
 * first-read watch, channel_end_watch_first_read), not before. */
minos_status bridge_from_fd(int fd, channel_end *write_end, bool at_first_read, bridge **out);
/* Channel -> host fd: writes everything until the stream ends, from the
 * first write (or close) on; if nothing came by bridge_finish, that
 * copies it. If the host side is gone (EPIPE), closes the read end so
 * writers see MINOS_ECLOSED. The bridge owns the end. */
minos_status bridge_to_fd(channel_end *read_end, int fd, bridge **out);
/* Async-signal-safe: a bridge from a host fd stops reading it, and its
 * channel's reader sees the end of the stream after what was already
 * passed on (minos run's SIGTERM: the cell's stdin ends). */
void bridge_end_input(bridge *bridge);
/* Waits for a bridge to a host fd to have written everything (until its
 * writers are gone); stops a bridge from a host fd where it is. Then
 * frees the bridge. */
void bridge_finish(bridge *bridge);

#endif
