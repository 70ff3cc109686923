/* SPDX-License-Identifier: Apache-2.0 */
/* core/escape.c: what hostile text becomes when printed; and core/log.c:
 * a log line is one line whatever its name and message hold, in each
 * format, and the log file is opened again when asked (SIGHUP). */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/escape.h"
#include "core/log.h"

static bool escapes_to(const char *in, size_t length, const char *expected) {
  char out[256];
  size_t needed = escape_text(out, sizeof out, in, length);
  if (strcmp(out, expected) == 0 && needed == strlen(expected)) return true;
  printf("escaped to \"%s\" (%zu), expected \"%s\"\n", out, needed, expected);
  return false;
}

static void test_escape_text(void) {
  CHECK(escapes_to("plain text", 10, "plain text"));
  CHECK(escapes_to("a\nb\rc\td", 7, "a\\x0ab\\x0dc\\x09d"));
  CHECK(escapes_to("\x1b[2J", 4, "\\x1b[2J"));
  CHECK(escapes_to("nul\0byte", 8, "nul\\x00byte"));
  CHECK(escapes_to("del\x7f", 4, "del\\x7f"));
  CHECK(escapes_to("back\\slash", 10, "back\\\\slash"));
  CHECK(escapes_to("caf\xc3\xa9 \xe2\x80\xa6", 9, "caf\xc3\xa9 \xe2\x80\xa6")); /* UTF-8 stays */
  CHECK(escapes_to("c1 \xc2\x9b", 5, "c1 \\xc2\\x9b"));        /* CSI as a C1 control */
  CHECK(escapes_to("\xe2\x80\xae" "abc", 6, "\\xe2\\x80\\xaeabc")); /* right-to-left override */
  CHECK(escapes_to("\xe2\x80\xa8", 3, "\\xe2\\x80\\xa8"));         /* line separator */
  CHECK(escapes_to("bad \xff\xc3", 6, "bad \\xff\\xc3"));       /* not UTF-8; cut sequence */
  CHECK(escapes_to("\xc0\xaf", 2, "\\xc0\\xaf"));               /* overlong '/' */
  CHECK(escapes_to("\xed\xa0\x80", 3, "\\xed\\xa0\\x80"));      /* a surrogate */
  /* Cut at a whole escape, and the whole length still told. */
  char small[8];
  CHECK(escape_text(small, sizeof small, "ab\ncd", 5) == 8);
  CHECK(strcmp(small, "ab\\x0ac") == 0);
  CHECK(escape_text(small, 3, "\n", 1) == 4 && small[0] == '\0');
  /* The log's form leaves backslashes, so text escaped once (a module's
   * names in an error string) does not show doubled. */
  char unsafe[64];
  CHECK(escape_unsafe(unsafe, sizeof unsafe, "a\\x0d\r\\b", 8) == 11);
  CHECK(strcmp(unsafe, "a\\x0d\\x0d\\b") == 0);
  char name[32];
  CHECK(strcmp(escape_string(name, sizeof name, "k\rv"), "k\\x0dv") == 0);
  CHECK(strcmp(escape_string(name, sizeof name, NULL), "") == 0);
}

static bool json_escapes_to(const char *in, size_t length, const char *expected) {
  char out[256];
  size_t needed = escape_json(out, sizeof out, in, length);
  if (strcmp(out, expected) == 0 && needed == strlen(expected)) return true;
  printf("escaped to \"%s\" (%zu), expected \"%s\"\n", out, needed, expected);
  return false;
}

/* JSON strings: RFC 8259's escapes, the unsafe code points as \uXXXX, and
 * bytes that are not UTF-8 as the text \xNN. */
