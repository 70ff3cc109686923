/* SPDX-License-Identifier: Apache-2.0 */
/* Network rules. Addresses are compared in one 128-bit space, IPv4 ones
 * as IPv4-mapped IPv6 addresses (::ffff:a.b.c.d): an IPv4 rule admits an
 * IPv4 peer seen through a dual-stack IPv6 socket, and an IPv6 rule that
 * covers the mapped range ("[::]/0") admits IPv4 peers too, as a
 * dual-stack socket bound to it would. */
#include "net/rule.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define MAPPED_PREFIX_BITS 96 /* ::ffff:0:0/96 holds the IPv4 addresses */

static const char *const protocol_names[] = {"tcp", "udp", "unix"};

static bool fail(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(char *error, size_t error_size, const char *format, ...) {
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(error, error_size, format, arguments);
  va_end(arguments);
  return false;
}

/* "N": 1 to 65535, digits only. */
static bool parse_port(const char *text, size_t length, uint16_t *port) {
  if (length == 0 || length > 5 || strspn(text, "0123456789") < length) return false;
  unsigned long value = strtoul(text, NULL, 10);
  if (value < 1 || value > 65535) return false;
  *port = (uint16_t)value;
  return true;
}

/* "N" or "N-M". */
static bool parse_ports(const char *text, net_rule *rule, char *error, size_t error_size) {
  const char *dash = strchr(text, '-');
  size_t low_length = dash ? (size_t)(dash - text) : strlen(text);
  if (!parse_port(text, low_length, &rule->port_low) ||
      (dash && !parse_port(dash + 1, strlen(dash + 1), &rule->port_high)))
    return fail(error, error_size, "\"%s\" is not a port or port range (1 to 65535, or N-M)",
                text);
  if (!dash) rule->port_high = rule->port_low;
  if (rule->port_high < rule->port_low)
    return fail(error, error_size, "the port range \"%s\" ends before it starts", text);
  return true;
}

static bool host_bits_clear(const uint8_t *address, unsigned prefix_bits, unsigned total_bits) {
  for (unsigned bit = prefix_bits; bit < total_bits; bit++)
    if (address[bit / 8] & (0x80 >> (bit % 8))) return false;
  return true;
}

/* "/n" after an address, or nothing (one address). */
static bool parse_prefix(const char *text, unsigned total_bits, unsigned *prefix_bits) {
  if (!*text) {
    *prefix_bits = total_bits;
    return true;
  }
  size_t digits = strspn(text + 1, "0123456789");
  if (text[0] != '/' || digits == 0 || digits > 3 || text[1 + digits]) return false;
  *prefix_bits = (unsigned)strtoul(text + 1, NULL, 10);
  return *prefix_bits <= total_bits;
}

/* "a.b.c.d", "a.b.c.d/n", "[v6]", "[v6]/n" or "*". */
static bool parse_address(const char *text, net_rule *rule, char *error, size_t error_size) {
  if (strcmp(text, "*") == 0) {
    rule->family = AF_UNSPEC;
    return true;
  }
  char address[64];
  const char *end = text[0] == '[' ? strchr(text, ']') : text + strcspn(text, "/");
  const char *start = text[0] == '[' ? text + 1 : text;
  if (!end || (size_t)(end - start) >= sizeof address)
    return fail(error, error_size, "\"%s\" is not an address (write a.b.c.d, [IPv6] or *)", text);
  snprintf(address, sizeof address, "%.*s", (int)(end - start), start);
  rule->family = text[0] == '[' ? AF_INET6 : AF_INET;
  unsigned total_bits = rule->family == AF_INET ? 32 : 128;
  if (inet_pton(rule->family, address, rule->address) != 1)
    return fail(error, error_size,
                rule->family == AF_INET ? "\"%s\" is not an IPv4 address (write a.b.c.d, "
                                          "[IPv6] or *)"
                                        : "\"%s\" is not an IPv6 address",
                address);
  const char *prefix = end + (text[0] == '[');
  if (!parse_prefix(prefix, total_bits, &rule->prefix_bits))
    return fail(error, error_size,
                rule->family == AF_INET ? "\"%s\" is not a prefix length (/0 to /32)"
                                        : "\"%s\" is not a prefix length (/0 to /128)",
                prefix);
  if (!host_bits_clear(rule->address, rule->prefix_bits, total_bits))
    return fail(error, error_size, "%s has address bits set beyond its prefix length", text);
  return true;
}

static bool parse_unix(const char *path, net_rule *rule, char *error, size_t error_size) {
  rule->family = AF_UNIX;
  if (path[0] != '/') return fail(error, error_size, "\"%s\" is not an absolute path", path);
  if (strlen(path) >= sizeof rule->path)
    return fail(error, error_size, "the path is longer than %zu bytes", sizeof rule->path - 1);
  snprintf(rule->path, sizeof rule->path, "%s", path);
  return true;
}

bool net_rule_parse(const char *text, net_rule *rule, char *error, size_t error_size) {
  memset(rule, 0, sizeof *rule);
  const char *colon = strchr(text, ':');
  if (!colon)
    return fail(error, error_size, "%s", "it has no protocol (write tcp:ADDRESS:PORT, "
                                         "udp:ADDRESS:PORT or unix:/PATH)");
  size_t protocol_length = (size_t)(colon - text);
  size_t protocol = 0;
  while (protocol < 3 && (strlen(protocol_names[protocol]) != protocol_length ||
                          strncmp(text, protocol_names[protocol], protocol_length) != 0))
    protocol++;
  if (protocol == 3) {
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)protocol_length, text);
    return fail(error, error_size, "unknown protocol \"%s\" (use tcp, udp or unix)", name);
  }
  rule->protocol = (net_protocol)protocol;
  const char *rest = colon + 1;
  if (rule->protocol == NET_UNIX) return parse_unix(rest, rule, error, error_size);
  /* The port follows the last colon, after any bracketed IPv6 address. */
  const char *bracket = rest[0] == '[' ? strchr(rest, ']') : NULL;
  const char *port = strrchr(bracket ? bracket : rest, ':');
  if (!port) return fail(error, error_size, "%s", "it has no port (write ADDRESS:PORT)");
  char address[80];
  if ((size_t)(port - rest) >= sizeof address)
    return fail(error, error_size, "%s", "the address is too long");
  snprintf(address, sizeof address, "%.*s", (int)(port - rest), rest);
  return parse_address(address, rule, error, error_size) &&
         parse_ports(port + 1, rule, error, error_size);
}

