/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a metrics request's head: see http_request.h. Strict where
 * leniency could let a request be read two ways (a header line without a
 * colon, a folded line, spaces in the request line), lenient where
 * clients differ harmlessly (a bare LF ends a line, blank lines before a
 * request are skipped, as RFC 9112 section 2.2 allows). */
#include "control/http_request.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

typedef struct text {
  const char *at;
  size_t length;
} text;

/* RFC 9110's tchar: what a method or a header's name is made of. */
static bool token_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool token(text word) {
  if (word.length == 0) return false;
  for (size_t i = 0; i < word.length; i++)
    if (!token_char((unsigned char)word.at[i])) return false;
  return true;
}

static bool equals(text word, const char *literal) {
  return word.length == strlen(literal) && memcmp(word.at, literal, word.length) == 0;
}

static bool equals_ignoring_case(text word, const char *literal) {
  return word.length == strlen(literal) && strncasecmp(word.at, literal, word.length) == 0;
}

/* The line at `at` without its CR LF (or bare LF); false if no LF came yet. */
static bool next_line(const char *at, const char *end, text *line, const char **after) {
  const char *newline = memchr(at, '\n', (size_t)(end - at));
  if (!newline) return false;
  *line = (text){at, (size_t)(newline - at)};
  if (line->length && at[line->length - 1] == '\r') line->length--;
  *after = newline + 1;
  return true;
}

/* The path a target names, without its query: "/metrics?x" and the
 * absolute form "http://host:9464/metrics" both name "/metrics". */
static text target_path(text target) {
  if (target.length > 7 && strncasecmp(target.at, "http://", 7) == 0) {
    const char *slash = memchr(target.at + 7, '/', target.length - 7);
    if (!slash) return (text){"/", 1};
    target = (text){slash, target.length - (size_t)(slash - target.at)};
  }
  const char *query = memchr(target.at, '?', target.length);
  if (query) target.length = (size_t)(query - target.at);
  return target;
}

static bool visible(text word) {
  if (word.length == 0) return false;
  for (size_t i = 0; i < word.length; i++)
    if ((unsigned char)word.at[i] <= 0x20 || (unsigned char)word.at[i] >= 0x7f) return false;
  return true;
}

/* "METHOD SP TARGET SP HTTP/D.D": false if it is not one. Otherwise the
 * status it earns on its own (505, 405, 404 or 200) and its defaults. */
static bool read_request_line(text line, http_request *request) {
  const char *first = memchr(line.at, ' ', line.length);
  if (!first) return false;
  const char *second = memchr(first + 1, ' ', line.length - (size_t)(first + 1 - line.at));
  if (!second) return false;
  text method = {line.at, (size_t)(first - line.at)};
  text target = {first + 1, (size_t)(second - first - 1)};
  text version = {second + 1, line.length - (size_t)(second + 1 - line.at)};
  bool digits = version.length == 8 && version.at[5] >= '0' && version.at[5] <= '9' &&
                version.at[6] == '.' && version.at[7] >= '0' && version.at[7] <= '9';
  if (!token(method) || !visible(target) || !digits || memcmp(version.at, "HTTP/", 5) != 0)
    return false;
  bool one_one = equals(version, "HTTP/1.1");
  request->keep_alive = one_one;
  request->head_only = equals(method, "HEAD");
  if (!one_one && !equals(version, "HTTP/1.0")) request->status = 505;
  else if (!equals(method, "GET") && !request->head_only) request->status = 405;
  else if (!equals(target_path(target), "/metrics")) request->status = 404;
  else request->status = 200;
  return true;
}

/* Connection: a comma-separated list of options, any case. */
static void read_connection(text value, http_request *request) {
  while (value.length) {
    const char *comma = memchr(value.at, ',', value.length);
    text option = {value.at, comma ? (size_t)(comma - value.at) : value.length};
    value = comma ? (text){comma + 1, value.length - option.length - 1} : (text){value.at, 0};
    while (option.length && strchr(" \t", *option.at)) option.at++, option.length--;
    while (option.length && strchr(" \t", option.at[option.length - 1])) option.length--;
    if (equals_ignoring_case(option, "close")) request->keep_alive = false;
    else if (equals_ignoring_case(option, "keep-alive")) request->keep_alive = true;
  }
}

/* Whether a header's value (leading spaces gone) is 0, 00... */
static bool zero(text value) {
  while (value.length && (value.at[value.length - 1] == ' ' || value.at[value.length - 1] == '\t'))
    value.length--;
  if (value.length == 0) return false;
  for (size_t i = 0; i < value.length; i++)
    if (value.at[i] != '0') return false;
  return true;
}

/* "Name: value": false if the line is not a header (no colon, a name
 * that is not a token, a folded continuation, a control character). A
 * request with a body (not read here) ends its connection. */
static bool read_header(text line, http_request *request, bool *closes) {
  const char *colon = memchr(line.at, ':', line.length);
  if (!colon || !token((text){line.at, (size_t)(colon - line.at)})) return false;
  text name = {line.at, (size_t)(colon - line.at)};
  text value = {colon + 1, line.length - name.length - 1};
  for (size_t i = 0; i < value.length; i++) {
    unsigned char c = (unsigned char)value.at[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  while (value.length && (*value.at == ' ' || *value.at == '\t')) value.at++, value.length--;
  if (equals_ignoring_case(name, "Connection")) read_connection(value, request);
  else if (equals_ignoring_case(name, "Transfer-Encoding")) *closes = true;
  else if (equals_ignoring_case(name, "Content-Length") && !zero(value)) *closes = true;
  return true;
}

static size_t refuse(http_request *request, int status, size_t length) {
  *request = (http_request){.status = status};
  return length;
}

size_t http_request_read(const char *bytes, size_t length, size_t limit, http_request *request) {
  const char *end = bytes + length, *at = bytes;
  *request = (http_request){.status = 400};
  if (memchr(bytes, '\0', length)) return refuse(request, 400, length);
  while (at < end && (*at == '\r' || *at == '\n')) at++; /* blank lines before a request */
  text line;
  const char *after;
  if (!next_line(at, end, &line, &after))
    return length >= limit ? refuse(request, 431, length) : 0;
  if (!read_request_line(line, request)) return refuse(request, 400, length);
  bool closes = false;
  for (;;) {
    if (!next_line(after, end, &line, &after))
      return length >= limit ? refuse(request, 431, length) : 0;
    if (line.length == 0) break;
    if (!read_header(line, request, &closes)) return refuse(request, 400, length);
  }
  if (closes || (request->status != 200 && request->status != 404)) request->keep_alive = false;
  return (size_t)(after - bytes);
}