static void test_escape_json(void) {
  CHECK(json_escapes_to("plain caf\xc3\xa9", 11, "plain caf\xc3\xa9"));
  CHECK(json_escapes_to("a\"b\\c", 5, "a\\\"b\\\\c"));
  CHECK(json_escapes_to("\n\r\x1b[2J\x7f", 7, "\\u000a\\u000d\\u001b[2J\\u007f"));
  CHECK(json_escapes_to("nul\0", 4, "nul\\u0000"));
  CHECK(json_escapes_to("\xc2\x85\xe2\x80\xae\xe2\x80\xa8", 8, "\\u0085\\u202e\\u2028"));
  CHECK(json_escapes_to("bad \xff\xe2\x82", 7, "bad \\\\xff\\\\xe2\\\\x82"));
  CHECK(json_escapes_to("\xed\xa0\x80", 3, "\\\\xed\\\\xa0\\\\x80")); /* a surrogate */
  /* At most six bytes out for each byte in. */
  char every[256], out[6 * 256 + 1];
  for (int i = 0; i < 256; i++) every[i] = (char)i;
  CHECK(escape_json(out, sizeof out, every, sizeof every) <= 6 * sizeof every);
}

/* What the log wrote to a pipe, NUL-terminated; the pipe's read end is
 * non-blocking, so nothing written reads as "". */
static size_t drain(int fd, char *out, size_t size) {
  ssize_t got = read(fd, out, size - 1);
  out[got > 0 ? got : 0] = '\0';
  return got > 0 ? (size_t)got : 0;
}

/* The flooder's events in drained text: those that went out, and those
 * its "dropped N events" lines say were dropped. */
static void tally(const char *text, unsigned long long *admitted, unsigned long long *dropped) {
  for (const char *line = text; *line;) {
    unsigned long long count;
    if (strncmp(line, "minos: flooder/child: cnew: refused ", 36) == 0 &&
        strncmp(line + 36, "again", 5) != 0)
      (*admitted)++;
    else if (sscanf(line, "minos: flooder/child: dropped %llu events", &count) == 1)
      *dropped += count;
    const char *end = strchr(line, '\n');
    line = end ? end + 1 : line + strlen(line);
  }
}

static size_t count_newlines(const char *text) {
  size_t count = 0;
  for (; *text; text++) count += *text == '\n';
  return count;
}

static void test_log_lines(void) {
  int ends[2];
  CHECK(pipe(ends) == 0 && fcntl(ends[0], F_SETFL, O_NONBLOCK) == 0);
  char got[70000];
  log_set_destination(ends[1], LOG_FORMAT_PLAIN);
  log_set_level(LOG_INFO);
  log_message(LOG_ERROR, "cell\n2026-01-01 minos", "refused import \"%s\"",
              "x\r2026-01-01T00:00:00.000000 minos: forged\n\x1b[2J");
  drain(ends[0], got, sizeof got);
  CHECK(count_newlines(got) == 1);
  CHECK(strcmp(got, "minos: cell\\x0a2026-01-01 minos: refused import "
                    "\"x\\x0d2026-01-01T00:00:00.000000 minos: forged\\x0a\\x1b[2J\"\n") == 0);
  log_output("kv#1", "stderr", "a\0b\rc", 5, " (ending)");
  drain(ends[0], got, sizeof got);
  CHECK(strcmp(got, "minos: kv#1: stderr: a\\x00b\\x0dc (ending)\n") == 0);
  /* A message of newlines grows fourfold and is cut, still one line. */
  char many[3000];
  memset(many, '\n', sizeof many - 1);
  many[sizeof many - 1] = '\0';
  log_message(LOG_WARN, NULL, "%s", many);
  size_t length = drain(ends[0], got, sizeof got);
  CHECK(count_newlines(got) == 1 && got[length - 1] == '\n');
  CHECK(length > 4 * (LOG_MESSAGE_MAX - 8) && strncmp(got, "minos: \\x0a", 11) == 0);
  log_message(LOG_DEBUG, NULL, "not shown at LOG_INFO");
  log_output("w", "stdout", "", 0, NULL);
  drain(ends[0], got, sizeof got);
  CHECK(strcmp(got, "minos: w: stdout: \n") == 0);
  log_set_destination(2, LOG_FORMAT_PLAIN);
  close(ends[0]);
  close(ends[1]);
}

/* Events under one name beyond their burst are dropped and counted; the
 * count goes out with the name's next event; other names are untouched. */
