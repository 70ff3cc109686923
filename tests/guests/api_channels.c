/* SPDX-License-Identifier: Apache-2.0 */
/* The channel half of the guest API, inside one cell (no children):
 *
 *   api_channels.wasm SECTION
 *
 * basics       pipe numbering, write/read, drain then 0 for ever, stdio as ends
 * errors       bad descriptors (never held, closed), wrong direction, closed
 *              peer, child calls on ids that were never children
 * faults       pointers and lengths outside memory: EFAULT, nothing moved
 * limits       1024 descriptors, pipe capacity bounds, default capacity
 * timeouts     non-blocking (EAGAIN) and deadline (ETIMEDOUT) reads
 * fairness     read over several ready ends serves each of them
 * backpressure a small pipe takes partial writes, exact counts
 * wasi         WASI read/write/close and stdio FILEs on minos descriptors
 * wasi-more    WASI poll, non-blocking descriptors, fd_renumber, fdstat on ends
 * stdout-closed  the host's end of stdout goes away: ECLOSED, EPIPE, no signal
 *              (run as: minos run api_channels.wasm stdout-closed | head -c 100)
 *
 * Run without grants: the cell holds 0, 1, 2 and nothing else. */
#include <fcntl.h>
#include <poll.h>

#include "api_common.h"

static void basics(void) {
  int32_t ends[2] = {-1, -1};
  CHECK_EQ(minos_pipe(0, ends), 0);
  CHECK_EQ(ends[0], 3); /* lowest free numbers, write end first */
  CHECK_EQ(ends[1], 4);
  int32_t w = ends[0], r = ends[1];

  CHECK_EQ(minos_write(w, "hello", 5), 5);
  CHECK_EQ(minos_write(w, ", world", 7), 7);
  char buffer[64] = {0};
  int32_t from = -1;
  CHECK_EQ(minos_read(&r, 1, buffer, 3, &from), 3); /* at most size */
  CHECK_EQ(from, r);
  CHECK(memcmp(buffer, "hel", 3) == 0);
  from = -1;
  CHECK_EQ(minos_read(&r, 1, buffer, sizeof buffer, &from), 9); /* what is there */
  CHECK(memcmp(buffer, "lo, world", 9) == 0);
  CHECK_EQ(from, r);

  /* After wclose the buffer drains, then 0 for ever, waiting or not. */
  CHECK_EQ(minos_write(w, "abc", 3), 3);
  CHECK_EQ(minos_wclose(w), 0);
  CHECK_EQ(minos_read(&r, 1, buffer, 2, &from), 2);
  CHECK(memcmp(buffer, "ab", 2) == 0);
  CHECK_EQ(minos_read(&r, 1, buffer, sizeof buffer, &from), 1);
  CHECK_EQ(buffer[0], 'c');
  for (int i = 0; i < 3; i++) {
    from = -1;
    CHECK_EQ(minos_read(&r, 1, buffer, sizeof buffer, &from), 0);
    CHECK_EQ(from, r);
  }
  CHECK_EQ(minos_try_read(&r, 1, buffer, sizeof buffer, &from), 0);
  CHECK_EQ(minos_read_timeout(&r, 1, buffer, sizeof buffer, &from, 1000000), 0);
  CHECK_EQ(minos_rclose(r), 0);

  /* Freed numbers are reused, lowest first. */
  CHECK_EQ(minos_pipe(16, ends), 0);
  CHECK_EQ(ends[0], 3);
  CHECK_EQ(ends[1], 4);
  int32_t more[2];
  CHECK_EQ(minos_pipe(16, more), 0);
  CHECK_EQ(more[0], 5);
  CHECK_EQ(more[1], 6);
  CHECK_EQ(minos_wclose(ends[0]), 0);
  CHECK_EQ(minos_pipe(16, ends), 0);
  CHECK_EQ(ends[0], 3);
  CHECK_EQ(ends[1], 7);

  /* Closing the read end first: the write end gets ECLOSED from then on,
   * even with data still buffered. */
  CHECK_EQ(minos_write(more[0], "x", 1), 1);
  CHECK_EQ(minos_rclose(more[1]), 0);
  CHECK_ERR(minos_write(more[0], "y", 1), MINOS_ECLOSED);
  CHECK_ERR(minos_write(more[0], "y", 1), MINOS_ECLOSED);
  CHECK_EQ(minos_wclose(more[0]), 0);

  /* stdin, stdout and stderr are channel ends too. */
  static const char line[] = "minos_write to stdout\n";
  fflush(stdout);
  CHECK_EQ(minos_write(1, line, sizeof line - 1), (int32_t)(sizeof line - 1));
  static const char error_line[] = "minos_write to stderr\n";
  CHECK_EQ(minos_write(2, error_line, sizeof error_line - 1), (int32_t)(sizeof error_line - 1));
  CHECK_ERR(minos_write(0, "x", 1), MINOS_EPERM);
  int32_t out = 1;
  CHECK_ERR(minos_try_read(&out, 1, buffer, 1, &from), MINOS_EPERM);
  int32_t in = 0;
  /* stdin is /dev/null here: finished at once. */
  CHECK_EQ(minos_read_timeout(&in, 1, buffer, sizeof buffer, &from, 2000000000), 0);
  CHECK_EQ(from, 0);
}

