/* minos guest API: cells, channels and descriptors.
 *
 * In a wasm cell these are imports from module "minos"; every call returns
 * a non-negative result or a negative minos_status (errors travel out of
 * band: a cell can never make one appear in channel data).
 *
 * Descriptors are small integers naming one channel end inside one cell.
 * They share the numbering of the cell's WASI descriptors: a cell's stdin,
 * stdout and stderr (0, 1, 2) are channel ends too, so unmodified WASI
 * programs can be wired together like a shell pipeline.
 *
 * A child cell is created suspended by cnew; the ends its parent passes it
 * (wpass, rpass) appear in it numbered in pass order from 3 (after its
 * stdio), and it starts running at its parent's first cwait or read, or
 * when the parent yields; so what a child finds is fixed by what its
 * parent did, never by timing. */
#ifndef MINOS_H
#define MINOS_H

#include <stdint.h>

/* The runtime's one error enum (negated in results). Values up to
 * MINOS_EAGAIN are the ones guests see. */
typedef enum minos_status {
  MINOS_OK = 0,
  MINOS_EBADF,      /* descriptor not held by this cell */
  MINOS_ECLOSED,    /* the other end is closed */
  MINOS_EPERM,      /* not permitted (wrong direction, not your child, not granted) */
  MINOS_ELIMIT,     /* a configured limit was reached */
  MINOS_ETIMEDOUT,  /* a deadline passed */
  MINOS_EFAULT,     /* a pointer or length is outside the cell's memory */
  MINOS_EINVAL,     /* malformed argument */
  MINOS_ENOMEM,     /* the host is out of memory or address space */
  MINOS_EAGAIN,     /* would block, and the caller asked not to */
  MINOS_EIO,        /* runtime only: a host system call failed */
  MINOS_EMODULE,    /* runtime only: module malformed, invalid or refused */
  MINOS_ETOOLCHAIN, /* runtime only: the ahead-of-time compiler failed */
  MINOS_EUSAGE,     /* runtime only: bad command line or configuration */
  MINOS_STATUS_COUNT
} minos_status;

#endif
