/* SPDX-License-Identifier: Apache-2.0 */
/* WASI preview 1 (wasi_snapshot_preview1) for wasm cells.
 *
 * Every function takes the calling cell and returns a WASI errno (0 on
 * success); guest pointers are checked against the cell's memory and a bad
 * one gives ERRNO_FAULT, never a host fault. Descriptors are the cell's own:
 * 0-2 are its stdio, then one per granted directory (preopens), then what
 * it opens. Paths resolve beneath the directory descriptor they are relative
 * to, by the kernel (openat2 RESOLVE_BENEATH), so no path escapes a grant. */
#ifndef MINOS_WASM_WASI_H
#define MINOS_WASM_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/code.h"
#include "core/error.h"
#include "core/resource.h"
#include "core/sync.h"

struct wasm_cell;
typedef struct wasm_cell wasm_cell;


typedef struct wasi_descriptor wasi_descriptor; /* private to wasi/ */

typedef struct wasi_context {
  char **args, **env; /* copies, NULL-terminated */
  size_t arg_count, env_count;
  /* Indexed by guest fd; NULL = free. The cell reads it without a lock;
   * changes (its own, or a parent passing it an end from another worker)
   * take table_lock and publish with atomic stores, and a grown table's
   * old array is kept (retired) until the context is released. */
  wasi_descriptor **descriptors;
  uint32_t descriptor_capacity;
  uint32_t descriptor_limit;
  /* Host descriptors (files, directories, sockets) are counted here
   * (core/account.h: the cell's account); NULL: not counted. */
  struct account *account;
  spinlock table_lock;
  bool released; /* the cell ended: nothing more may be installed */
  wasi_descriptor ***retired;
  size_t retired_count;
  resource owned; /* the whole context, released with the cell */
} wasi_context;

/* Takes the config's arguments and environment, opens its grants and sets
 * up its stdio, which the context owns once this succeeds; on failure,
 * error names the grant (and the stdio ends are still the caller's). */
minos_status wasi_context_init(wasi_context *context, const cell_config *config, char *error,
                               size_t error_size);
void wasi_context_release(wasi_context *context);
/* From now on counts the context's host descriptors in `payer`,
 * starting with the granted directories: MINOS_ELIMIT if they are more
 * than it allows. */
minos_status wasi_context_charge(wasi_context *context, struct account *payer);
/* Installs a channel end at the lowest free number (minos's wpass, rpass,
 * pipe): the number, or a negative minos_status (MINOS_ELIMIT past the
 * descriptor limit; the end is then left to the caller). */
int32_t wasi_context_install_end(wasi_context *context, struct channel_end *end);
/* The channel end a descriptor holds, or NULL (not held, not a channel). */
struct channel_end *wasi_context_end(wasi_context *context, uint32_t fd);
/* Takes a channel end out of the table without closing it (to pass it). */
struct channel_end *wasi_context_take_end(wasi_context *context, uint32_t fd);
/* As wasi_context_install_end, for a listening socket (minos_listen). */
struct net_listener;
int32_t wasi_context_install_listener(wasi_context *context, struct net_listener *listener);
/* The listener a descriptor holds, or NULL. */
struct net_listener *wasi_context_listener(wasi_context *context, uint32_t fd);