static void errors(void) {
  char buffer[16];
  int32_t from;
  static const int32_t never[] = {-1, 5, 77, 1023, 1024, 5000, INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
    int32_t fd = never[i];
    CHECK_ERR(minos_write(fd, "x", 1), MINOS_EBADF);
    CHECK_ERR(minos_try_read(&fd, 1, buffer, sizeof buffer, &from), MINOS_EBADF);
    CHECK_ERR(minos_read(&fd, 1, buffer, sizeof buffer, &from), MINOS_EBADF);
    CHECK_ERR(minos_wclose(fd), MINOS_EBADF);
    CHECK_ERR(minos_rclose(fd), MINOS_EBADF);
    int32_t code = fd;
    minos_arch_spec spec = default_spec();
    CHECK_ERR(minos_cnew(code, &spec, sizeof spec), MINOS_EBADF);
  }

  int32_t ends[2];
  CHECK_EQ(minos_pipe(0, ends), 0);
  int32_t w = ends[0], r = ends[1];
  /* Wrong direction. */
  CHECK_ERR(minos_write(r, "x", 1), MINOS_EPERM);
  CHECK_ERR(minos_try_read(&w, 1, buffer, sizeof buffer, &from), MINOS_EPERM);
  CHECK_ERR(minos_read(&w, 1, buffer, sizeof buffer, &from), MINOS_EPERM);
  CHECK_ERR(minos_wclose(r), MINOS_EPERM);
  CHECK_ERR(minos_rclose(w), MINOS_EPERM);
  int32_t mixed[2] = {r, w}; /* one bad end spoils the call */
  CHECK_ERR(minos_try_read(mixed, 2, buffer, sizeof buffer, &from), MINOS_EPERM);
  int32_t with_bad[2] = {r, 77};
  CHECK_ERR(minos_try_read(with_bad, 2, buffer, sizeof buffer, &from), MINOS_EBADF);
  minos_arch_spec spec = default_spec();
  CHECK_ERR(minos_cnew(w, &spec, sizeof spec), MINOS_EPERM); /* code from a write end */
  /* Both ends still work after all those refusals. */
  CHECK_EQ(minos_write(w, "ok", 2), 2);
  CHECK_EQ(minos_read(&r, 1, buffer, sizeof buffer, &from), 2);

  /* Passing to, starting, killing, waiting for cells that are not children. */
  minos_cell_status status;
  static const int32_t not_children[] = {0, 1, 2, -1, 1000, INT32_MAX};
  for (size_t i = 0; i < sizeof not_children / sizeof not_children[0]; i++) {
    int32_t cid = not_children[i];
    CHECK_ERR(minos_wpass(w, cid), MINOS_EBADF);
    CHECK_ERR(minos_rpass(r, cid), MINOS_EBADF);
    CHECK_ERR(minos_cstart(cid), MINOS_EBADF);
    CHECK_ERR(minos_ckill(cid), MINOS_EBADF);
    CHECK_ERR(minos_cwait(cid, &status), MINOS_EBADF);
  }
  /* A failed pass moved nothing. */
  CHECK_EQ(minos_write(w, "still", 5), 5);
  CHECK_EQ(minos_read(&r, 1, buffer, sizeof buffer, &from), 5);

  /* Already closed. */
  CHECK_EQ(minos_wclose(w), 0);
  CHECK_ERR(minos_wclose(w), MINOS_EBADF);
  CHECK_ERR(minos_write(w, "x", 1), MINOS_EBADF);
  CHECK_ERR(minos_rclose(w), MINOS_EBADF);
  CHECK_EQ(minos_rclose(r), 0);
  CHECK_ERR(minos_rclose(r), MINOS_EBADF);
  CHECK_ERR(minos_try_read(&r, 1, buffer, sizeof buffer, &from), MINOS_EBADF);
  CHECK_ERR(minos_wclose(r), MINOS_EBADF);
}

