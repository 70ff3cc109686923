/* SPDX-License-Identifier: Apache-2.0 */
/* A native cell that creates a cell through libminos-guest.a, the guest
 * API for native programs, from the code on its stdin:
 *   native_parent wasm|native
 * runs the child with a pipe for its stdin (closed at once) and one for
 * its stdout, and prints "child wrote: ..." and "child ended: fault F
 * exit E", or "cnew: -STATUS" when it may not create cells.
 *   native_parent hostile
 * sends the runtime malformed requests on its control socket (short, of
 * no operation, a descriptor where none belongs or none where one must,
 * for no child, a thousand in batches) and prints "hostile: N answers as
 * expected of N" (src/native/control_protocol.h). */
#include <minos.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fd_message.h"
#include "native/control_protocol.h"

static int control;

/* One raw request (of `size` bytes, with `fd` attached if >= 0). */
static void send_raw(const void *request, size_t size, int fd) {
  if (fd_message_send(control, request, size, fd, 0) < 0) perror("sendmsg");
}

static int32_t answer_to(const void *request, size_t size, int fd) {
  send_raw(request, size, fd);
  control_reply reply;
  return recv(control, &reply, sizeof reply, 0) == sizeof reply ? reply.result : 12345;
}

static int hostile(void) {
  const char *text = getenv(MINOS_CONTROL_VARIABLE);
  if (!text) return 1;
  control = atoi(text);
  int expected = 0, asked = 0, file = open("/proc/self/status", O_RDONLY);
  control_request request = {.operation = CONTROL_CSTART, .cid = 42};
  asked++, expected += answer_to("abc", 3, -1) == -MINOS_EINVAL;
  request.operation = 999;
  asked++, expected += answer_to(&request, sizeof request, -1) == -MINOS_EINVAL;
  request.operation = CONTROL_CSTART;
  asked++, expected += answer_to(&request, sizeof request, -1) == -MINOS_EBADF;
  asked++, expected += answer_to(&request, sizeof request, file) == -MINOS_EINVAL;
  request.operation = CONTROL_CNEW;
  asked++, expected += answer_to(&request, sizeof request, -1) == -MINOS_EBADF;
  request.operation = CONTROL_WPASS;
  asked++, expected += answer_to(&request, sizeof request, file) == -MINOS_EBADF;
  request.operation = CONTROL_CWAIT;
  for (int batch = 0; batch < 20; batch++) {
    for (int i = 0; i < 50; i++) send_raw(&request, sizeof request, -1);
    for (int i = 0; i < 50; i++) {
      control_reply reply;
      asked++;
      expected += recv(control, &reply, sizeof reply, 0) == sizeof reply &&
                  reply.result == -MINOS_EBADF;
    }
  }
  printf("hostile: %d answers as expected of %d\n", expected, asked);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) return 64;
  if (strcmp(argv[1], "hostile") == 0) return hostile();
  minos_arch_spec spec = {.size = sizeof spec,
                          .arch = strcmp(argv[1], "native") == 0 ? MINOS_ARCH_NATIVE
                                                                 : MINOS_ARCH_WASM};
  int32_t cid = minos_cnew(0, &spec, sizeof spec);
  if (cid < 0) {
    printf("cnew: %d\n", cid);
    return 0;
  }
  int32_t in[2], out[2];
  if (minos_pipe(0, in) != 0 || minos_pipe(0, out) != 0) return 1;
  int32_t child_in = minos_rpass(in[1], cid);
  int32_t child_out = minos_wpass(out[0], cid);
  printf("passed as %d and %d\n", child_in, child_out);
  if (minos_cstart(cid) != 0 || minos_wclose(in[0]) != 0) return 2;
  char output[256];
  int32_t used = 0, got, from;
  while (used < (int32_t)sizeof output - 1 &&
         (got = minos_read(&out[1], 1, output + used, sizeof output - 1 - (uint32_t)used, &from)) > 0)
    used += got;
  output[used] = '\0';
  printf("child wrote: %s", output);
  minos_cell_status status;
  int32_t waited = minos_cwait(cid, &status);
  printf("child ended: %d fault %u exit %u\n", waited, status.fault, status.exit_code);
  printf("again: %d\n", minos_cwait(cid, &status)); /* forgotten: MINOS_EBADF */
  return 0;
}
