/**
 * Open flags and `*at()` constants of `include/uapi/asm-generic/fcntl.h` and `include/uapi/linux/fcntl.h`
 * (x86-64 uses the generic values).
 * @packageDocumentation
 */

/** Models `O_ACCMODE` (include/uapi/asm-generic/fcntl.h): the access-mode bits of the open flags. */
export const O_ACCMODE = 0o3;
/** Models `O_RDONLY` (include/uapi/asm-generic/fcntl.h): open for reading only. */
export const O_RDONLY = 0o0;
/** Models `O_WRONLY` (include/uapi/asm-generic/fcntl.h): open for writing only. */
export const O_WRONLY = 0o1;
/** Models `O_RDWR` (include/uapi/asm-generic/fcntl.h): open for reading and writing. */
export const O_RDWR = 0o2;
/** Models `O_CREAT` (include/uapi/asm-generic/fcntl.h): create the file if it does not exist. */
export const O_CREAT = 0o100;
/** Models `O_EXCL` (include/uapi/asm-generic/fcntl.h): with `O_CREAT`, fail with `EEXIST` if it exists. */
export const O_EXCL = 0o200;
/** Models `O_NOCTTY` (include/uapi/asm-generic/fcntl.h); accepted and ignored (there are no ttys). */
export const O_NOCTTY = 0o400;
/** Models `O_TRUNC` (include/uapi/asm-generic/fcntl.h): truncate a regular file to 0 on open. */
export const O_TRUNC = 0o1000;
/** Models `O_APPEND` (include/uapi/asm-generic/fcntl.h): every write goes to the end of file. */
export const O_APPEND = 0o2000;
/** Models `O_NONBLOCK` (include/uapi/asm-generic/fcntl.h). */
export const O_NONBLOCK = 0o4000;
/** Models `O_DSYNC` (include/uapi/asm-generic/fcntl.h): writes are data-synchronous (`IOCB_DSYNC`). */
export const O_DSYNC = 0o10000;
/** Models `FASYNC` (include/uapi/asm-generic/fcntl.h). */
export const FASYNC = 0o20000;
/** Models `O_DIRECT` (include/uapi/asm-generic/fcntl.h, x86 value `040000`): bypass the page cache. */
export const O_DIRECT = 0o40000;
/** Models `O_LARGEFILE` (include/uapi/asm-generic/fcntl.h); always implied on 64-bit. */
export const O_LARGEFILE = 0o100000;
/** Models `O_DIRECTORY` (include/uapi/asm-generic/fcntl.h): fail with `ENOTDIR` unless a directory. */
export const O_DIRECTORY = 0o200000;
/** Models `O_NOFOLLOW` (include/uapi/asm-generic/fcntl.h); there are no symlinks, so it has no effect. */
export const O_NOFOLLOW = 0o400000;
/** Models `O_NOATIME` (include/uapi/asm-generic/fcntl.h). */
export const O_NOATIME = 0o1000000;
/** Models `O_CLOEXEC` (include/uapi/asm-generic/fcntl.h). */
export const O_CLOEXEC = 0o2000000;
/** Models `__O_SYNC` (include/uapi/asm-generic/fcntl.h): the bit that turns `O_DSYNC` into `O_SYNC`. */
export const __O_SYNC = 0o4000000;
/** Models `O_SYNC` (include/uapi/asm-generic/fcntl.h) = `__O_SYNC | O_DSYNC`. */
export const O_SYNC = __O_SYNC | O_DSYNC;
/** Models `O_PATH` (include/uapi/asm-generic/fcntl.h); not supported here (open fails with `EINVAL`). */
export const O_PATH = 0o10000000;
/** Models `__O_TMPFILE` (include/uapi/asm-generic/fcntl.h); not supported here (open fails with `EOPNOTSUPP`). */
export const __O_TMPFILE = 0o20000000;

/** Models `AT_FDCWD` (include/uapi/linux/fcntl.h): "relative to the current directory". */
export const AT_FDCWD = -100;
/** Models `AT_REMOVEDIR` (include/uapi/linux/fcntl.h): `unlinkat()` removes a directory. */
export const AT_REMOVEDIR = 0x200;

/** Models `PATH_MAX` (include/uapi/linux/limits.h): longest path, including the NUL. */
export const PATH_MAX = 4096;
/** Models `NAME_MAX` (include/uapi/linux/limits.h): longest path component. */
export const NAME_MAX = 255;

/** The flags `open()` accepts (`VALID_OPEN_FLAGS`, include/linux/fcntl.h). */
export const VALID_OPEN_FLAGS =
  O_RDONLY |
  O_WRONLY |
  O_RDWR |
  O_CREAT |
  O_EXCL |
  O_NOCTTY |
  O_TRUNC |
  O_APPEND |
  O_NONBLOCK |
  __O_SYNC |
  O_DSYNC |
  FASYNC |
  O_DIRECT |
  O_LARGEFILE |
  O_DIRECTORY |
  O_NOFOLLOW |
  O_NOATIME |
  O_CLOEXEC |
  O_PATH |
  __O_TMPFILE;