#define AT(type, address) ((type *)(uintptr_t)(address))

static void faults(void) {
  uint32_t end = MEMORY_END();
  int32_t ends[2] = {-1, -1};
  CHECK_ERR(minos_pipe(0, AT(int32_t, end - 4)), MINOS_EFAULT);
  CHECK_ERR(minos_pipe(0, AT(int32_t, end)), MINOS_EFAULT);
  CHECK_ERR(minos_pipe(0, AT(int32_t, 0xfffffffcu)), MINOS_EFAULT);
  /* Nothing was created by the failed calls: the next pipe is 3, 4. */
  CHECK_EQ(minos_pipe(0, ends), 0);
  CHECK_EQ(ends[0], 3);
  CHECK_EQ(ends[1], 4);
  int32_t w = ends[0], r = ends[1];

  CHECK_ERR(minos_write(w, AT(const char, end - 2), 10), MINOS_EFAULT);
  CHECK_ERR(minos_write(w, AT(const char, end), 1), MINOS_EFAULT);
  CHECK_ERR(minos_write(w, AT(const char, 0xfffffff0u), 0x20), MINOS_EFAULT);
  CHECK_ERR(minos_write(w, AT(const char, 16), 0xffffffffu), MINOS_EFAULT);
  int32_t from = -1;
  char buffer[16];
  CHECK_ERR(minos_try_read(&r, 1, buffer, sizeof buffer, &from), MINOS_EAGAIN); /* none written */

  CHECK_EQ(minos_write(w, "data", 4), 4);
  CHECK_ERR(minos_read(AT(const int32_t, end - 2), 1, buffer, sizeof buffer, &from), MINOS_EFAULT);
  CHECK_ERR(minos_read(AT(const int32_t, end - 4), 2, buffer, sizeof buffer, &from), MINOS_EFAULT);
  CHECK_ERR(minos_read(&r, 1, AT(char, end - 1), 2, &from), MINOS_EFAULT);
  CHECK_ERR(minos_read(&r, 1, AT(char, 0xfffffff0u), 0x20, &from), MINOS_EFAULT);
  CHECK_ERR(minos_read(&r, 1, buffer, sizeof buffer, AT(int32_t, end - 2)), MINOS_EFAULT);
  CHECK_ERR(minos_read(&r, 1, buffer, sizeof buffer, AT(int32_t, 0xffffffffu)), MINOS_EFAULT);
  /* A count whose array would run past memory. */
  int32_t huge = minos_try_read(&r, 0x40000000u, buffer, sizeof buffer, &from);
  check_count++;
  if (huge != -MINOS_EFAULT && huge != -MINOS_EINVAL) {
    fprintf(stderr, "FAIL read of 0x40000000 ends = %d %s, wanted EFAULT or EINVAL\n", huge,
            status_name(huge));
    check_failures++;
  }
  /* Nothing was consumed by the refused reads. */
  from = -1;
  memset(buffer, 0, sizeof buffer);
  CHECK_EQ(minos_read(&r, 1, buffer, sizeof buffer, &from), 4);
  CHECK(memcmp(buffer, "data", 4) == 0);
  CHECK_EQ(from, r);

  /* The spec is checked (the code channel is finished, so a cnew that
   * read it first would not hang, but must still answer EFAULT). */
  CHECK_EQ(minos_wclose(w), 0);
  CHECK_ERR(minos_cnew(r, AT(const minos_arch_spec, end - 8), sizeof(minos_arch_spec)),
            MINOS_EFAULT);
  minos_rclose(r); /* whether or not the failed cnew consumed it */
}

