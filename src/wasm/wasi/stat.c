/* SPDX-License-Identifier: Apache-2.0 */
/* File status and times, shared by the fd_* and path_* calls. */
#include <fcntl.h>

#include "wasm/wasi/wasi_private.h"

/* The caller has checked the 64 bytes at address. */
void wasi_store_filestat(const wasm_cell *self, uint32_t address, const struct stat *status) {
  guest_store_u64(self, address + WASI_FILESTAT_DEV, (uint64_t)status->st_dev);
  guest_store_u64(self, address + WASI_FILESTAT_INO, (uint64_t)status->st_ino);
  guest_store_u64(self, address + WASI_FILESTAT_FILETYPE, 0); /* clears the padding too */
  guest_store_u8(self, address + WASI_FILESTAT_FILETYPE, wasi_filetype_from_mode(status->st_mode));
  guest_store_u64(self, address + WASI_FILESTAT_NLINK, (uint64_t)status->st_nlink);
  guest_store_u64(self, address + WASI_FILESTAT_FILESIZE, (uint64_t)status->st_size);
  guest_store_u64(self, address + WASI_FILESTAT_ATIM, wasi_timestamp_from_timespec(status->st_atim));
  guest_store_u64(self, address + WASI_FILESTAT_MTIM, wasi_timestamp_from_timespec(status->st_mtim));
  guest_store_u64(self, address + WASI_FILESTAT_CTIM, wasi_timestamp_from_timespec(status->st_ctim));
}

static struct timespec timespec_from_timestamp(uint64_t timestamp) {
  return (struct timespec){.tv_sec = (time_t)(timestamp / 1000000000u),
                           .tv_nsec = (long)(timestamp % 1000000000u)};
}

static uint32_t one_time(uint64_t timestamp, uint32_t flags, uint32_t set_flag,
                         uint32_t now_flag, struct timespec *time) {
  if ((flags & set_flag) && (flags & now_flag)) return WASI_ERRNO_INVAL;
  if (flags & set_flag)
    *time = timespec_from_timestamp(timestamp);
  else if (flags & now_flag)
    *time = (struct timespec){.tv_nsec = UTIME_NOW};
  else
    *time = (struct timespec){.tv_nsec = UTIME_OMIT};
  return WASI_ERRNO_SUCCESS;
}

uint32_t wasi_timespecs_from_request(uint64_t access_time, uint64_t modify_time,
                                     uint32_t fst_flags, struct timespec times[2]) {
  uint32_t known = WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW | WASI_FSTFLAG_MTIM |
                   WASI_FSTFLAG_MTIM_NOW;
  if (fst_flags & ~known) return WASI_ERRNO_INVAL;
  uint32_t error = one_time(access_time, fst_flags, WASI_FSTFLAG_ATIM, WASI_FSTFLAG_ATIM_NOW,
                            &times[0]);
  if (error) return error;
  return one_time(modify_time, fst_flags, WASI_FSTFLAG_MTIM, WASI_FSTFLAG_MTIM_NOW, &times[1]);
}
