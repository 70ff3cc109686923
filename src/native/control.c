/* SPDX-License-Identifier: Apache-2.0 */
/* A native cell's cell calls, served: see control.h. */
#include "native/control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/account.h"
#include "core/channel.h"
#include "core/child_spec.h"
#include "core/children.h"
#include "core/code.h"
#include "core/fd_message.h"
#include "core/log.h"
#include "core/offload.h"
#include "core/reactor.h"
#include "core/runtime.h"
#include "core/scheduler.h"
#include "native/control_protocol.h"

#define MAXIMUM_CODE_BYTES ((size_t)MINOS_CHANNEL_MAX_CAPACITY)
/* The code must arrive within this: a program that never finishes
 * sending it must not hold a thread of the runtime. */
#define CODE_DEADLINE_MS 10000
/* Requests answered before the cell lets its worker's other cells run: a
 * program that floods its socket must not hold the worker. */
#define REQUESTS_PER_TURN 16

static int32_t failure(minos_status status) { return -(int32_t)status; }

/* ---- cnew ---------------------------------------------------------------- */

/* Off the worker: the code read from the program's descriptor to its end
 * (within CODE_DEADLINE_MS), then prepared by its arch. */
typedef struct code_job {
  int fd;
  uint32_t arch; /* the spec's */
  uint64_t memory_bytes;
  cell_code code;
  code_report report;
  minos_status status;
} code_job;

static int64_t now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static minos_status read_code(int fd, uint8_t **bytes, size_t *length) {
  int64_t deadline = now_ms() + CODE_DEADLINE_MS;
  size_t capacity = 0;
  *bytes = NULL;
  *length = 0;
  for (;;) {
    if (*length == capacity) {
      capacity = capacity ? capacity * 2 : 64 * 1024;
      uint8_t *grown = capacity <= MAXIMUM_CODE_BYTES ? realloc(*bytes, capacity) : NULL;
      if (!grown) return capacity > MAXIMUM_CODE_BYTES ? MINOS_ELIMIT : MINOS_ENOMEM;
      *bytes = grown;
    }
    struct pollfd waiting = {.fd = fd, .events = POLLIN};
    int64_t left = deadline - now_ms();
    if (left <= 0 || poll(&waiting, 1, (int)left) != 1) return MINOS_ETIMEDOUT;
    ssize_t got = read(fd, *bytes + *length, capacity - *length);
    if (got == 0) return MINOS_OK;
    if (got < 0 && errno != EINTR && errno != EAGAIN) return MINOS_EIO;
    if (got > 0) *length += (size_t)got;
  }
}

static void run_code_job(void *argument) {
  code_job *job = argument;
  uint8_t *bytes;
  size_t length;
  job->status = read_code(job->fd, &bytes, &length);
  const code_arch *arch = job->status == MINOS_OK ? code_arch_of(bytes, length) : NULL;
  bool native = arch && strcmp(arch->name, "native") == 0;
  if (job->status == MINOS_OK && arch && native != (job->arch == MINOS_ARCH_NATIVE)) {
    char what[160];
    snprintf(job->report.error, sizeof job->report.error, "the code is %s; the spec's arch says %s",
             code_describe(bytes, length, what, sizeof what), native ? "wasm" : "native");
    job->status = MINOS_EMODULE;
  }
  if (job->status == MINOS_OK)
    job->status = code_prepare_bytes(bytes, length, "child", job->memory_bytes, &job->code,
                                     &job->report);
  free(bytes);
}

static void release_code_job(void *argument) {
  code_job *job = argument;
  if (job->status == MINOS_OK) code_release(&job->code);
  close(job->fd);
  free(job);
}

static unsigned code_threads(void) { return 2; }
static offload_pool code_pool = OFFLOAD_POOL_INITIALIZER(code_threads);

static minos_status prepare_child_code(cell *self, int fd, const minos_arch_spec *spec,
                                       uint64_t memory_bytes, cell_code *out) {
  code_job *job = calloc(1, sizeof *job);
  if (!job) {
    close(fd);
    return MINOS_ENOMEM;
  }
  *job = (code_job){.fd = fd, .arch = spec->arch, .memory_bytes = memory_bytes,
                    .status = MINOS_EIO};
  offload_outcome outcome = offload_run(&code_pool, &self->waiter, run_code_job,
                                        release_code_job, job);
  if (outcome == OFFLOAD_ABANDONED) return MINOS_EIO; /* ending: the pool frees the job */
  minos_status status = outcome == OFFLOAD_DONE ? job->status : MINOS_EIO;
  if (outcome == OFFLOAD_DONE && status != MINOS_OK)
    log_message(LOG_INFO, self->name, "cnew: %s", job->report.error);
  if (status == MINOS_OK) *out = job->code;
  close(job->fd);
  free(job);
  return status == MINOS_ELIMIT || status == MINOS_EMODULE || status == MINOS_ETIMEDOUT ||
                 status == MINOS_OK
             ? status
             : MINOS_EIO;
}

static int32_t place_child(cell *self, cell *child, uint32_t placement) {
  int32_t id = cell_adopt(self, child);
  if (id < 0) {
    cell_disown(child);
    return id;
  }
  minos_status status = runtime_place(self->scheduler->runtime, child,
                                      (cell_placement)placement, self);
  if (status == MINOS_OK) return id;
  cell_forget_child(self, id);
  cell_disown(child);
  return failure(status);
}