static void limits(void) {
  int32_t ends[2];
  CHECK_ERR(minos_pipe(MINOS_CHANNEL_MAX_CAPACITY + 1, ends), MINOS_EINVAL);
  CHECK_ERR(minos_pipe(0xffffffffu, ends), MINOS_EINVAL);
  CHECK_ERR(minos_pipe(0x80000000u, ends), MINOS_EINVAL);

  /* The largest capacity is allowed. */
  CHECK_EQ(minos_pipe(MINOS_CHANNEL_MAX_CAPACITY, ends), 0);
  CHECK_EQ(ends[0], 3);
  CHECK_EQ(ends[1], 4);
  CHECK_EQ(minos_write(ends[0], "m", 1), 1);
  char c = 0;
  int32_t from;
  CHECK_EQ(minos_read(&ends[1], 1, &c, 1, &from), 1);
  CHECK_EQ(c, 'm');
  CHECK_EQ(minos_wclose(ends[0]), 0);
  CHECK_EQ(minos_rclose(ends[1]), 0);

  /* Capacity 0 is the default, 64 KiB: an unread pipe takes exactly that. */
  static char big[100 * 1024];
  CHECK_EQ(minos_pipe(0, ends), 0);
  CHECK_EQ(minos_write(ends[0], big, sizeof big), (int32_t)MINOS_CHANNEL_DEFAULT_CAPACITY);
  CHECK_EQ(minos_wclose(ends[0]), 0);
  CHECK_EQ(minos_rclose(ends[1]), 0);
  CHECK_EQ(minos_pipe(1, ends), 0); /* and capacity 1 holds one byte */
  CHECK_EQ(minos_write(ends[0], big, 10), 1);
  CHECK_EQ(minos_wclose(ends[0]), 0);
  CHECK_EQ(minos_rclose(ends[1]), 0);

  /* 1024 descriptors per cell: 0, 1, 2 and pipes up to the limit. */
  int32_t highest = 2, pipes = 0, rc;
  static int32_t held[1100][2];
  while ((rc = minos_pipe(8, held[pipes])) == 0) {
    if (held[pipes][0] > highest) highest = held[pipes][0];
    if (held[pipes][1] > highest) highest = held[pipes][1];
    pipes++;
    if (pipes == 1100) break;
  }
  CHECK_ERR(rc, MINOS_ELIMIT);
  CHECK_EQ(pipes, 510); /* 3..1022; 1023 alone cannot hold a pipe */
  CHECK_EQ(highest, 1022);
  CHECK_ERR(minos_pipe(8, ends), MINOS_ELIMIT); /* and again: no half pipe was left */
  /* Everything held still works at the limit. */
  if (pipes > 0) {
    int32_t w = held[pipes - 1][0], r = held[pipes - 1][1];
    CHECK_EQ(minos_write(w, "z", 1), 1);
    CHECK_EQ(minos_read(&r, 1, &c, 1, &from), 1);
    CHECK_EQ(c, 'z');
  }
  /* Freeing one pipe makes room for one. */
  if (pipes > 100) {
    int32_t w = held[100][0], r = held[100][1];
    CHECK_EQ(minos_wclose(w), 0);
    CHECK_EQ(minos_rclose(r), 0);
    CHECK_EQ(minos_pipe(8, ends), 0);
    CHECK_EQ(ends[0], w);
    CHECK_EQ(ends[1], r);
    CHECK_ERR(minos_pipe(8, ends), MINOS_ELIMIT);
  }
  for (int32_t i = 0; i < pipes; i++) {
    CHECK_EQ(minos_wclose(held[i][0]), 0);
    CHECK_EQ(minos_rclose(held[i][1]), 0);
  }
  /* All freed: numbering starts over. */
  CHECK_EQ(minos_pipe(0, ends), 0);
  CHECK_EQ(ends[0], 3);
  CHECK_EQ(ends[1], 4);
}