static void test_event_limit(void) {
  int ends[2];
  CHECK(pipe(ends) == 0 && fcntl(ends[0], F_SETFL, O_NONBLOCK) == 0);
  log_set_destination(ends[1], LOG_FORMAT_PLAIN);
  log_set_level(LOG_INFO);
  static char got[1 << 20];
  size_t lines = 0;
  unsigned long long admitted = 0, dropped = 0;
  for (int i = 0; i < 3000; i++) {
    log_message(LOG_WARN, "flooder/child", "cnew: refused %d", i);
    if (i % 100 == 99) { /* keep the pipe from filling */
      drain(ends[0], got, sizeof got);
      lines += count_newlines(got);
      tally(got, &admitted, &dropped);
    }
  }
  CHECK(lines >= 1000 && lines < 1100); /* the burst, and what trickled in since */
  log_message(LOG_WARN, "neighbour", "still heard");
  drain(ends[0], got, sizeof got);
  CHECK(strcmp(got, "minos: neighbour: still heard\n") == 0);
  struct timespec pause = {0, 30 * 1000000}; /* 100 a second: 3 more may go */
  nanosleep(&pause, NULL);
  log_message(LOG_WARN, "flooder/child", "cnew: refused again");
  drain(ends[0], got, sizeof got);
  tally(got, &admitted, &dropped);
  /* Every event went out or was counted as dropped, whatever the timing
   * (a loaded machine lets more trickle through, each after a "dropped"
   * line of its own). */
  CHECK(strstr(got, "minos: flooder/child: dropped ") != NULL);
  CHECK(dropped + admitted == 3000);
  CHECK(strstr(got, "\nminos: flooder/child: cnew: refused again\n") != NULL);
  log_set_destination(2, LOG_FORMAT_PLAIN);
  close(ends[0]);
  close(ends[1]);
}

/* "2026-12-03T07:01:02.123456+05:30": the time as RFC 3339 has it. */
static bool is_timestamp(const char *at) {
  static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddd+dd:dd";
  for (size_t i = 0; i < sizeof shape - 1; i++) {
    bool digit = at[i] >= '0' && at[i] <= '9';
    if (shape[i] == 'd' ? !digit : shape[i] == '+' ? at[i] != '+' && at[i] != '-'
                                                    : at[i] != shape[i])
      return false;
  }
  return true;
}

#define STAMP_LENGTH 32

/* The text and JSON forms: time, level, escaped name and message. */
static void test_log_formats(void) {
  int ends[2];
  CHECK(pipe(ends) == 0 && fcntl(ends[0], F_SETFL, O_NONBLOCK) == 0);
  char got[4096];
  log_set_level(LOG_INFO);
  log_set_destination(ends[1], LOG_FORMAT_TEXT);
  log_message(LOG_ERROR, "cell\n2026 info minos", "refused \"%s\"", "x\r\x1b[2J\xff");
  drain(ends[0], got, sizeof got);
  CHECK(is_timestamp(got) && count_newlines(got) == 1);
  CHECK(strcmp(got + STAMP_LENGTH, " error cell\\x0a2026 info minos: refused "
                                   "\"x\\x0d\\x1b[2J\\xff\"\n") == 0);
  log_output("kv#1", "stderr", "a\0b", 3, " (cut)");
  log_message(LOG_INFO, NULL, "own");
  drain(ends[0], got, sizeof got);
  CHECK(count_newlines(got) == 2);
  char *second = strchr(got, '\n') + 1;
  second[-1] = '\0';
  CHECK(strcmp(got + STAMP_LENGTH, " info kv#1: stderr: a\\x00b (cut)") == 0);
  CHECK(is_timestamp(second) && strcmp(second + STAMP_LENGTH, " info minos: own\n") == 0);

  log_set_destination(ends[1], LOG_FORMAT_JSON);
  log_message(LOG_WARN, "cell\"\n", "say \"%s\"", "\x1b[H\xc2\x9b\xfe");
  drain(ends[0], got, sizeof got);
  CHECK(strncmp(got, "{\"time\":\"", 9) == 0 && is_timestamp(got + 9));
  CHECK(strcmp(got + 9 + STAMP_LENGTH, "\",\"level\":\"warn\",\"cell\":\"cell\\\"\\u000a\","
                                       "\"message\":\"say \\\"\\u001b[H\\u009b\\\\xfe\\\"\"}\n") == 0);
  log_output("kv#1", "stdout", "\"\\", 2, " \xe2\x80\xa6 [cut 3 bytes]");
  log_message(LOG_DEBUG, NULL, "not at LOG_INFO");
  log_message(LOG_INFO, NULL, "own");
  drain(ends[0], got, sizeof got);
  CHECK(count_newlines(got) == 2);
  second = strchr(got, '\n') + 1;
  second[-1] = '\0';
  CHECK(strcmp(got + 9 + STAMP_LENGTH, "\",\"level\":\"info\",\"cell\":\"kv#1\",\"stream\":"
                                       "\"stdout\",\"message\":\"\\\"\\\\ \xe2\x80\xa6 [cut 3 bytes]\"}") == 0);
  CHECK(is_timestamp(second + 9));
  CHECK(strcmp(second + 9 + STAMP_LENGTH, "\",\"level\":\"info\",\"message\":\"own\"}\n") == 0);
  log_set_destination(2, LOG_FORMAT_PLAIN);
  close(ends[0]);
  close(ends[1]);
}

