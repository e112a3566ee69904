/**
 * Linux error numbers (include/uapi/asm-generic/errno-base.h, errno.h) and the {@link Errno} error class.
 *
 * @remarks Hot paths that model int-returning kernel code return `-errno` numbers instead of throwing;
 * their TSDoc says so. Everything user-facing (syscalls, configuration) throws {@link Errno}.
 * @packageDocumentation
 */

/** Operation not permitted. */
export const EPERM = 1;
/** No such file or directory. */
export const ENOENT = 2;
/** No such process. */
export const ESRCH = 3;
/** Interrupted system call. */
export const EINTR = 4;
/** I/O error. */
export const EIO = 5;
/** No such device or address. */
export const ENXIO = 6;
/** Argument list too long. */
export const E2BIG = 7;
/** Bad file number. */
export const EBADF = 9;
/** Try again. */
export const EAGAIN = 11;
/** Out of memory. */
export const ENOMEM = 12;
/** Permission denied. */
export const EACCES = 13;
/** Bad address. */
export const EFAULT = 14;
/** Block device required. */
export const ENOTBLK = 15;
/** Device or resource busy. */
export const EBUSY = 16;
/** File exists. */
export const EEXIST = 17;
/** Cross-device link. */
export const EXDEV = 18;
/** No such device. */
export const ENODEV = 19;
/** Not a directory. */
export const ENOTDIR = 20;
/** Is a directory. */
export const EISDIR = 21;
/** Invalid argument. */
export const EINVAL = 22;
/** File table overflow. */
export const ENFILE = 23;
/** Too many open files. */
export const EMFILE = 24;
/** Not a typewriter (inappropriate ioctl). */
export const ENOTTY = 25;
/** File too large. */
export const EFBIG = 27;
/** No space left on device. */
export const ENOSPC = 28;
/** Illegal seek. */
export const ESPIPE = 29;
/** Read-only file system. */
export const EROFS = 30;
/** Too many links. */
export const EMLINK = 31;
/** Broken pipe. */
export const EPIPE = 32;
/** Math result not representable. */
export const ERANGE = 34;
/** Resource deadlock would occur. */
export const EDEADLK = 35;
/** File name too long. */
export const ENAMETOOLONG = 36;
/** Function not implemented. */
export const ENOSYS = 38;
/** Directory not empty. */
export const ENOTEMPTY = 39;
/** No data available. */
export const ENODATA = 61;
/** Timer expired. */
export const ETIME = 62;
/** Link has been severed. */
export const ENOLINK = 67;
/** Protocol error. */
export const EPROTO = 71;
/** Value too large for defined data type. */
export const EOVERFLOW = 75;
/** Illegal byte sequence. */
export const EILSEQ = 84;
/** Operation not supported on transport endpoint (EOPNOTSUPP shares the number). */
export const EOPNOTSUPP = 95;
/** Connection reset by peer. */
export const ECONNRESET = 104;
/** No buffer space available. */
export const ENOBUFS = 105;
/** Connection timed out. */
export const ETIMEDOUT = 110;
/** Operation already in progress. */
export const EALREADY = 114;
/** Operation now in progress. */
export const EINPROGRESS = 115;
/** Remote I/O error. */
export const EREMOTEIO = 121;
/** No medium found. */
export const ENOMEDIUM = 123;
/** Operation canceled. */
export const ECANCELED = 125;
/** Kernel-internal: restart the system call (include/linux/errno.h). */
export const ERESTARTSYS = 512;
/** Kernel-internal: the request is queued and completes later (include/linux/errno.h). */
export const EIOCBQUEUED = 529;
/** Kernel-internal: operation is not supported (include/linux/errno.h). */
export const ENOTSUPP = 524;

const NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [EPERM, 'EPERM'], [ENOENT, 'ENOENT'], [ESRCH, 'ESRCH'], [EINTR, 'EINTR'], [EIO, 'EIO'], [ENXIO, 'ENXIO'],
  [E2BIG, 'E2BIG'], [EBADF, 'EBADF'], [EAGAIN, 'EAGAIN'], [ENOMEM, 'ENOMEM'], [EACCES, 'EACCES'],
  [EFAULT, 'EFAULT'], [ENOTBLK, 'ENOTBLK'], [EBUSY, 'EBUSY'], [EEXIST, 'EEXIST'], [EXDEV, 'EXDEV'],
  [ENODEV, 'ENODEV'], [ENOTDIR, 'ENOTDIR'], [EISDIR, 'EISDIR'], [EINVAL, 'EINVAL'], [ENFILE, 'ENFILE'],
  [EMFILE, 'EMFILE'], [ENOTTY, 'ENOTTY'], [EFBIG, 'EFBIG'], [ENOSPC, 'ENOSPC'], [ESPIPE, 'ESPIPE'],
  [EROFS, 'EROFS'], [EMLINK, 'EMLINK'], [EPIPE, 'EPIPE'], [ERANGE, 'ERANGE'], [EDEADLK, 'EDEADLK'],
  [ENAMETOOLONG, 'ENAMETOOLONG'], [ENOSYS, 'ENOSYS'], [ENOTEMPTY, 'ENOTEMPTY'], [ENODATA, 'ENODATA'],
  [ETIME, 'ETIME'], [ENOLINK, 'ENOLINK'], [EPROTO, 'EPROTO'], [EOVERFLOW, 'EOVERFLOW'], [EILSEQ, 'EILSEQ'],
  [EOPNOTSUPP, 'EOPNOTSUPP'], [ECONNRESET, 'ECONNRESET'], [ENOBUFS, 'ENOBUFS'], [ETIMEDOUT, 'ETIMEDOUT'],
  [EALREADY, 'EALREADY'], [EINPROGRESS, 'EINPROGRESS'], [EREMOTEIO, 'EREMOTEIO'], [ENOMEDIUM, 'ENOMEDIUM'],
  [ECANCELED, 'ECANCELED'], [ERESTARTSYS, 'ERESTARTSYS'], [EIOCBQUEUED, 'EIOCBQUEUED'], [ENOTSUPP, 'ENOTSUPP'],
]);

