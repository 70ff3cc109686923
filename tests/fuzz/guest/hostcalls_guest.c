/* SPDX-License-Identifier: Apache-2.0 */
/* The guest of the host-call fuzzer (tests/fuzz/hostcalls.c): it reads
 * its whole stdin and plays it as a program of host calls, every WASI
 * preview 1 and minos import with arguments taken from the input, wild
 * values included, so the fuzzer drives the runtime's host functions the
 * way a hostile cell would. It has no libc start-up (-nostartfiles) and
 * declares the imports itself, with their raw types, so nothing checks an
 * argument before the runtime does.
 *
 * The program, byte by byte (little-endian numbers):
 *   op 0x00-0xef  call host function (op % CALL_COUNT); then one argument
 *                 per parameter, as below; its result is kept for kind 6
 *   op 0xf0       data: offset (2 bytes), length (1 byte), bytes: copied
 *                 into the arena (paths, iovecs, events, code for cnew)
 *   op 0xf1       repeat the last call (1 byte) times: spinning in host calls
 *   op 0xf2       trap (unreachable)
 *   op 0xf3       exit with the next byte as the code
 *   op 0xf4       pointer: offset (2 bytes), target (2 bytes): stores the
 *                 address arena + target at arena + offset (iovecs, events)
 *   argument      kind byte, kind % 8:
 *                 0 small (1 byte)          1 arena pointer (2-byte offset)
 *                 2 any 32 bits (4 bytes)   3 any 64 bits (8 bytes)
 *                 4 an edge value (1 byte: index in edge_values)
 *                 5 the i32 at arena offset 4 * (1 byte): an out-parameter
 *                   written by an earlier call (a descriptor, a cell id)
 *                 6 the last call's result   7 a descriptor 0-15 (1 byte)
 * The end of the input ends the program with exit code 0. */
#include <stdint.h>
#include <string.h>

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