/* The imports, signatures as in the witx definition of preview 1. */
uint32_t wasi_args_get(wasm_cell *self, uint32_t argv, uint32_t argv_buf);
uint32_t wasi_args_sizes_get(wasm_cell *self, uint32_t argc_out, uint32_t argv_buf_size_out);
uint32_t wasi_environ_get(wasm_cell *self, uint32_t environ_out, uint32_t environ_buf);
uint32_t wasi_environ_sizes_get(wasm_cell *self, uint32_t count_out, uint32_t buf_size_out);
uint32_t wasi_clock_res_get(wasm_cell *self, uint32_t clock_id, uint32_t resolution_out);
uint32_t wasi_clock_time_get(wasm_cell *self, uint32_t clock_id, uint64_t precision, uint32_t time_out);
uint32_t wasi_fd_advise(wasm_cell *self, uint32_t fd, uint64_t offset, uint64_t length, uint32_t advice);
uint32_t wasi_fd_allocate(wasm_cell *self, uint32_t fd, uint64_t offset, uint64_t length);
uint32_t wasi_fd_close(wasm_cell *self, uint32_t fd);
uint32_t wasi_fd_datasync(wasm_cell *self, uint32_t fd);
uint32_t wasi_fd_fdstat_get(wasm_cell *self, uint32_t fd, uint32_t stat_out);
uint32_t wasi_fd_fdstat_set_flags(wasm_cell *self, uint32_t fd, uint32_t flags);
uint32_t wasi_fd_fdstat_set_rights(wasm_cell *self, uint32_t fd, uint64_t base, uint64_t inheriting);
uint32_t wasi_fd_filestat_get(wasm_cell *self, uint32_t fd, uint32_t stat_out);
uint32_t wasi_fd_filestat_set_size(wasm_cell *self, uint32_t fd, uint64_t size);
uint32_t wasi_fd_filestat_set_times(wasm_cell *self, uint32_t fd, uint64_t access_time, uint64_t modify_time, uint32_t flags);
uint32_t wasi_fd_pread(wasm_cell *self, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset, uint32_t nread_out);
uint32_t wasi_fd_prestat_get(wasm_cell *self, uint32_t fd, uint32_t prestat_out);
uint32_t wasi_fd_prestat_dir_name(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len);
uint32_t wasi_fd_pwrite(wasm_cell *self, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset, uint32_t nwritten_out);
uint32_t wasi_fd_read(wasm_cell *self, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out);
uint32_t wasi_fd_readdir(wasm_cell *self, uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie, uint32_t bufused_out);
uint32_t wasi_fd_renumber(wasm_cell *self, uint32_t fd, uint32_t to);
uint32_t wasi_fd_seek(wasm_cell *self, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t newoffset_out);
uint32_t wasi_fd_sync(wasm_cell *self, uint32_t fd);
uint32_t wasi_fd_tell(wasm_cell *self, uint32_t fd, uint32_t offset_out);
uint32_t wasi_fd_write(wasm_cell *self, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out);
uint32_t wasi_path_create_directory(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len);
uint32_t wasi_path_filestat_get(wasm_cell *self, uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len, uint32_t stat_out);
uint32_t wasi_path_filestat_set_times(wasm_cell *self, uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len, uint64_t access_time, uint64_t modify_time, uint32_t fst_flags);
uint32_t wasi_path_link(wasm_cell *self, uint32_t old_fd, uint32_t old_flags, uint32_t old_path, uint32_t old_path_len, uint32_t new_fd, uint32_t new_path, uint32_t new_path_len);
uint32_t wasi_path_open(wasm_cell *self, uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t path_len, uint32_t oflags, uint64_t rights_base, uint64_t rights_inheriting, uint32_t fdflags, uint32_t fd_out);
uint32_t wasi_path_readlink(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len, uint32_t buf, uint32_t buf_len, uint32_t bufused_out);
uint32_t wasi_path_remove_directory(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len);
uint32_t wasi_path_rename(wasm_cell *self, uint32_t fd, uint32_t old_path, uint32_t old_path_len, uint32_t new_fd, uint32_t new_path, uint32_t new_path_len);
uint32_t wasi_path_symlink(wasm_cell *self, uint32_t old_path, uint32_t old_path_len, uint32_t fd, uint32_t new_path, uint32_t new_path_len);
uint32_t wasi_path_unlink_file(wasm_cell *self, uint32_t fd, uint32_t path, uint32_t path_len);
uint32_t wasi_poll_oneoff(wasm_cell *self, uint32_t subscriptions, uint32_t events_out, uint32_t subscription_count, uint32_t nevents_out);
void wasi_proc_exit(wasm_cell *self, uint32_t exit_code);
uint32_t wasi_proc_raise(wasm_cell *self, uint32_t signal);
uint32_t wasi_sched_yield(wasm_cell *self);
uint32_t wasi_random_get(wasm_cell *self, uint32_t buf, uint32_t buf_len);
uint32_t wasi_sock_accept(wasm_cell *self, uint32_t fd, uint32_t flags, uint32_t fd_out);
uint32_t wasi_sock_recv(wasm_cell *self, uint32_t fd, uint32_t ri_data, uint32_t ri_data_len, uint32_t ri_flags, uint32_t ro_datalen_out, uint32_t ro_flags_out);
uint32_t wasi_sock_send(wasm_cell *self, uint32_t fd, uint32_t si_data, uint32_t si_data_len, uint32_t si_flags, uint32_t so_datalen_out);
uint32_t wasi_sock_shutdown(wasm_cell *self, uint32_t fd, uint32_t how);

#endif