static void timeouts(void) {
  int32_t a[2], b[2];
  CHECK_EQ(minos_pipe(0, a), 0);
  CHECK_EQ(minos_pipe(0, b), 0);
  int32_t both[2] = {a[1], b[1]};
  char buffer[16];
  int32_t from = -7;

  uint64_t start = now_ns();
  CHECK_ERR(minos_try_read(both, 2, buffer, sizeof buffer, &from), MINOS_EAGAIN);
  CHECK_ERR(minos_read_timeout(both, 1, buffer, sizeof buffer, &from, MINOS_NO_WAIT), MINOS_EAGAIN);
  uint64_t took = now_ns() - start;
  check_count++;
  if (took > 100000000u) {
    fprintf(stderr, "FAIL non-blocking reads took %llu ms\n", (unsigned long long)(took / 1000000));
    check_failures++;
  }

  static const int64_t waits_ms[] = {50, 300};
  for (size_t i = 0; i < 2; i++) {
    int64_t wait = waits_ms[i] * 1000000;
    start = now_ns();
    CHECK_ERR(minos_read_timeout(both, 2, buffer, sizeof buffer, &from, wait), MINOS_ETIMEDOUT);
    took = now_ns() - start;
    printf("deadline %lld ms: returned after %llu ms\n", (long long)waits_ms[i],
           (unsigned long long)(took / 1000000));
    check_count++;
    if (took < (uint64_t)wait - 2000000 || took > (uint64_t)wait + 1500000000u) {
      fprintf(stderr, "FAIL a %lld ms deadline returned after %llu ms\n", (long long)waits_ms[i],
              (unsigned long long)(took / 1000000));
      check_failures++;
    }
  }

  /* Data ready: a non-blocking or deadline read returns it. */
  CHECK_EQ(minos_write(b[0], "b", 1), 1);
  from = -1;
  CHECK_EQ(minos_try_read(both, 2, buffer, sizeof buffer, &from), 1);
  CHECK_EQ(from, b[1]);
  CHECK_EQ(minos_write(a[0], "a", 1), 1);
  from = -1;
  CHECK_EQ(minos_read_timeout(both, 2, buffer, sizeof buffer, &from, 5000000000), 1);
  CHECK_EQ(from, a[1]);
  CHECK_EQ(buffer[0], 'a');
  /* A finished end is ready: 0, not EAGAIN. */
  CHECK_EQ(minos_wclose(a[0]), 0);
  from = -1;
  CHECK_EQ(minos_try_read(both, 2, buffer, sizeof buffer, &from), 0);
  CHECK_EQ(from, a[1]);
  CHECK_ERR(minos_try_read(&b[1], 1, buffer, sizeof buffer, &from), MINOS_EAGAIN);
}

