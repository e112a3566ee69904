/**
 * File types and the `stat` result of `include/uapi/linux/stat.h`.
 * @packageDocumentation
 */

/** Models `S_IFMT` (include/uapi/linux/stat.h): the file-type bits of a mode. */
export const S_IFMT = 0o170000;
/** Models `S_IFSOCK` (include/uapi/linux/stat.h). */
export const S_IFSOCK = 0o140000;
/** Models `S_IFLNK` (include/uapi/linux/stat.h). */
export const S_IFLNK = 0o120000;
/** Models `S_IFREG` (include/uapi/linux/stat.h): regular file. */
export const S_IFREG = 0o100000;
/** Models `S_IFBLK` (include/uapi/linux/stat.h): block device. */
export const S_IFBLK = 0o60000;
/** Models `S_IFDIR` (include/uapi/linux/stat.h): directory. */
export const S_IFDIR = 0o40000;
/** Models `S_IFCHR` (include/uapi/linux/stat.h): character device. */
export const S_IFCHR = 0o20000;
/** Models `S_IFIFO` (include/uapi/linux/stat.h). */
export const S_IFIFO = 0o10000;

/**
 * Models `S_ISREG()` (include/uapi/linux/stat.h).
 * @param mode - an inode mode
 * @returns true for a regular file
 */
export function sIsReg(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}

/**
 * Models `S_ISDIR()` (include/uapi/linux/stat.h).
 * @param mode - an inode mode
 * @returns true for a directory
 */
export function sIsDir(mode: number): boolean {
  return (mode & S_IFMT) === S_IFDIR;
}

/**
 * Models `S_ISBLK()` (include/uapi/linux/stat.h).
 * @param mode - an inode mode
 * @returns true for a block device
 */
export function sIsBlk(mode: number): boolean {
  return (mode & S_IFMT) === S_IFBLK;
}

/**
 * Models `S_ISFIFO()` (include/uapi/linux/stat.h).
 * @param mode - an inode mode
 * @returns true for a FIFO (named or anonymous pipe)
 */
export function sIsFifo(mode: number): boolean {
  return (mode & S_IFMT) === S_IFIFO;
}

/**
 * Models `struct stat` / `struct statx` (include/uapi/linux/stat.h) as `stat()` and `fstat()` fill it,
 * including the `statx` direct-I/O alignment fields (`STATX_DIOALIGN`).
 */
export interface Stat {
  /** `st_dev`: the superblock's device number. */
  dev: number;
  /** `st_ino`. */
  ino: number;
  /** `st_mode`: type and permission bits. */
  mode: number;
  /** `st_nlink`. */
  nlink: number;
  /** `st_rdev`: the device number of a device file. */
  rdev: number;
  /** `st_size` in bytes (for a block device: 0, as the kernel reports; use its size from the block layer). */
  size: number;
  /** `st_blksize`: preferred I/O size. */
  blksize: number;
  /** `st_blocks`: 512-byte units allocated. */
  blocks: number;
  /** `st_mtime` in virtual ns. */
  mtimeNs: number;
  /** `st_ctime` in virtual ns. */
  ctimeNs: number;
  /** `stx_dio_mem_align`: required user-memory alignment for O_DIRECT, 0 if unsupported. */
  dioMemAlign: number;
  /** `stx_dio_offset_align`: required file offset/length alignment for O_DIRECT, 0 if unsupported. */
  dioOffsetAlign: number;
}

/**
 * A zeroed {@link Stat}, for callers that reuse one result object.
 * @returns a fresh object with every field 0
 */
export function emptyStat(): Stat {
  return {
    dev: 0,
    ino: 0,
    mode: 0,
    nlink: 0,
    rdev: 0,
    size: 0,
    blksize: 0,
    blocks: 0,
    mtimeNs: 0,
    ctimeNs: 0,
    dioMemAlign: 0,
    dioOffsetAlign: 0,
  };
}
