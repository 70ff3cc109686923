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
#include "core/children.h"
#include "core/code.h"
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

typedef struct child_limits {
  uint64_t memory_bytes, cpu_time_ns, host_fds, max_cells;
  uint32_t descriptors;
} child_limits;

/* As a wasm cell's (src/wasm/spawn.c): 0 takes what is left; more than
 * is left is refused, never cut down. */
static minos_status inherit(uint64_t asked, uint64_t left, bool zero_is_unlimited,
                            uint64_t *out) {
  if (asked > left) return MINOS_ELIMIT;
  if (asked) *out = asked;
  else if (left == ACCOUNT_UNLIMITED) *out = 0;
  else if (left == 0 && zero_is_unlimited) return MINOS_ELIMIT;
  else *out = left;
  return MINOS_OK;
}

static minos_status resolve_limits(cell *self, const minos_arch_spec *spec,
                                   const control_limits *given, child_limits *out) {
  const account *parent = self->account;
  if (self->limits.max_cells == 0) return MINOS_EPERM;
  uint64_t cells_left = account_remaining(parent, ACCOUNT_CELLS);
  if (cells_left == 0) return MINOS_ELIMIT;
  if (spec->descriptors > given->descriptors) return MINOS_ELIMIT;
  out->descriptors = spec->descriptors ? spec->descriptors : given->descriptors;
  minos_status status = inherit(spec->memory_bytes, account_remaining(parent, ACCOUNT_MEMORY),
                                true, &out->memory_bytes);
  if (status == MINOS_OK)
    status = inherit(spec->cpu_time_ns, account_remaining(parent, ACCOUNT_CPU), true,
                     &out->cpu_time_ns);
  if (status == MINOS_OK) status = inherit(spec->max_cells, cells_left - 1, false, &out->max_cells);
  out->host_fds = account_remaining(parent, ACCOUNT_HOST_FDS);
  if (out->host_fds == ACCOUNT_UNLIMITED) out->host_fds = out->descriptors;
  return status;
}

static minos_status check_spec(const minos_arch_spec *spec) {
  if (spec->size < 8 || spec->size > sizeof *spec) return MINOS_EINVAL;
  if (spec->arch != MINOS_ARCH_WASM && spec->arch != MINOS_ARCH_NATIVE) return MINOS_EINVAL;
  if (spec->placement > MINOS_PLACE_OTHER_WORKER) return MINOS_EINVAL;
  if (spec->stack_bytes && spec->stack_bytes < 16 * 1024) return MINOS_EINVAL;
  return MINOS_OK;
}

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
  minos_status status = check_spec(spec);
  if (status == MINOS_OK) status = resolve_limits(self, spec, given, &limits);
  if (status != MINOS_OK) {
    close(code_fd);
    return failure(status);
  }
  cell_code code;
  status = prepare_child_code(self, code_fd, spec, limits.memory_bytes, &code);
  if (status != MINOS_OK) return failure(status);
  static const char *const args[] = {"child"};
  char name[48], error[256];
  snprintf(name, sizeof name, "%s/child", self->name);
  cell_config config = {.name = name, .args = args, .arg_count = 1,
                        .memory_limit_bytes = limits.memory_bytes,
                        .stack_bytes = spec->stack_bytes, .cpu_time_ns = limits.cpu_time_ns,
                        .descriptor_limit = limits.descriptors, .parent_account = self->account,
                        .host_fds = limits.host_fds, .max_cells = limits.max_cells,
                        .wait_for_start = true, .denied_grants = given->denied_grants};
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
  struct iovec data = {.iov_base = request, .iov_len = sizeof *request};
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.bytes,
                           .msg_controllen = sizeof control.bytes};
  *fd = -1;
  ssize_t got = recvmsg(control_fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  struct cmsghdr *header = got > 0 ? CMSG_FIRSTHDR(&message) : NULL;
  if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS &&
      header->cmsg_len == CMSG_LEN(sizeof(int)))
    memcpy(fd, CMSG_DATA(header), sizeof *fd);
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
