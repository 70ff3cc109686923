/* SPDX-License-Identifier: Apache-2.0 */
/* Network rules: parsing and its errors, formatting back, overlaps, and
 * matching socket addresses of every family. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "net/rule.h"
#include "check.h"



static net_rule parsed(const char *text) {
  net_rule rule;
  char error[160];
  if (!net_rule_parse(text, &rule, error, sizeof error)) {
    fprintf(stderr, "cannot parse %s: %s\n", text, error);
    failures++;
  }
  return rule;
}

/* Parses and formats back: the text must come out as written. */
static void check_round_trip(const char *text) {
  net_rule rule = parsed(text);
  char formatted[160];
  net_rule_format(&rule, formatted, sizeof formatted);
  if (strcmp(formatted, text) != 0) {
    fprintf(stderr, "%s formats as %s\n", text, formatted);
    failures++;
  }
}

/* The rule is refused, with an error that contains `expected`. */
static void check_refused(const char *text, const char *expected) {
  net_rule rule;
  char error[160] = "";
  if (net_rule_parse(text, &rule, error, sizeof error)) {
    fprintf(stderr, "%s was accepted\n", text);
    failures++;
  } else if (!strstr(error, expected)) {
    fprintf(stderr, "%s: error \"%s\" lacks \"%s\"\n", text, error, expected);
    failures++;
  }
}

static void test_parse(void) {
  check_round_trip("tcp:127.0.0.1:8080");
  check_round_trip("tcp:10.0.0.0/8:443");
  check_round_trip("tcp:[::1]:9000-9010");
  check_round_trip("tcp:[fd00::]/8:80");
  check_round_trip("udp:0.0.0.0/0:53");
  check_round_trip("tcp:*:8080");
  check_round_trip("unix:/run/app.sock");
  net_rule rule = parsed("tcp:[::1]:9000-9010");
  CHECK(rule.protocol == NET_TCP && rule.family == AF_INET6 && rule.prefix_bits == 128);
  CHECK(rule.port_low == 9000 && rule.port_high == 9010);
  rule = parsed("udp:10.1.0.0/16:53");
  CHECK(rule.protocol == NET_UDP && rule.family == AF_INET && rule.prefix_bits == 16);
  CHECK(rule.address[0] == 10 && rule.address[1] == 1 && rule.address[2] == 0);
  rule = parsed("tcp:*:1");
  CHECK(rule.family == AF_UNSPEC && rule.port_low == 1 && rule.port_high == 1);
  rule = parsed("unix:/run/app.sock");
  CHECK(rule.family == AF_UNIX && strcmp(rule.path, "/run/app.sock") == 0);

  check_refused("127.0.0.1:80", "unknown protocol");
  check_refused("ftp:1.2.3.4:21", "unknown protocol \"ftp\"");
  check_refused("tcp", "no protocol");
  check_refused("tcp:1.2.3.4", "no port");
  check_refused("tcp:[::1]", "no port");
  check_refused("tcp:localhost:80", "\"localhost\" is not an IPv4 address");
  check_refused("tcp:1.2.3:80", "not an IPv4 address");
  check_refused("tcp:[::g]:80", "not an IPv6 address");
  check_refused("tcp:::1:80", "not an IPv4 address");
  check_refused("tcp:10.0.0.0/33:80", "not a prefix length (/0 to /32)");
  check_refused("tcp:[::]/129:80", "not a prefix length (/0 to /128)");
  check_refused("tcp:10.0.0.1/8:80", "bits set beyond its prefix");
  check_refused("tcp:1.2.3.4:0", "not a port");
  check_refused("tcp:1.2.3.4:65536", "not a port");
  check_refused("tcp:1.2.3.4:http", "not a port");
  check_refused("tcp:1.2.3.4:-80", "not a port");
  check_refused("tcp:1.2.3.4:90-80", "ends before it starts");
  check_refused("unix:run/app.sock", "not an absolute path");
  char long_path[200] = "unix:/";
  memset(long_path + 6, 'x', 150);
  long_path[156] = '\0';
  check_refused(long_path, "longer than 107 bytes");
}

static bool overlap(const char *a, const char *b) {
  net_rule first = parsed(a), second = parsed(b);
  bool forward = net_rules_overlap(&first, &second), backward = net_rules_overlap(&second, &first);
  CHECK(forward == backward);
  return forward;
}

static void test_overlap(void) {
  CHECK(overlap("tcp:10.0.0.0/8:443", "tcp:10.1.2.3:443"));
  CHECK(overlap("tcp:10.1.2.3:443", "tcp:10.1.2.3:443"));
  CHECK(!overlap("tcp:10.0.0.0/8:443", "tcp:11.0.0.1:443"));
  CHECK(!overlap("tcp:10.0.0.0/8:443", "tcp:10.1.2.3:80"));
  CHECK(!overlap("tcp:10.0.0.0/8:443", "udp:10.1.2.3:443"));
  CHECK(overlap("tcp:1.2.3.4:8000-8010", "tcp:1.2.3.4:8010-8020"));
  CHECK(!overlap("tcp:1.2.3.4:8000-8010", "tcp:1.2.3.4:8011-8020"));
  CHECK(overlap("tcp:*:8080", "tcp:[::1]:8080"));
  CHECK(overlap("tcp:*:8080", "tcp:127.0.0.1:8080"));
  CHECK(!overlap("tcp:[::1]:8080", "tcp:127.0.0.1:8080"));
  CHECK(overlap("tcp:[::ffff:10.0.0.0]/104:80", "tcp:10.9.9.9:80"));
  CHECK(overlap("tcp:[::]/0:80", "tcp:10.9.9.9:80"));
  CHECK(overlap("tcp:0.0.0.0/0:80", "tcp:10.9.9.9:80"));
  CHECK(overlap("tcp:10.0.0.0/9:80", "tcp:10.127.0.0/16:80"));
  CHECK(!overlap("tcp:10.0.0.0/9:80", "tcp:10.128.0.0/16:80"));
  CHECK(overlap("tcp:[fd00::]/8:80", "tcp:[fdff::1]:80"));
  CHECK(!overlap("tcp:[fd00::]/8:80", "tcp:[fe00::1]:80"));
  CHECK(overlap("unix:/run/a.sock", "unix:/run/a.sock"));
  CHECK(!overlap("unix:/run/a.sock", "unix:/run/b.sock"));
}