static void fairness(void) {
  enum { ENDS = 3, EACH = 400, READS = 300 };
  int32_t w[ENDS], r[ENDS];
  static char data[EACH];
  for (int i = 0; i < ENDS; i++) {
    int32_t ends[2];
    CHECK_EQ(minos_pipe(0, ends), 0);
    w[i] = ends[0];
    r[i] = ends[1];
    memset(data, 'a' + i, sizeof data);
    CHECK_EQ(minos_write(w[i], data, sizeof data), EACH);
  }
  /* Every end always has data: each must be served, none starved. */
  int served[ENDS] = {0}, last[ENDS] = {0}, longest_wait = 0;
  for (int n = 1; n <= READS; n++) {
    char c = 0;
    int32_t from = -1;
    int32_t got = minos_read(r, ENDS, &c, 1, &from);
    if (got != 1) {
      CHECK_EQ(got, 1);
      break;
    }
    int which = -1;
    for (int i = 0; i < ENDS; i++)
      if (from == r[i]) which = i;
    if (which < 0 || c != 'a' + which) {
      CHECK(which >= 0 && c == 'a' + which);
      break;
    }
    served[which]++;
    last[which] = n;
    for (int i = 0; i < ENDS; i++)
      if (n - last[i] > longest_wait) longest_wait = n - last[i];
  }
  printf("fairness: served %d %d %d, longest wait %d reads\n", served[0], served[1], served[2],
         longest_wait);
  for (int i = 0; i < ENDS; i++) CHECK(served[i] >= READS / ENDS / 2);
  CHECK(longest_wait <= 2 * ENDS);

  /* A finished end is always ready too; it must not hide the others. */
  CHECK_EQ(minos_wclose(w[0]), 0);
  int32_t drained = 0, from = -1;
  static char sink[EACH];
  while (drained < EACH - served[0]) {
    int32_t got = minos_read(&r[0], 1, sink, sizeof sink, &from);
    if (got <= 0) break;
    drained += got;
  }
  CHECK_EQ(drained, EACH - served[0]);
  int others = 0, finished = 0;
  for (int n = 0; n < 20; n++) {
    char c;
    int32_t got = minos_read(r, ENDS, &c, 1, &from);
    if (got == 0 && from == r[0]) finished++;
    else if (got == 1 && from != r[0]) others++;
  }
  printf("fairness with a finished end: %d zero reads, %d data reads\n", finished, others);
  CHECK(others >= 10);
  CHECK(finished >= 1);
}

static void backpressure(void) {
  int32_t ends[2];
  CHECK_EQ(minos_pipe(16, ends), 0);
  int32_t w = ends[0], r = ends[1];
  char data[100];
  for (int i = 0; i < 100; i++) data[i] = (char)i;
  CHECK_EQ(minos_write(w, data, 100), 16); /* partial: what fits */
  char got[100] = {0};
  int32_t from;
  CHECK_EQ(minos_read(&r, 1, got, 10, &from), 10);
  CHECK(memcmp(got, data, 10) == 0);
  CHECK_EQ(minos_write(w, data + 16, 84), 10);
  CHECK_ERR(minos_try_read(&w, 1, got, 1, &from), MINOS_EPERM);
  CHECK_EQ(minos_read(&r, 1, got, 100, &from), 16);
  CHECK(memcmp(got, data + 10, 16) == 0);
  /* Empty again: the next write takes 16 from a long buffer. */
  CHECK_EQ(minos_write(w, data, 16), 16);
  CHECK_EQ(minos_read(&r, 1, got, 100, &from), 16);
  CHECK(memcmp(got, data, 16) == 0);
  CHECK_EQ(minos_write(w, data, 5), 5);
  CHECK_EQ(minos_write(w, data + 5, 5), 5);
  CHECK_EQ(minos_write(w, data + 10, 50), 6);
  CHECK_EQ(minos_read(&r, 1, got, 100, &from), 16);
  CHECK(memcmp(got, data, 16) == 0);
}