static size_t read_file(const char *path, char *out, size_t size) {
  int fd = open(path, O_RDONLY);
  ssize_t got = fd >= 0 ? read(fd, out, size - 1) : -1;
  if (fd >= 0) close(fd);
  out[got > 0 ? got : 0] = '\0';
  return got > 0 ? (size_t)got : 0;
}

/* logrotate's way: the file renamed, then a reopen asked (what SIGHUP
 * does): the next line and all after it go to a new file at the path. */
static void test_reopen(void) {
  char directory[] = "/tmp/minos-log-test-XXXXXX", path[128], moved[128], error[256];
  char got[4096];
  CHECK(mkdtemp(directory) != NULL);
  snprintf(path, sizeof path, "%s/log", directory);
  snprintf(moved, sizeof moved, "%s/log.1", directory);
  log_set_level(LOG_INFO);
  CHECK(log_open_file(path, LOG_FORMAT_TEXT, error, sizeof error));
  log_message(LOG_INFO, NULL, "before");
  CHECK(rename(path, moved) == 0);
  log_message(LOG_INFO, NULL, "still to the renamed file");
  log_request_reopen();
  log_message(LOG_INFO, NULL, "after");
  read_file(moved, got, sizeof got);
  CHECK(strstr(got, "minos: before\n") && strstr(got, "minos: still to the renamed file\n"));
  CHECK(count_newlines(got) == 2);
  read_file(path, got, sizeof got);
  CHECK(count_newlines(got) == 2 && strstr(got, " info minos: SIGHUP: opened the log ") &&
        strstr(got, " info minos: after\n"));
  /* A path that cannot be opened again: the log goes on where it was. */
  CHECK(unlink(path) == 0 && rmdir(directory) != 0 && unlink(moved) == 0 && rmdir(directory) == 0);
  log_request_reopen();
  log_message(LOG_INFO, NULL, "lost?");
  CHECK(!log_open_file(path, LOG_FORMAT_TEXT, error, sizeof error));
  CHECK(strstr(error, "cannot open the log ") != NULL);
  /* Without a file, a reopen is ignored, and said so. */
  int ends[2];
  CHECK(pipe(ends) == 0 && fcntl(ends[0], F_SETFL, O_NONBLOCK) == 0);
  log_set_destination(ends[1], LOG_FORMAT_TEXT);
  log_request_reopen();
  log_message(LOG_INFO, NULL, "next");
  drain(ends[0], got, sizeof got);
  CHECK(count_newlines(got) == 2 && strstr(got, " warn minos: SIGHUP ignored: ") &&
        strstr(got, " info minos: next\n"));
  log_set_destination(2, LOG_FORMAT_PLAIN);
  close(ends[0]);
  close(ends[1]);
}

int main(void) {
  test_escape_text();
  test_escape_json();
  test_log_lines();
  test_log_formats();
  test_reopen();
  test_event_limit();
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