void net_rule_format(const net_rule *rule, char *text, size_t size) {
  const char *protocol = protocol_names[rule->protocol <= NET_UNIX ? rule->protocol : 0];
  if (rule->family == AF_UNIX) {
    snprintf(text, size, "%s:%s", protocol, rule->path);
    return;
  }
  char address[INET6_ADDRSTRLEN + 8] = "*", prefix[8] = "", ports[16];
  unsigned total_bits = rule->family == AF_INET ? 32 : 128;
  if (rule->family == AF_INET || rule->family == AF_INET6) {
    char written[INET6_ADDRSTRLEN];
    inet_ntop(rule->family, rule->address, written, sizeof written);
    snprintf(address, sizeof address, rule->family == AF_INET ? "%s" : "[%s]", written);
    if (rule->prefix_bits != total_bits) snprintf(prefix, sizeof prefix, "/%u", rule->prefix_bits);
  }
  if (rule->port_low == rule->port_high)
    snprintf(ports, sizeof ports, "%u", rule->port_low);
  else
    snprintf(ports, sizeof ports, "%u-%u", rule->port_low, rule->port_high);
  snprintf(text, size, "%s:%s%s:%s", protocol, address, prefix, ports);
}

/* The rule's address block in the 128-bit space. */
static void block_of(const net_rule *rule, uint8_t address[16], unsigned *prefix_bits) {
  if (rule->family == AF_INET6) {
    memcpy(address, rule->address, 16);
    *prefix_bits = rule->prefix_bits;
    return;
  }
  memset(address, 0, 10);
  address[10] = address[11] = 0xff;
  memcpy(address + 12, rule->address, 4);
  *prefix_bits = MAPPED_PREFIX_BITS + rule->prefix_bits;
}