static bool allows_ipv4(const char *rule_text, net_protocol protocol, const char *address,
                        uint16_t port) {
  net_rule rule = parsed(rule_text);
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, address, &peer.sin_addr);
  return net_rules_allow(&rule, 1, protocol, (const struct sockaddr *)&peer, sizeof peer);
}

static bool allows_ipv6(const char *rule_text, const char *address, uint16_t port) {
  net_rule rule = parsed(rule_text);
  struct sockaddr_in6 peer = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
  inet_pton(AF_INET6, address, &peer.sin6_addr);
  return net_rules_allow(&rule, 1, NET_TCP, (const struct sockaddr *)&peer, sizeof peer);
}

static bool allows_path(const char *rule_text, const char *path, socklen_t length) {
  net_rule rule = parsed(rule_text);
  struct sockaddr_un peer = {.sun_family = AF_UNIX};
  memcpy(peer.sun_path, path, strlen(path));
  return net_rules_allow(&rule, 1, NET_UNIX, (const struct sockaddr *)&peer, length);
}

static void test_allow(void) {
  CHECK(allows_ipv4("tcp:127.0.0.1:8080", NET_TCP, "127.0.0.1", 8080));
  CHECK(!allows_ipv4("tcp:127.0.0.1:8080", NET_TCP, "127.0.0.2", 8080));
  CHECK(!allows_ipv4("tcp:127.0.0.1:8080", NET_TCP, "127.0.0.1", 8081));
  CHECK(!allows_ipv4("tcp:127.0.0.1:8080", NET_UDP, "127.0.0.1", 8080));
  CHECK(allows_ipv4("udp:10.0.0.0/8:53", NET_UDP, "10.200.3.4", 53));
  CHECK(!allows_ipv4("udp:10.0.0.0/8:53", NET_UDP, "11.0.0.1", 53));
  CHECK(allows_ipv4("tcp:1.2.3.4:9000-9010", NET_TCP, "1.2.3.4", 9010));
  CHECK(!allows_ipv4("tcp:1.2.3.4:9000-9010", NET_TCP, "1.2.3.4", 9011));
  CHECK(allows_ipv4("tcp:*:80", NET_TCP, "8.8.8.8", 80));
  CHECK(allows_ipv6("tcp:*:80", "2001:db8::1", 80));
  CHECK(allows_ipv6("tcp:[::1]:9000-9010", "::1", 9005));
  CHECK(!allows_ipv6("tcp:[::1]:9000-9010", "::2", 9005));
  CHECK(allows_ipv6("tcp:[fd00::]/8:80", "fd12::34", 80));
  /* An IPv4 peer seen through a dual-stack socket matches IPv4 rules. */
  CHECK(allows_ipv6("tcp:10.0.0.0/8:80", "::ffff:10.1.2.3", 80));
  CHECK(!allows_ipv6("tcp:10.0.0.0/8:80", "::ffff:11.1.2.3", 80));
  CHECK(!allows_ipv6("tcp:127.0.0.1:80", "::1", 80));
  CHECK(!allows_ipv4("tcp:[::1]:80", NET_TCP, "127.0.0.1", 80));

  socklen_t full = sizeof(struct sockaddr_un);
  CHECK(allows_path("unix:/run/app.sock", "/run/app.sock", full));
  CHECK(!allows_path("unix:/run/app.sock", "/run/app.sockx", full));
  CHECK(!allows_path("unix:/run/app.sock", "/run/app", full));
  /* The length counts: a shorter address names a shorter path. */
  socklen_t cut = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen("/run/app"));
  CHECK(!allows_path("unix:/run/app.sock", "/run/app.sock", cut));
  CHECK(!allows_path("unix:/run/app.sock", "\0/run/app.sock", full));
  CHECK(!allows_ipv4("unix:/run/app.sock", NET_TCP, "127.0.0.1", 80));

  net_rule rules[2] = {parsed("tcp:10.0.0.1:80"), parsed("tcp:10.0.0.2:443")};
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(443)};
  inet_pton(AF_INET, "10.0.0.2", &peer.sin_addr);
  CHECK(net_rules_allow(rules, 2, NET_TCP, (const struct sockaddr *)&peer, sizeof peer));
  CHECK(!net_rules_allow(rules, 1, NET_TCP, (const struct sockaddr *)&peer, sizeof peer));
  CHECK(!net_rules_allow(rules, 2, NET_TCP, (const struct sockaddr *)&peer, 4));
  CHECK(!net_rules_allow(rules, 2, NET_TCP, NULL, 0));
}

int main(void) {
  test_parse();
  test_overlap();
  test_allow();
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("net rules: all checks passed\n");
  return 0;
}