static int32_t serve_cnew(cell *self, minos_arch_spec *spec, int code_fd,
                          const control_limits *given) {
  child_limits limits;
  minos_status status = spec->size >= 8 && spec->size <= sizeof *spec ? child_spec_check(spec)
                                                                       : MINOS_EINVAL;
  if (status == MINOS_OK)
    status = child_limits_resolve(self, spec, given->descriptors, &limits);
  if (status != MINOS_OK) {
    close(code_fd);
    return failure(status);
  }
  cell_code code;
  status = prepare_child_code(self, code_fd, spec, limits.memory_bytes, &code);
  if (status != MINOS_OK) return failure(status);
  char name[48], error[256];
  cell_config config = child_config(self, spec, &limits, given->denied_grants, name, sizeof name);
  cell *child;
  status = code_create_cell(&code, &config, &child, error, sizeof error);
  code_release(&code);
  if (status != MINOS_OK) {
    if (status != MINOS_ELIMIT) log_message(LOG_WARN, self->name, "cnew: %s", error);
    return failure(status == MINOS_ELIMIT ? status : MINOS_EIO);
  }
  return place_child(self, child, spec->placement);
}

/* ---- passes -------------------------------------------------------------- */

/* A new channel between the child and the program's descriptor, pumped
 * by the reactor: the child's end is a channel end, as any cell's. */
static int32_t serve_pass(cell *self, int32_t cid, int fd, bool child_writes) {
  cell *child = cell_child(self, cid);
  channel_end *write_end = NULL, *read_end = NULL;
  reactor *loop;
  minos_status status = child ? MINOS_OK : MINOS_EBADF;
  if (status == MINOS_OK) status = runtime_reactor(self->scheduler->runtime, &loop);
  if (status == MINOS_OK) status = channel_create(0, &write_end, &read_end);
  if (status == MINOS_OK && channel_charge(write_end, self->account, 0) != MINOS_OK)
    status = MINOS_ELIMIT;
  if (status != MINOS_OK) {
    if (write_end) channel_end_close(write_end), channel_end_close(read_end);
    close(fd);
    return failure(status);
  }
  channel_end *childs = child_writes ? write_end : read_end;
  channel_end *ours = child_writes ? read_end : write_end;
  int32_t number = child->arch->install_end(child, childs);
  if (number < 0) {
    channel_end_close(childs);
    channel_end_close(ours);
    close(fd);
    return number;
  }
  status = child_writes ? reactor_attach_pipe_ends(loop, -1, NULL, fd, ours)
                        : reactor_attach_pipe_ends(loop, fd, ours, -1, NULL);
  if (status != MINOS_OK) { /* the child sees its end finished */
    channel_end_close(ours);
    close(fd);
  }
  return number;
}

/* ---- children ------------------------------------------------------------ */

static int32_t serve_cwait(cell *self, int32_t cid, minos_cell_status *status) {
  cell *child = cell_child(self, cid);
  if (!child) return failure(MINOS_EBADF);
  cell_let_start(child);
  if (!cell_wait_end(child, &self->waiter, DEADLINE_NEVER)) return failure(MINOS_EIO);
  const cell_outcome *outcome = &child->outcome;
  status->fault = outcome->faulted ? (uint32_t)outcome->fault : 0;
  status->exit_code = outcome->faulted ? 0 : outcome->exit_code;
  cell_forget_child(self, cid);
  cell_reap(child);
  return 0;
}

static int32_t serve_child_call(cell *self, const control_request *request) {
  cell *child = cell_child(self, request->cid);
  if (!child) return failure(MINOS_EBADF);
  if (request->operation == CONTROL_CSTART) cell_let_start(child);
  else cell_request_end(child, FAULT_KILLED);
  return 0;
}

/* ---- the socket ---------------------------------------------------------- */

/* One request, with its descriptor if it came with one (else -1); 0
 * when none waits. */
static ssize_t receive(int control_fd, control_request *request, int *fd) {
  ssize_t got = fd_message_receive(control_fd, request, sizeof *request, fd, MSG_DONTWAIT);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return got;
}

static control_reply answer(cell *self, control_request *request, int fd,
                            const control_limits *limits) {
  control_reply reply = {.result = failure(MINOS_EINVAL)};
  bool needs_fd = request->operation == CONTROL_CNEW || request->operation == CONTROL_WPASS ||
                  request->operation == CONTROL_RPASS;
  if (needs_fd != (fd >= 0)) {
    if (fd >= 0) close(fd);
    reply.result = failure(needs_fd ? MINOS_EBADF : MINOS_EINVAL);
    return reply;
  }
  switch (request->operation) {
  case CONTROL_CNEW: reply.result = serve_cnew(self, &request->spec, fd, limits); break;
  case CONTROL_WPASS: reply.result = serve_pass(self, request->cid, fd, true); break;
  case CONTROL_RPASS: reply.result = serve_pass(self, request->cid, fd, false); break;
  case CONTROL_CSTART:
  case CONTROL_CKILL: reply.result = serve_child_call(self, request); break;
  case CONTROL_CWAIT: reply.result = serve_cwait(self, request->cid, &reply.status); break;
  }
  return reply;
}

bool control_serve(cell *self, int control_fd, const control_limits *limits) {
  for (int served = 0; served < REQUESTS_PER_TURN; served++) {
    control_request request;
    int fd;
    ssize_t got = receive(control_fd, &request, &fd);
    if (got <= 0) return false;
    control_reply reply = {.result = failure(MINOS_EINVAL)};
    if (got == (ssize_t)sizeof request) reply = answer(self, &request, fd, limits);
    else if (fd >= 0) close(fd);
    if (send(control_fd, &reply, sizeof reply, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) return false;
    if (atomic_load(&self->end_request) != FAULT_NONE) return false;
  }
  return true;
}