const MESSAGES: ReadonlyMap<number, string> = new Map<number, string>([
  [EPERM, 'Operation not permitted'], [ENOENT, 'No such file or directory'], [EINTR, 'Interrupted system call'],
  [EIO, 'Input/output error'], [ENXIO, 'No such device or address'], [EBADF, 'Bad file descriptor'],
  [EAGAIN, 'Resource temporarily unavailable'], [ENOMEM, 'Cannot allocate memory'], [EACCES, 'Permission denied'],
  [EFAULT, 'Bad address'], [ENOTBLK, 'Block device required'], [EBUSY, 'Device or resource busy'],
  [EEXIST, 'File exists'], [ENODEV, 'No such device'], [ENOTDIR, 'Not a directory'], [EISDIR, 'Is a directory'],
  [EINVAL, 'Invalid argument'], [EMFILE, 'Too many open files'], [ENOTTY, 'Inappropriate ioctl for device'],
  [EFBIG, 'File too large'], [ENOSPC, 'No space left on device'], [ESPIPE, 'Illegal seek'],
  [EROFS, 'Read-only file system'], [ERANGE, 'Numerical result out of range'],
  [ENAMETOOLONG, 'File name too long'], [ENOSYS, 'Function not implemented'],
  [ENOTEMPTY, 'Directory not empty'], [ENODATA, 'No data available'], [ETIME, 'Timer expired'],
  [ENOLINK, 'Link has been severed'], [EPROTO, 'Protocol error'],
  [EOVERFLOW, 'Value too large for defined data type'], [EILSEQ, 'Invalid or incomplete multibyte or wide character'],
  [EOPNOTSUPP, 'Operation not supported'], [ENOBUFS, 'No buffer space available'],
  [ETIMEDOUT, 'Connection timed out'], [EREMOTEIO, 'Remote I/O error'], [ENOMEDIUM, 'No medium found'],
  [ECANCELED, 'Operation canceled'],
]);

/**
 * Name of an errno value (`22` → `"EINVAL"`); accepts negative kernel-style returns too.
 * @returns the symbolic name, or `"E?<n>"` for a number this table lacks.
 */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return NAMES.get(n) ?? `E?${n}`;
}

/**
 * The strerror() text of an errno value, as glibc prints it (fio prints these).
 * @returns the message, or `"Unknown error <n>"`.
 */
export function strerror(errno: number): string {
  const n = Math.abs(errno);
  return MESSAGES.get(n) ?? `Unknown error ${n}`;
}

/**
 * The errno value of a symbolic name (`"EINVAL"` → 22).
 * @returns the number, or `undefined` if the name is unknown.
 */
export function errnoByName(name: string): number | undefined {
  for (const [n, s] of NAMES) if (s === name) return n;
  return undefined;
}

/**
 * An error carrying a Linux errno, thrown by syscalls and configuration code of every package.
 *
 * @remarks The message is prefixed by the subsystem that raised it (`"nvme: nsid must be unique"`).
 * `errno` is always positive; {@link Errno.negative} gives the kernel-style return value.
 */
export class Errno extends Error {
  override readonly name = 'Errno';
  /** The positive errno value. */
  readonly errno: number;
  /** The symbolic name (`"EINVAL"`). */
  readonly code: string;

  /**
   * @param errno - positive or negative errno value
   * @param message - what failed, prefixed by subsystem; defaults to strerror()
   */
  constructor(errno: number, message?: string) {
    const n = Math.abs(errno);
    super(`${errnoName(n)}: ${message ?? strerror(n)}`);
    this.errno = n;
    this.code = errnoName(n);
  }

  /** The kernel-style negative return value (`-EINVAL`). */
  get negative(): number {
    return -this.errno;
  }

  /** True if `e` is an {@link Errno} with the given value. */
  static is(e: unknown, errno: number): e is Errno {
    return e instanceof Errno && e.errno === Math.abs(errno);
  }
}

/**
 * Models the kernel's `IS_ERR_VALUE()` for int returns: a negative number in the errno range.
 * @returns true for `-4095..-1`.
 */
export function isErrValue(ret: number): boolean {
  return ret < 0 && ret >= -4095;
}
