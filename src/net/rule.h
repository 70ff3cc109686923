/* SPDX-License-Identifier: Apache-2.0 */
/* Network grants: which destinations a cell may connect to and which
 * addresses it may listen on. A rule is written as text in a spec,
 *   tcp:127.0.0.1:8080      one address, one port
 *   tcp:10.0.0.0/8:443      a CIDR block
 *   tcp:[::1]:9000-9010     IPv6 and a port range
 *   udp:0.0.0.0/0:53        any IPv4 address, one port
 *   tcp:*:8080              any address, IPv4 or IPv6
 *   unix:/run/app.sock      a Unix socket path (exact)
 * and parsed once; checking a connection against the rules is a few
 * comparisons. Nothing matches unless a rule says so. */
#ifndef MINOS_NET_RULE_H
#define MINOS_NET_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef enum net_protocol { NET_TCP, NET_UDP, NET_UNIX } net_protocol;

typedef struct net_rule {
  net_protocol protocol;
  int family;            /* AF_INET, AF_INET6, AF_UNSPEC (any address) or AF_UNIX */
  uint8_t address[16];   /* network order; IPv4 in the first 4 bytes */
  unsigned prefix_bits;  /* CIDR prefix: 32 or 128 for one address */
  uint16_t port_low, port_high;
  char path[108];        /* AF_UNIX */
} net_rule;

/* Parses rule text; on failure, error says what is wrong with it. */
bool net_rule_parse(const char *text, net_rule *rule, char *error, size_t error_size);
/* The rule as text, in the form it was parsed from. */
void net_rule_format(const net_rule *rule, char *text, size_t size);
/* Whether two rules admit a common destination (same protocol, address
 * ranges and port ranges intersect). */
bool net_rules_overlap(const net_rule *a, const net_rule *b);
/* Whether any of the rules admits this socket address. */
bool net_rules_allow(const net_rule *rules, size_t count, net_protocol protocol,
                     const struct sockaddr *address, socklen_t length);

#endif
