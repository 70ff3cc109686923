/* SPDX-License-Identifier: Apache-2.0 */
/* Host errno to WASI errno. WASI numbers its errors alphabetically, not as
 * Linux does, so every value is translated; an error with no WASI name
 * becomes ERRNO_IO rather than leaking a meaningless number. */
#include <errno.h>

#include "wasm/wasi/wasi_private.h"

uint32_t wasi_errno_from_host(int host_errno) {
  switch (host_errno) {
  case 0: return WASI_ERRNO_SUCCESS;
  case E2BIG: return WASI_ERRNO_2BIG;
  case EACCES: return WASI_ERRNO_ACCES;
  case EADDRINUSE: return WASI_ERRNO_ADDRINUSE;
  case EADDRNOTAVAIL: return WASI_ERRNO_ADDRNOTAVAIL;
  case EAFNOSUPPORT: return WASI_ERRNO_AFNOSUPPORT;
  case EAGAIN: return WASI_ERRNO_AGAIN; /* == EWOULDBLOCK on Linux */
  case EALREADY: return WASI_ERRNO_ALREADY;
  case EBADF: return WASI_ERRNO_BADF;
  case EBADMSG: return WASI_ERRNO_BADMSG;
  case EBUSY: return WASI_ERRNO_BUSY;
  case ECANCELED: return WASI_ERRNO_CANCELED;
  case ECHILD: return WASI_ERRNO_CHILD;
  case ECONNABORTED: return WASI_ERRNO_CONNABORTED;
  case ECONNREFUSED: return WASI_ERRNO_CONNREFUSED;
  case ECONNRESET: return WASI_ERRNO_CONNRESET;
  case EDEADLK: return WASI_ERRNO_DEADLK;
  case EDESTADDRREQ: return WASI_ERRNO_DESTADDRREQ;
  case EDOM: return WASI_ERRNO_DOM;
  case EDQUOT: return WASI_ERRNO_DQUOT;
  case EEXIST: return WASI_ERRNO_EXIST;
  case EFAULT: return WASI_ERRNO_FAULT;
  case EFBIG: return WASI_ERRNO_FBIG;
  case EHOSTUNREACH: return WASI_ERRNO_HOSTUNREACH;
  case EIDRM: return WASI_ERRNO_IDRM;
  case EILSEQ: return WASI_ERRNO_ILSEQ;
  case EINPROGRESS: return WASI_ERRNO_INPROGRESS;
  case EINTR: return WASI_ERRNO_INTR;
  case EINVAL: return WASI_ERRNO_INVAL;
  case EIO: return WASI_ERRNO_IO;
  case EISCONN: return WASI_ERRNO_ISCONN;
  case EISDIR: return WASI_ERRNO_ISDIR;
  case ELOOP: return WASI_ERRNO_LOOP;
  case EMFILE: return WASI_ERRNO_MFILE;
  case EMLINK: return WASI_ERRNO_MLINK;
  case EMSGSIZE: return WASI_ERRNO_MSGSIZE;
  case EMULTIHOP: return WASI_ERRNO_MULTIHOP;
  case ENAMETOOLONG: return WASI_ERRNO_NAMETOOLONG;
  case ENETDOWN: return WASI_ERRNO_NETDOWN;
  case ENETRESET: return WASI_ERRNO_NETRESET;
  case ENETUNREACH: return WASI_ERRNO_NETUNREACH;
  case ENFILE: return WASI_ERRNO_NFILE;
  case ENOBUFS: return WASI_ERRNO_NOBUFS;
  case ENODEV: return WASI_ERRNO_NODEV;
  case ENOENT: return WASI_ERRNO_NOENT;
  case ENOEXEC: return WASI_ERRNO_NOEXEC;
  case ENOLCK: return WASI_ERRNO_NOLCK;
  case ENOLINK: return WASI_ERRNO_NOLINK;
  case ENOMEM: return WASI_ERRNO_NOMEM;
  case ENOMSG: return WASI_ERRNO_NOMSG;
  case ENOPROTOOPT: return WASI_ERRNO_NOPROTOOPT;
  case ENOSPC: return WASI_ERRNO_NOSPC;
  case ENOSYS: return WASI_ERRNO_NOSYS;
  case ENOTCONN: return WASI_ERRNO_NOTCONN;
  case ENOTDIR: return WASI_ERRNO_NOTDIR;
  case ENOTEMPTY: return WASI_ERRNO_NOTEMPTY;
  case ENOTRECOVERABLE: return WASI_ERRNO_NOTRECOVERABLE;
  case ENOTSOCK: return WASI_ERRNO_NOTSOCK;
  case ENOTSUP: return WASI_ERRNO_NOTSUP; /* == EOPNOTSUPP on Linux */
  case ENOTTY: return WASI_ERRNO_NOTTY;
  case ENXIO: return WASI_ERRNO_NXIO;
  case EOVERFLOW: return WASI_ERRNO_OVERFLOW;
  case EOWNERDEAD: return WASI_ERRNO_OWNERDEAD;
  case EPERM: return WASI_ERRNO_PERM;
  case EPIPE: return WASI_ERRNO_PIPE;
  case EPROTO: return WASI_ERRNO_PROTO;
  case EPROTONOSUPPORT: return WASI_ERRNO_PROTONOSUPPORT;
  case EPROTOTYPE: return WASI_ERRNO_PROTOTYPE;
  case ERANGE: return WASI_ERRNO_RANGE;
  case EROFS: return WASI_ERRNO_ROFS;
  case ESPIPE: return WASI_ERRNO_SPIPE;
  case ESRCH: return WASI_ERRNO_SRCH;
  case ESTALE: return WASI_ERRNO_STALE;
  case ETIMEDOUT: return WASI_ERRNO_TIMEDOUT;
  case ETXTBSY: return WASI_ERRNO_TXTBSY;
  case EXDEV: return WASI_ERRNO_XDEV;
  /* Linux names with a close WASI meaning. */
  case ENOTBLK: return WASI_ERRNO_NOTSUP;
  case ENOSR: return WASI_ERRNO_NOMEM;
  case ENOSTR: return WASI_ERRNO_NOTSUP;
  case ENOTUNIQ: return WASI_ERRNO_INVAL;
  case EHOSTDOWN: return WASI_ERRNO_HOSTUNREACH;
  case ESHUTDOWN: return WASI_ERRNO_PIPE;
  case ETOOMANYREFS: return WASI_ERRNO_NOMEM;
  case EUSERS: return WASI_ERRNO_NOMEM;
  case ESOCKTNOSUPPORT: return WASI_ERRNO_PROTONOSUPPORT;
  case EPFNOSUPPORT: return WASI_ERRNO_AFNOSUPPORT;
  case ENONET: return WASI_ERRNO_NETUNREACH;
  case ENOMEDIUM: return WASI_ERRNO_NODEV;
  case EMEDIUMTYPE: return WASI_ERRNO_NODEV;
  case ENODATA: return WASI_ERRNO_NOENT; /* a missing extended attribute */
  case ETIME: return WASI_ERRNO_TIMEDOUT;
  case EREMOTEIO: return WASI_ERRNO_IO;
  case EKEYEXPIRED:
  case EKEYREJECTED:
  case EKEYREVOKED:
  case ENOKEY: return WASI_ERRNO_ACCES;
  case ERFKILL: return WASI_ERRNO_NETDOWN;
  case EHWPOISON: return WASI_ERRNO_IO;
  default: return WASI_ERRNO_IO;
  }
}
