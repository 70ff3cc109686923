/* SPDX-License-Identifier: Apache-2.0 */
/* Sizes and durations as a spec writes them. */
#include <stdio.h>

#include "spec/spec.h"

static int failures;

static void check_size(const char *text, bool valid, uint64_t expected) {
  uint64_t bytes = 0;
  bool parsed = spec_parse_size(text, &bytes);
  if (parsed != valid || (valid && bytes != expected)) {
    fprintf(stderr, "size \"%s\": got %s %llu\n", text, parsed ? "valid" : "invalid",
            (unsigned long long)bytes);
    failures++;
  }
}

static void check_duration(const char *text, bool valid, uint64_t expected) {
  uint64_t nanoseconds = 0;
  bool parsed = spec_parse_duration(text, &nanoseconds);
  if (parsed != valid || (valid && nanoseconds != expected)) {
    fprintf(stderr, "duration \"%s\": got %s %llu\n", text, parsed ? "valid" : "invalid",
            (unsigned long long)nanoseconds);
    failures++;
  }
}

int main(void) {
  check_size("0", true, 0);
  check_size("4096", true, 4096);
  check_size("512B", true, 512);
  check_size("64K", true, 64 << 10);
  check_size("64k", true, 64 << 10);
  check_size("16M", true, 16 << 20);
  check_size("16MiB", true, 16 << 20);
  check_size("16MB", true, 16 << 20);
  check_size("1G", true, 1ull << 30);
  check_size("4Gi", true, 4ull << 30);
  check_size("2T", true, 2ull << 40);
  check_size("", false, 0);
  check_size("K", false, 0);
  check_size("12Q", false, 0);
  check_size("-1", false, 0);
  check_size("+1", false, 0);
  check_size(" 1", false, 0);
  check_size("1 K", false, 0);
  check_size("1.5M", false, 0);
  check_size("0x10", false, 0);
  check_size("16Mi B", false, 0);
  check_size("99999999999999999999", false, 0);
  check_size("99999999999T", false, 0);

  check_duration("250us", true, 250000);
  check_duration("100ms", true, 100000000);
  check_duration("2s", true, 2000000000);
  check_duration("1.5s", true, 1500000000);
  check_duration("1m", true, 60000000000);
  check_duration("1h", true, 3600000000000);
  check_duration("7ns", true, 7);
  check_duration("0s", true, 0);
  check_duration("100", false, 0);
  check_duration("2 s", false, 0);
  check_duration("-1s", false, 0);
  check_duration("1e3ms", false, 0);
  check_duration(".5s", false, 0);
  check_duration("1.s", false, 0);
  check_duration("1sec", false, 0);
  check_duration("inf s", false, 0);
  check_duration("", false, 0);
  check_duration("99999999999999999999h", false, 0);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("spec units: all checks passed\n");
  return 0;
}
