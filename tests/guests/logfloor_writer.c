/* SPDX-License-Identifier: Apache-2.0 */
/* A cell that writes what tests of the log need; its first argument:
 *
 *   forge      a carriage return and a forged log line, terminal escape
 *              sequences, a NUL and a C1 control on stderr, one line each
 *   flood N    N short lines on stdout, as fast as it can
 *   long N     one line of N bytes on stdout, then "after the long line"
 *   lines N    N lines "neighbour line I" on stderr
 *   every      on stdout: a line of every byte but the newline, one of
 *              the Unicode that acts on display (NEL, a right-to-left
 *              override, a line separator), one of bytes that are not
 *              UTF-8, one of a quote and backslashes, and a last line
 *              without a newline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void forge(void) {
  static const char lines[] = "\r2026-01-01T00:00:00.000000 minos: forged\n"
                              "\x1b[2J\x1b[Hcleared the screen\n"
                              "nul\0byte\n"
                              "c1 \xc2\x9b control\n";
  fwrite(lines, 1, sizeof lines - 1, stderr);
  fflush(stderr);
}

static void every_byte(void) {
  for (int byte = 0; byte < 256; byte++)
    if (byte != '\n') putchar(byte);
  fputs("\nnel \xc2\x85 rlo \xe2\x80\xae ls \xe2\x80\xa8 end\n", stdout);
  fputs("bad \xff \xc0\xaf \xed\xa0\x80 \xe2\x82 end\n", stdout);
  fputs("quote \" backslash \\ \\x41 end\n", stdout);
  fputs("no newline", stdout);
}

static void long_line(long length) {
  for (long i = 0; i < length; i++) putchar('x');
  puts("\nafter the long line");
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  long count = argc > 2 ? atol(argv[2]) : 0;
  if (strcmp(what, "forge") == 0) {
    forge();
  } else if (strcmp(what, "flood") == 0) {
    for (long i = 1; i <= count; i++) printf("flood line %ld\n", i);
  } else if (strcmp(what, "every") == 0) {
    every_byte();
  } else if (strcmp(what, "long") == 0) {
    long_line(count);
  } else if (strcmp(what, "lines") == 0) {
    for (long i = 1; i <= count; i++) fprintf(stderr, "neighbour line %ld\n", i);
  } else {
    fprintf(stderr, "logfloor_writer: unknown action '%s'\n", what);
    return 2;
  }
  return 0;
}
