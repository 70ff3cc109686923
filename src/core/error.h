/* minos's one error enum. Every fallible function in the runtime returns a
 * minos_status; guests see the same numbers through the guest API. */
#ifndef MINOS_CORE_ERROR_H
#define MINOS_CORE_ERROR_H

typedef enum minos_status {
  MINOS_OK = 0,
  MINOS_EBADF,      /* descriptor not held by this cell */
  MINOS_ECLOSED,    /* the other end is closed */
  MINOS_EPERM,      /* not permitted by the cell's grants */
  MINOS_ELIMIT,     /* a configured limit was reached */
  MINOS_ETIMEDOUT,  /* a deadline passed */
  MINOS_EFAULT,     /* a guest pointer or length is outside its memory */
  MINOS_EINVAL,     /* malformed argument */
  MINOS_ENOMEM,     /* the host is out of memory or address space */
  MINOS_EAGAIN,     /* would block and the caller asked not to */
  MINOS_EIO,        /* a host system call failed (details are logged) */
  MINOS_EMODULE,    /* module malformed, invalid or refused at load */
  MINOS_ETOOLCHAIN, /* the ahead-of-time compiler pipeline failed */
  MINOS_EUSAGE,     /* bad command line or configuration */
  MINOS_STATUS_COUNT
} minos_status;

const char *minos_status_name(minos_status status);

#endif