static void wasi(void) {
  int32_t ends[2];
  CHECK_EQ(minos_pipe(0, ends), 0);
  int w = ends[0], r = ends[1];
  /* WASI write, minos read. */
  CHECK_EQ(write(w, "through wasi", 12), 12);
  char buffer[64] = {0};
  int32_t from;
  CHECK_EQ(minos_read(&ends[1], 1, buffer, sizeof buffer, &from), 12);
  CHECK(memcmp(buffer, "through wasi", 12) == 0);
  /* minos write, WASI read. */
  CHECK_EQ(minos_write(w, "back again", 10), 10);
  memset(buffer, 0, sizeof buffer);
  CHECK_EQ(read(r, buffer, sizeof buffer), 10);
  CHECK(memcmp(buffer, "back again", 10) == 0);
  /* Scatter/gather. */
  __wasi_ciovec_t out[2] = {{(const uint8_t *)"abc", 3}, {(const uint8_t *)"defg", 4}};
  __wasi_size_t count = 0;
  CHECK_WASI(__wasi_fd_write(w, out, 2, &count), 0);
  CHECK_EQ(count, 7);
  char one[2] = {0}, rest[16] = {0};
  __wasi_iovec_t in[2] = {{(uint8_t *)one, 2}, {(uint8_t *)rest, sizeof rest}};
  CHECK_WASI(__wasi_fd_read(r, in, 2, &count), 0);
  CHECK_EQ(count, 7);
  CHECK(memcmp(one, "ab", 2) == 0 && memcmp(rest, "cdefg", 5) == 0);
  /* Wrong directions fail without harm. */
  errno = 0;
  CHECK_EQ(write(r, "x", 1), -1);
  CHECK(errno != 0);
  errno = 0;
  CHECK_EQ(read(w, buffer, 1), -1);
  CHECK(errno != 0);
  /* A FILE on a write end: printf into a channel. */
  FILE *file = fdopen(w, "w");
  CHECK(file != NULL);
  if (file) {
    fprintf(file, "printf %d into a channel\n", 42);
    CHECK_EQ(fclose(file), 0); /* closes w */
    memset(buffer, 0, sizeof buffer);
    CHECK_EQ(read_all(ends[1], buffer, sizeof buffer), 25);
    CHECK(strcmp(buffer, "printf 42 into a channel\n") == 0);
    CHECK_ERR(minos_wclose(w), MINOS_EBADF); /* fclose really closed it */
  }
  /* WASI read sees the end of stream; WASI close closes a minos end. */
  CHECK_EQ(read(r, buffer, sizeof buffer), 0);
  CHECK_EQ(close(r), 0);
  CHECK_ERR(minos_rclose(r), MINOS_EBADF);
  /* A WASI write after the reader left fails (EPIPE), no signal. */
  CHECK_EQ(minos_pipe(0, ends), 0);
  CHECK_EQ(minos_rclose(ends[1]), 0);
  errno = 0;
  CHECK_EQ(write(ends[0], "x", 1), -1);
  CHECK_EQ(errno, EPIPE);
  CHECK_EQ(close(ends[0]), 0);
  /* And WASI reads a channel a stdio FILE can use. */
  CHECK_EQ(minos_pipe(0, ends), 0);
  CHECK_EQ(minos_write(ends[0], "12 34\n", 6), 6);
  CHECK_EQ(minos_wclose(ends[0]), 0);
  FILE *input = fdopen(ends[1], "r");
  CHECK(input != NULL);
  if (input) {
    int x = 0, y = 0;
    CHECK_EQ(fscanf(input, "%d %d", &x, &y), 2);
    CHECK_EQ(x + y, 46);
    CHECK_EQ(fscanf(input, "%d", &x), EOF);
    fclose(input);
  }
}

/* More WASI on channel ends: poll_oneoff, non-blocking descriptors,
 * fd_renumber, fdstat. */
