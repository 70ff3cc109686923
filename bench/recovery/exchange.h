/* SPDX-License-Identifier: Apache-2.0 */
/* The measuring loop of bench/recovery, shared by the client cell (under
 * minos) and the native supervisor-and-client, so that both measure the
 * same thing the same way.
 *
 * Requests "REQ n" go one at a time to a service that crashes on reading
 * every Kth of them (service.c). Each request is timed from its send to
 * its reply. A request whose reply never comes because the service
 * crashed is lost; the next request is served by the restarted service,
 * and the time from the send of the lost request (the crash follows at
 * once: the service crashes on reading it) to the reply of the next one
 * is the crash-to-serving-again time. Every other request is a normal
 * round trip. Every reply must be "OK n" for the request just sent: a
 * stale, duplicated or wrong reply fails the benchmark. */
#ifndef MINOS_BENCH_RECOVERY_EXCHANGE_H
#define MINOS_BENCH_RECOVERY_EXCHANGE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t exchange_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

__attribute__((noreturn)) static void exchange_fail(const char *what, long long value) {
  fprintf(stderr, "benchmark failed: %s (%lld)\n", what, value);
  exit(1);
}

/* Lines read from a descriptor, through a buffer. */
typedef struct line_reader {
  int fd;
  char buffer[512];
  size_t held, consumed;
} line_reader;

/* The next line (without its newline) in *line: 1; 0 at the end of the
 * stream; -1 on an error (errno says which). The line returned last time
 * is dropped first. */
static int read_line(line_reader *reader, char **line) {
  memmove(reader->buffer, reader->buffer + reader->consumed, reader->held - reader->consumed);
  reader->held -= reader->consumed;
  reader->consumed = 0;
  for (;;) {
    char *newline = memchr(reader->buffer, '\n', reader->held);
    if (newline) {
      *newline = '\0';
      *line = reader->buffer;
      reader->consumed = (size_t)(newline - reader->buffer) + 1;
      return 1;
    }
    if (reader->held == sizeof reader->buffer) exchange_fail("a reply line too long", 0);
    ssize_t got = read(reader->fd, reader->buffer + reader->held,
                       sizeof reader->buffer - reader->held);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      reader->held = 0; /* a part of a line from before the end is no reply */
      return (int)got;
    }
    reader->held += (size_t)got;
  }
}

typedef struct samples {
  uint64_t *values;
  size_t count, capacity;
} samples;

static void samples_add(samples *set, uint64_t value) {
  if (set->count == set->capacity) {
    set->capacity = set->capacity ? set->capacity * 2 : 256;
    set->values = realloc(set->values, set->capacity * sizeof *set->values);
    if (!set->values) exchange_fail("out of memory for samples", 0);
  }
  set->values[set->count++] = value;
}

static int compare_samples(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* After samples_sort. */
static uint64_t samples_percentile(const samples *set, double fraction) {
  if (set->count == 0) return 0;
  return set->values[(size_t)(fraction * (double)(set->count - 1) + 0.5)];
}

static void samples_sort(samples *set) {
  qsort(set->values, set->count, sizeof *set->values, compare_samples);
}

/* How one side talks to its service. */
typedef enum reply_kind { REPLY_LINE, REPLY_LOST } reply_kind;
typedef struct exchange_ops {
  void (*send)(const char *request, size_t length); /* exits on failure */
  reply_kind (*receive)(char **line);                /* exits on failure */
  void (*after_lost)(void);                          /* restart it, if it is ours to */
} exchange_ops;

/* Runs until `crashes` recoveries are measured (at most `limit` requests)
 * and prints on stdout of the caller's choice one line:
 *   requests=<n> lost=<l> normal_p50_ns=... normal_p99_ns=...
 *   recovery_p50_ns=... recovery_p99_ns=... recovery_max_ns=...  (one line) */
static void exchange_run(const exchange_ops *ops, long crashes, long limit, FILE *out) {
  samples normal = {0}, recovery = {0};
  long lost = 0, n = 0;
  uint64_t lost_sent_at = 0;
  int recovering = 0;
  for (; (long)recovery.count < crashes; n++) {
    if (n >= limit) exchange_fail("too many requests without the crashes expected", n);
    char request[32], expected[32];
    int length = snprintf(request, sizeof request, "REQ %ld\n", n);
    snprintf(expected, sizeof expected, "OK %ld", n);
    uint64_t sent_at = exchange_now_ns();
    ops->send(request, (size_t)length);
    char *line;
    reply_kind kind = ops->receive(&line);
    uint64_t replied_at = exchange_now_ns();
    if (kind == REPLY_LOST) {
      if (recovering) exchange_fail("the first request after a restart was lost too", n);
      lost++;
      lost_sent_at = sent_at;
      recovering = 1;
      if (ops->after_lost) ops->after_lost();
      continue;
    }
    if (strcmp(line, expected) != 0) {
      fprintf(stderr, "request %ld: got '%s', expected '%s'\n", n, line, expected);
      exit(1);
    }
    if (recovering) samples_add(&recovery, replied_at - lost_sent_at);
    else if (n > 0) samples_add(&normal, replied_at - sent_at); /* the first includes start-up */
    recovering = 0;
  }
  samples_sort(&normal);
  samples_sort(&recovery);
  fprintf(out,
          "requests=%ld lost=%ld normal_p50_ns=%llu normal_p99_ns=%llu recovery_p50_ns=%llu "
          "recovery_p99_ns=%llu recovery_max_ns=%llu\n",
          n, lost, (unsigned long long)samples_percentile(&normal, 0.5),
          (unsigned long long)samples_percentile(&normal, 0.99),
          (unsigned long long)samples_percentile(&recovery, 0.5),
          (unsigned long long)samples_percentile(&recovery, 0.99),
          (unsigned long long)recovery.values[recovery.count - 1]);
  free(normal.values);
  free(recovery.values);
}

#endif
