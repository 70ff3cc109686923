/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's side of a native cell's seccomp filter (launch.h): the
 * calls the filter hands to the runtime instead of the kernel, answered on
 * the reactor's thread.
 *
 *   - A refused call (mount, ptrace, unshare...) is never executed: the
 *     broker notes its name and kills the cell, which then ends with
 *     "blocked system call NAME".
 *   - connect and bind on a TCP socket are made by the runtime: it reads
 *     the address once from the program's memory into its own copy,
 *     checks that copy against the cell's grants, makes the connection (or
 *     the listening socket) in the host's network from that copy, and puts
 *     the new socket in place of the program's at the same descriptor
 *     number (SECCOMP_IOCTL_NOTIF_ADDFD). Another thread of the program
 *     rewriting the address meanwhile changes nothing: the kernel never
 *     reads it again. The program's own sockets live in its empty network
 *     namespace, so only a socket the runtime made reaches the host's.
 *   - Everything else is refused with EPERM: UDP and Unix-socket
 *     connections, which the runtime does not broker, and a destination no
 *     rule grants. A bind of another family (a Unix socket in its own file
 *     system) is left to the kernel, where it concerns only the cell.
 *
 * A blocking connect is answered when the connection is made (the runtime
 * waits in its reactor, not in a thread); a non-blocking one at once, with
 * EINPROGRESS, as the kernel would. */
#ifndef MINOS_NATIVE_BROKER_H
#define MINOS_NATIVE_BROKER_H

#include <stddef.h>

#include "core/reactor.h"
#include "net/rule.h"

typedef struct call_broker call_broker;

typedef struct call_broker_config {
  int listener; /* the filter's listener: the broker takes it */
  int pidfd;    /* the cell's first process, killed at a refused call; the caller's */
  /* TCP rules only (native_arch refuses others); they must outlive the broker. */
  const net_rule *connect_rules;
  size_t connect_rule_count;
  const net_rule *listen_rules;
  size_t listen_rule_count;
} call_broker_config;

minos_status call_broker_start(reactor *reactor, const call_broker_config *config,
                               call_broker **out);
/* The refused call that ended the cell ("mount"), or "" if none. */
void call_broker_refused_call(call_broker *broker, char *name, size_t size);
/* Stops answering (calls still waiting fail with ENOSYS), closes every
 * connection still being made, frees it. From any thread but the reactor's. */
void call_broker_stop(call_broker *broker);

#endif