static void wasi_more(void) {
  int32_t a[2], b[2];
  CHECK_EQ(minos_pipe(0, a), 0);
  CHECK_EQ(minos_pipe(0, b), 0);
  /* poll: nothing to read yet, the clock fires. */
  struct pollfd fds[2] = {{.fd = a[1], .events = POLLIN}, {.fd = b[0], .events = POLLOUT}};
  CHECK_EQ(poll(fds, 1, 30), 0);
  /* A write end with room is writable; a read end with data readable. */
  CHECK_EQ(poll(&fds[1], 1, 1000), 1);
  CHECK(fds[1].revents & POLLOUT);
  CHECK_EQ(minos_write(a[0], "x", 1), 1);
  fds[0].revents = 0;
  CHECK_EQ(poll(fds, 1, 1000), 1);
  CHECK(fds[0].revents & POLLIN);
  char c = 0;
  CHECK_EQ(read(a[1], &c, 1), 1);
  /* A finished read end is ready (its read gives 0). */
  CHECK_EQ(minos_wclose(a[0]), 0);
  fds[0].revents = 0;
  CHECK_EQ(poll(fds, 1, 1000), 1);
  CHECK(fds[0].revents & (POLLIN | POLLHUP));
  CHECK_EQ(read(a[1], &c, 1), 0);
  CHECK_EQ(minos_rclose(a[1]), 0);

  /* Non-blocking read end: EAGAIN instead of waiting. */
  int flags = fcntl(b[1], F_GETFL);
  CHECK(flags >= 0);
  CHECK_EQ(fcntl(b[1], F_SETFL, flags | O_NONBLOCK), 0);
  errno = 0;
  CHECK_EQ(read(b[1], &c, 1), -1);
  CHECK_EQ(errno, EAGAIN);
  CHECK_EQ(minos_write(b[0], "y", 1), 1);
  CHECK_EQ(read(b[1], &c, 1), 1);
  CHECK_EQ(c, 'y');
  /* Non-blocking write end: what fits, then EAGAIN. */
  int32_t small[2];
  CHECK_EQ(minos_pipe(8, small), 0);
  flags = fcntl(small[0], F_GETFL);
  CHECK_EQ(fcntl(small[0], F_SETFL, flags | O_NONBLOCK), 0);
  CHECK_EQ(write(small[0], "0123456789", 10), 8);
  errno = 0;
  CHECK_EQ(write(small[0], "z", 1), -1);
  CHECK_EQ(errno, EAGAIN);
  CHECK_EQ(minos_wclose(small[0]), 0);
  CHECK_EQ(minos_rclose(small[1]), 0);

  /* fd_renumber: b's write end takes over a's old number... */
  int32_t c2[2];
  CHECK_EQ(minos_pipe(0, c2), 0); /* lowest free: where a was */
  CHECK_WASI(__wasi_fd_renumber(b[0], c2[0]), 0);
  /* c2[0] is now b's write end; c2's own write end was closed by it. */
  CHECK_EQ(minos_write(c2[0], "r", 1), 1);
  CHECK_EQ(read(b[1], &c, 1), 1);
  CHECK_EQ(c, 'r');
  CHECK_ERR(minos_write(b[0], "x", 1), MINOS_EBADF); /* the old number is free */
  int32_t from;
  CHECK_EQ(minos_read_timeout(&c2[1], 1, &c, 1, &from, 1000000000), 0);
  CHECK_EQ(minos_wclose(c2[0]), 0);
  CHECK_EQ(read(b[1], &c, 1), 0); /* b finished */

  /* fdstat on a channel end answers. */
  __wasi_fdstat_t stat;
  CHECK_WASI(__wasi_fd_fdstat_get(b[1], &stat), 0);
  CHECK_EQ(minos_rclose(b[1]), 0);
  CHECK_EQ(minos_rclose(c2[1]), 0);
}

/* The host side of stdout goes away (minos run ... | head -c 100): the
 * cell's writes to stdout get ECLOSED, then WASI's EPIPE, and it lives. */
static void stdout_closed(void) {
  static char block[4096];
  memset(block, 'o', sizeof block);
  long total = 0;
  int32_t rc;
  while ((rc = minos_write(1, block, sizeof block)) > 0) {
    total += rc;
    if (total > (1L << 30)) break;
  }
  CHECK_ERR(rc, MINOS_ECLOSED);
  CHECK_ERR(minos_write(1, block, 1), MINOS_ECLOSED);
  errno = 0;
  CHECK_EQ(write(1, block, 1), -1);
  CHECK_EQ(errno, EPIPE);
  fprintf(stderr, "stdout closed after %ld bytes\n", total);
  report = stderr;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: api_channels SECTION\n");
    return 64;
  }
  const char *section = argv[1];
  if (strcmp(section, "basics") == 0) basics();
  else if (strcmp(section, "errors") == 0) errors();
  else if (strcmp(section, "faults") == 0) faults();
  else if (strcmp(section, "limits") == 0) limits();
  else if (strcmp(section, "timeouts") == 0) timeouts();
  else if (strcmp(section, "fairness") == 0) fairness();
  else if (strcmp(section, "backpressure") == 0) backpressure();
  else if (strcmp(section, "wasi") == 0) wasi();
  else if (strcmp(section, "wasi-more") == 0) wasi_more();
  else if (strcmp(section, "stdout-closed") == 0) stdout_closed();
  else {
    fprintf(stderr, "unknown section %s\n", section);
    return 64;
  }
  char name[64];
  snprintf(name, sizeof name, "api_channels %s", section);
  api_exit(name);
}