IMPORT("wasi_snapshot_preview1", "args_get") int32_t wasi_args_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "args_sizes_get") int32_t wasi_args_sizes_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "environ_get") int32_t wasi_environ_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "environ_sizes_get") int32_t wasi_environ_sizes_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "clock_res_get") int32_t wasi_clock_res_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "clock_time_get") int32_t wasi_clock_time_get(int32_t, int64_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_advise") int32_t wasi_fd_advise(int32_t, int64_t, int64_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_allocate") int32_t wasi_fd_allocate(int32_t, int64_t, int64_t);
IMPORT("wasi_snapshot_preview1", "fd_close") int32_t wasi_fd_close(int32_t);
IMPORT("wasi_snapshot_preview1", "fd_datasync") int32_t wasi_fd_datasync(int32_t);
IMPORT("wasi_snapshot_preview1", "fd_fdstat_get") int32_t wasi_fd_fdstat_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_fdstat_set_flags") int32_t wasi_fd_fdstat_set_flags(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_fdstat_set_rights") int32_t wasi_fd_fdstat_set_rights(int32_t, int64_t, int64_t);
IMPORT("wasi_snapshot_preview1", "fd_filestat_get") int32_t wasi_fd_filestat_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_filestat_set_size") int32_t wasi_fd_filestat_set_size(int32_t, int64_t);
IMPORT("wasi_snapshot_preview1", "fd_filestat_set_times") int32_t wasi_fd_filestat_set_times(int32_t, int64_t, int64_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_pread") int32_t wasi_fd_pread(int32_t, int32_t, int32_t, int64_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_prestat_get") int32_t wasi_fd_prestat_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_prestat_dir_name") int32_t wasi_fd_prestat_dir_name(int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_pwrite") int32_t wasi_fd_pwrite(int32_t, int32_t, int32_t, int64_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_read") int32_t wasi_fd_read(int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_readdir") int32_t wasi_fd_readdir(int32_t, int32_t, int32_t, int64_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_renumber") int32_t wasi_fd_renumber(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_seek") int32_t wasi_fd_seek(int32_t, int64_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_sync") int32_t wasi_fd_sync(int32_t);
IMPORT("wasi_snapshot_preview1", "fd_tell") int32_t wasi_fd_tell(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "fd_write") int32_t wasi_fd_write(int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_create_directory") int32_t wasi_path_create_directory(int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_filestat_get") int32_t wasi_path_filestat_get(int32_t, int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_filestat_set_times") int32_t wasi_path_filestat_set_times(int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_link") int32_t wasi_path_link(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_open") int32_t wasi_path_open(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_readlink") int32_t wasi_path_readlink(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_remove_directory") int32_t wasi_path_remove_directory(int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_rename") int32_t wasi_path_rename(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_symlink") int32_t wasi_path_symlink(int32_t, int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "path_unlink_file") int32_t wasi_path_unlink_file(int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "poll_oneoff") int32_t wasi_poll_oneoff(int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "proc_exit") void wasi_proc_exit(int32_t);
IMPORT("wasi_snapshot_preview1", "proc_raise") int32_t wasi_proc_raise(int32_t);
IMPORT("wasi_snapshot_preview1", "sched_yield") int32_t wasi_sched_yield(void);
IMPORT("wasi_snapshot_preview1", "random_get") int32_t wasi_random_get(int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "sock_accept") int32_t wasi_sock_accept(int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "sock_recv") int32_t wasi_sock_recv(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "sock_send") int32_t wasi_sock_send(int32_t, int32_t, int32_t, int32_t, int32_t);
IMPORT("wasi_snapshot_preview1", "sock_shutdown") int32_t wasi_sock_shutdown(int32_t, int32_t);
IMPORT("minos", "pipe") int32_t minos_pipe(int32_t, int32_t);
IMPORT("minos", "write") int32_t minos_write(int32_t, int32_t, int32_t);
IMPORT("minos", "read") int32_t minos_read(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t);
IMPORT("minos", "wclose") int32_t minos_wclose(int32_t);
IMPORT("minos", "rclose") int32_t minos_rclose(int32_t);
IMPORT("minos", "wpass") int32_t minos_wpass(int32_t, int32_t);
IMPORT("minos", "rpass") int32_t minos_rpass(int32_t, int32_t);
IMPORT("minos", "cnew") int32_t minos_cnew(int32_t, int32_t, int32_t);
IMPORT("minos", "cstart") int32_t minos_cstart(int32_t);
IMPORT("minos", "ckill") int32_t minos_ckill(int32_t);
IMPORT("minos", "cwait") int32_t minos_cwait(int32_t, int32_t);
IMPORT("minos", "connect") int32_t minos_connect(int32_t, int32_t, int32_t);
IMPORT("minos", "listen") int32_t minos_listen(int32_t, int32_t);
IMPORT("minos", "accept") int32_t minos_accept(int32_t, int32_t, int64_t);

static int32_t call_wasi_args_get(const uint64_t *a) {
  return wasi_args_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_args_sizes_get(const uint64_t *a) {
  return wasi_args_sizes_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_environ_get(const uint64_t *a) {
  return wasi_environ_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_environ_sizes_get(const uint64_t *a) {
  return wasi_environ_sizes_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_clock_res_get(const uint64_t *a) {
  return wasi_clock_res_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_clock_time_get(const uint64_t *a) {
  return wasi_clock_time_get((int32_t)a[0], (int64_t)a[1], (int32_t)a[2]);
}
static int32_t call_wasi_fd_advise(const uint64_t *a) {
  return wasi_fd_advise((int32_t)a[0], (int64_t)a[1], (int64_t)a[2], (int32_t)a[3]);
}
static int32_t call_wasi_fd_allocate(const uint64_t *a) {
  return wasi_fd_allocate((int32_t)a[0], (int64_t)a[1], (int64_t)a[2]);
}
static int32_t call_wasi_fd_close(const uint64_t *a) {
  return wasi_fd_close((int32_t)a[0]);
}
static int32_t call_wasi_fd_datasync(const uint64_t *a) {
  return wasi_fd_datasync((int32_t)a[0]);
}
static int32_t call_wasi_fd_fdstat_get(const uint64_t *a) {
  return wasi_fd_fdstat_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_fd_fdstat_set_flags(const uint64_t *a) {
  return wasi_fd_fdstat_set_flags((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_fd_fdstat_set_rights(const uint64_t *a) {
  return wasi_fd_fdstat_set_rights((int32_t)a[0], (int64_t)a[1], (int64_t)a[2]);
}
static int32_t call_wasi_fd_filestat_get(const uint64_t *a) {
  return wasi_fd_filestat_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_fd_filestat_set_size(const uint64_t *a) {
  return wasi_fd_filestat_set_size((int32_t)a[0], (int64_t)a[1]);
}
static int32_t call_wasi_fd_filestat_set_times(const uint64_t *a) {
  return wasi_fd_filestat_set_times((int32_t)a[0], (int64_t)a[1], (int64_t)a[2], (int32_t)a[3]);
}
static int32_t call_wasi_fd_pread(const uint64_t *a) {
  return wasi_fd_pread((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int64_t)a[3], (int32_t)a[4]);
}
static int32_t call_wasi_fd_prestat_get(const uint64_t *a) {
  return wasi_fd_prestat_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_fd_prestat_dir_name(const uint64_t *a) {
  return wasi_fd_prestat_dir_name((int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}
static int32_t call_wasi_fd_pwrite(const uint64_t *a) {
  return wasi_fd_pwrite((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int64_t)a[3], (int32_t)a[4]);
}
static int32_t call_wasi_fd_read(const uint64_t *a) {
  return wasi_fd_read((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3]);
}
static int32_t call_wasi_fd_readdir(const uint64_t *a) {
  return wasi_fd_readdir((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int64_t)a[3], (int32_t)a[4]);
}
static int32_t call_wasi_fd_renumber(const uint64_t *a) {
  return wasi_fd_renumber((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_fd_seek(const uint64_t *a) {
  return wasi_fd_seek((int32_t)a[0], (int64_t)a[1], (int32_t)a[2], (int32_t)a[3]);
}
static int32_t call_wasi_fd_sync(const uint64_t *a) {
  return wasi_fd_sync((int32_t)a[0]);
}
static int32_t call_wasi_fd_tell(const uint64_t *a) {
  return wasi_fd_tell((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_fd_write(const uint64_t *a) {
  return wasi_fd_write((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3]);
}
static int32_t call_wasi_path_create_directory(const uint64_t *a) {
  return wasi_path_create_directory((int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}
static int32_t call_wasi_path_filestat_get(const uint64_t *a) {
  return wasi_path_filestat_get((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4]);
}
static int32_t call_wasi_path_filestat_set_times(const uint64_t *a) {
  return wasi_path_filestat_set_times((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int64_t)a[4], (int64_t)a[5], (int32_t)a[6]);
}
static int32_t call_wasi_path_link(const uint64_t *a) {
  return wasi_path_link((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4], (int32_t)a[5], (int32_t)a[6]);
}
static int32_t call_wasi_path_open(const uint64_t *a) {
  return wasi_path_open((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4], (int64_t)a[5], (int64_t)a[6], (int32_t)a[7], (int32_t)a[8]);
}
static int32_t call_wasi_path_readlink(const uint64_t *a) {
  return wasi_path_readlink((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4], (int32_t)a[5]);
}
static int32_t call_wasi_path_remove_directory(const uint64_t *a) {
  return wasi_path_remove_directory((int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}
static int32_t call_wasi_path_rename(const uint64_t *a) {
  return wasi_path_rename((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4], (int32_t)a[5]);
}
static int32_t call_wasi_path_symlink(const uint64_t *a) {
  return wasi_path_symlink((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4]);
}
static int32_t call_wasi_path_unlink_file(const uint64_t *a) {
  return wasi_path_unlink_file((int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}
static int32_t call_wasi_poll_oneoff(const uint64_t *a) {
  return wasi_poll_oneoff((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3]);
}
static int32_t call_wasi_proc_exit(const uint64_t *a) {
  wasi_proc_exit((int32_t)a[0]);
  return 0;
}
static int32_t call_wasi_proc_raise(const uint64_t *a) {
  return wasi_proc_raise((int32_t)a[0]);
}
static int32_t call_wasi_sched_yield(const uint64_t *a) {
  (void)a;
  return wasi_sched_yield();
}
static int32_t call_wasi_random_get(const uint64_t *a) {
  return wasi_random_get((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_wasi_sock_accept(const uint64_t *a) {
  return wasi_sock_accept((int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}
static int32_t call_wasi_sock_recv(const uint64_t *a) {
  return wasi_sock_recv((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4], (int32_t)a[5]);
}
static int32_t call_wasi_sock_send(const uint64_t *a) {
  return wasi_sock_send((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4]);
}
static int32_t call_wasi_sock_shutdown(const uint64_t *a) {
  return wasi_sock_shutdown((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_minos_pipe(const uint64_t *a) {
  return minos_pipe((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_minos_write(const uint64_t *a) {
  return minos_write((int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}
static int32_t call_minos_read(const uint64_t *a) {
  return minos_read((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], (int32_t)a[3], (int32_t)a[4], (int64_t)a[5]);
}
static int32_t call_minos_wclose(const uint64_t *a) {
  return minos_wclose((int32_t)a[0]);
}
static int32_t call_minos_rclose(const uint64_t *a) {
  return minos_rclose((int32_t)a[0]);
}
static int32_t call_minos_wpass(const uint64_t *a) {
  return minos_wpass((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_minos_rpass(const uint64_t *a) {
  return minos_rpass((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_minos_cnew(const uint64_t *a) {
  return minos_cnew((int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}
static int32_t call_minos_cstart(const uint64_t *a) {
  return minos_cstart((int32_t)a[0]);
}
static int32_t call_minos_ckill(const uint64_t *a) {
  return minos_ckill((int32_t)a[0]);
}
static int32_t call_minos_cwait(const uint64_t *a) {
  return minos_cwait((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_minos_connect(const uint64_t *a) {
  return minos_connect((int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}
static int32_t call_minos_listen(const uint64_t *a) {
  return minos_listen((int32_t)a[0], (int32_t)a[1]);
}
static int32_t call_minos_accept(const uint64_t *a) {
  return minos_accept((int32_t)a[0], (int32_t)a[1], (int64_t)a[2]);
}

typedef struct host_call {
  const char *name;
  const char *params; /* 'i' i32, 'I' i64 */
  int32_t (*call)(const uint64_t *arguments);
} host_call;

static const host_call calls[] = {
    {"args_get", "ii", call_wasi_args_get},
    {"args_sizes_get", "ii", call_wasi_args_sizes_get},
    {"environ_get", "ii", call_wasi_environ_get},
    {"environ_sizes_get", "ii", call_wasi_environ_sizes_get},
    {"clock_res_get", "ii", call_wasi_clock_res_get},
    {"clock_time_get", "iIi", call_wasi_clock_time_get},
    {"fd_advise", "iIIi", call_wasi_fd_advise},
    {"fd_allocate", "iII", call_wasi_fd_allocate},
    {"fd_close", "i", call_wasi_fd_close},
    {"fd_datasync", "i", call_wasi_fd_datasync},
    {"fd_fdstat_get", "ii", call_wasi_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii", call_wasi_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII", call_wasi_fd_fdstat_set_rights},
    {"fd_filestat_get", "ii", call_wasi_fd_filestat_get},
    {"fd_filestat_set_size", "iI", call_wasi_fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi", call_wasi_fd_filestat_set_times},
    {"fd_pread", "iiiIi", call_wasi_fd_pread},
    {"fd_prestat_get", "ii", call_wasi_fd_prestat_get},
    {"fd_prestat_dir_name", "iii", call_wasi_fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi", call_wasi_fd_pwrite},
    {"fd_read", "iiii", call_wasi_fd_read},
    {"fd_readdir", "iiiIi", call_wasi_fd_readdir},
    {"fd_renumber", "ii", call_wasi_fd_renumber},
    {"fd_seek", "iIii", call_wasi_fd_seek},
    {"fd_sync", "i", call_wasi_fd_sync},
    {"fd_tell", "ii", call_wasi_fd_tell},
    {"fd_write", "iiii", call_wasi_fd_write},
    {"path_create_directory", "iii", call_wasi_path_create_directory},
    {"path_filestat_get", "iiiii", call_wasi_path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi", call_wasi_path_filestat_set_times},
    {"path_link", "iiiiiii", call_wasi_path_link},
    {"path_open", "iiiiiIIii", call_wasi_path_open},
    {"path_readlink", "iiiiii", call_wasi_path_readlink},
    {"path_remove_directory", "iii", call_wasi_path_remove_directory},
    {"path_rename", "iiiiii", call_wasi_path_rename},
    {"path_symlink", "iiiii", call_wasi_path_symlink},
    {"path_unlink_file", "iii", call_wasi_path_unlink_file},
    {"poll_oneoff", "iiii", call_wasi_poll_oneoff},
    {"proc_exit", "i", call_wasi_proc_exit},
    {"proc_raise", "i", call_wasi_proc_raise},
    {"sched_yield", "", call_wasi_sched_yield},
    {"random_get", "ii", call_wasi_random_get},
    {"sock_accept", "iii", call_wasi_sock_accept},
    {"sock_recv", "iiiiii", call_wasi_sock_recv},
    {"sock_send", "iiiii", call_wasi_sock_send},
    {"sock_shutdown", "ii", call_wasi_sock_shutdown},
    {"pipe", "ii", call_minos_pipe},
    {"write", "iii", call_minos_write},
    {"read", "iiiiiI", call_minos_read},
    {"wclose", "i", call_minos_wclose},
    {"rclose", "i", call_minos_rclose},
    {"wpass", "ii", call_minos_wpass},
    {"rpass", "ii", call_minos_rpass},
    {"cnew", "iii", call_minos_cnew},
    {"cstart", "i", call_minos_cstart},
    {"ckill", "i", call_minos_ckill},
    {"cwait", "ii", call_minos_cwait},
    {"connect", "iii", call_minos_connect},
    {"listen", "ii", call_minos_listen},
    {"accept", "iiI", call_minos_accept},
};
#define CALL_COUNT (sizeof calls / sizeof calls[0])

#define ARENA_SIZE 65536
static uint8_t arena[ARENA_SIZE];
static uint8_t input[65536];
static size_t input_length, at;

static unsigned next_byte(void) { return at < input_length ? input[at++] : 0; }

static uint64_t next_bytes(unsigned count) {
  uint64_t value = 0;
  for (unsigned i = 0; i < count; i++) value |= (uint64_t)next_byte() << (8 * i);
  return value;
}

static uint64_t memory_end(void) { return (uint64_t)__builtin_wasm_memory_size(0) * 65536; }

static uint64_t edge_value(unsigned index) {
  const uint64_t values[] = {0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe,
                             memory_end(), memory_end() - 1, memory_end() - 4, memory_end() - 8,
                             (uint64_t)(uintptr_t)arena + ARENA_SIZE - 1, 0x10000,
                             0xffffffffffffffffull, 0x8000000000000000ull, 1000000000ull, 3};
  return values[index % (sizeof values / sizeof values[0])];
}

static int32_t last_result;

static uint64_t next_argument(void) {
  switch (next_byte() % 8) {
  case 0: return next_byte();
  case 1: return (uint64_t)(uintptr_t)arena + next_bytes(2);
  case 2: return next_bytes(4);
  case 3: return next_bytes(8);
  case 4: return edge_value(next_byte());
  case 5: {
    int32_t value;
    memcpy(&value, arena + 4 * next_byte(), sizeof value);
    return (uint64_t)(int64_t)value;
  }
  case 6: return (uint64_t)(int64_t)last_result;
  default: return next_byte() % 16;
  }
}

static const host_call *last_call;
static uint64_t last_arguments[16];

static void call(const host_call *function) {
  size_t count = strlen(function->params);
  for (size_t i = 0; i < count; i++) last_arguments[i] = next_argument();
  last_call = function;
  last_result = function->call(last_arguments);
}

static void copy_data(void) {
  unsigned offset = (unsigned)next_bytes(2), length = next_byte();
  for (unsigned i = 0; i < length; i++) arena[(offset + i) % ARENA_SIZE] = (uint8_t)next_byte();
}

static void store_pointer(void) {
  unsigned offset = (unsigned)next_bytes(2) % (ARENA_SIZE - 3);
  uint32_t address = (uint32_t)(uintptr_t)arena + (uint32_t)next_bytes(2);
  memcpy(arena + offset, &address, sizeof address);
}

static void read_input(void) {
  while (input_length < sizeof input) {
    uint32_t iovec[2] = {(uint32_t)(uintptr_t)(input + input_length),
                         (uint32_t)(sizeof input - input_length)};
    int32_t got = 0;
    if (wasi_fd_read(0, (int32_t)(uintptr_t)iovec, 1, (int32_t)(uintptr_t)&got) != 0 || got == 0)
      return;
    input_length += (size_t)got;
  }
}

void _start(void) {
  read_input();
  while (at < input_length) {
    unsigned op = next_byte();
    if (op < 0xf0) call(&calls[op % CALL_COUNT]);
    else if (op == 0xf0) copy_data();
    else if (op == 0xf1) {
      for (unsigned times = next_byte(); last_call && times > 0; times--)
        last_result = last_call->call(last_arguments);
    } else if (op == 0xf2) __builtin_trap();
    else if (op == 0xf3) wasi_proc_exit((int32_t)next_byte());
    else if (op == 0xf4) store_pointer();
  }
  wasi_proc_exit(0);
}