static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned bits) {
  if (memcmp(a, b, bits / 8) != 0) return false;
  if (bits % 8 == 0) return true;
  uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
  return (a[bits / 8] & mask) == (b[bits / 8] & mask);
}

bool net_rules_overlap(const net_rule *a, const net_rule *b) {
  if (a->protocol != b->protocol) return false;
  if (a->protocol == NET_UNIX) return strcmp(a->path, b->path) == 0;
  if (a->port_low > b->port_high || b->port_low > a->port_high) return false;
  if (a->family == AF_UNSPEC || b->family == AF_UNSPEC) return true;
  uint8_t a_block[16], b_block[16];
  unsigned a_bits, b_bits;
  block_of(a, a_block, &a_bits);
  block_of(b, b_block, &b_bits);
  return same_prefix(a_block, b_block, a_bits < b_bits ? a_bits : b_bits);
}

static bool allows_path(const net_rule *rules, size_t count, const struct sockaddr *address,
                        socklen_t length) {
  const struct sockaddr_un *local = (const struct sockaddr_un *)address;
  size_t offset = offsetof(struct sockaddr_un, sun_path);
  /* Unnamed and abstract sockets have no path a rule could name. */
  if (length <= offset || local->sun_path[0] == '\0') return false;
  size_t room = (size_t)length - offset;
  if (room > sizeof local->sun_path) room = sizeof local->sun_path;
  size_t path_length = strnlen(local->sun_path, room);
  for (size_t i = 0; i < count; i++)
    if (rules[i].protocol == NET_UNIX && strlen(rules[i].path) == path_length &&
        memcmp(rules[i].path, local->sun_path, path_length) == 0)
      return true;
  return false;
}

/* The socket address in the 128-bit space, and its port; false if it is
 * not an IP address. */
static bool ip_of(const struct sockaddr *address, socklen_t length, uint8_t block[16],
                  uint16_t *port) {
  if (address->sa_family == AF_INET && length >= (socklen_t)sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *ipv4 = (const struct sockaddr_in *)address;
    net_rule as_rule = {.family = AF_INET, .prefix_bits = 32};
    unsigned bits;
    memcpy(as_rule.address, &ipv4->sin_addr, 4);
    block_of(&as_rule, block, &bits);
    *port = ntohs(ipv4->sin_port);
    return true;
  }
  if (address->sa_family == AF_INET6 && length >= (socklen_t)sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *ipv6 = (const struct sockaddr_in6 *)address;
    memcpy(block, &ipv6->sin6_addr, 16);
    *port = ntohs(ipv6->sin6_port);
    return true;
  }
  return false;
}

bool net_rules_allow(const net_rule *rules, size_t count, net_protocol protocol,
                     const struct sockaddr *address, socklen_t length) {
  if (!address || length < (socklen_t)sizeof address->sa_family) return false;
  if (address->sa_family == AF_UNIX)
    return protocol == NET_UNIX && allows_path(rules, count, address, length);
  uint8_t block[16];
  uint16_t port;
  if (protocol == NET_UNIX || !ip_of(address, length, block, &port)) return false;
  for (size_t i = 0; i < count; i++) {
    const net_rule *rule = &rules[i];
    if (rule->protocol != protocol || rule->family == AF_UNIX) continue;
    if (port < rule->port_low || port > rule->port_high) continue;
    if (rule->family == AF_UNSPEC) return true;
    uint8_t rule_block[16];
    unsigned bits;
    block_of(rule, rule_block, &bits);
    if (same_prefix(block, rule_block, bits)) return true;
  }
  return false;
}
