/* SPDX-License-Identifier: Apache-2.0 */
#include "core/error.h"

const char *minos_status_name(minos_status status) {
  static const char *const names[MINOS_STATUS_COUNT] = {
      [MINOS_OK] = "ok",
      [MINOS_EBADF] = "bad descriptor",
      [MINOS_ECLOSED] = "closed",
      [MINOS_EPERM] = "not permitted",
      [MINOS_ELIMIT] = "limit reached",
      [MINOS_ETIMEDOUT] = "timed out",
      [MINOS_EFAULT] = "bad pointer",
      [MINOS_EINVAL] = "invalid argument",
      [MINOS_ENOMEM] = "out of memory",
      [MINOS_EAGAIN] = "would block",
      [MINOS_EIO] = "host i/o error",
      [MINOS_EMODULE] = "invalid module",
      [MINOS_EINIT] = "initialisation failed",
      [MINOS_ERESET] = "peer restarted",
      [MINOS_ETOOLCHAIN] = "compiler pipeline failed",
      [MINOS_EUSAGE] = "usage error",
  };
  if ((unsigned)status >= MINOS_STATUS_COUNT) return "unknown error";
  return names[status];
}
