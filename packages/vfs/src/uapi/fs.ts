/**
 * Seek whences and per-I/O `RWF_*` flags of `include/uapi/linux/fs.h`.
 * @packageDocumentation
 */

/** Models `SEEK_SET` (include/uapi/linux/fs.h): offset is absolute. */
export const SEEK_SET = 0;
/** Models `SEEK_CUR` (include/uapi/linux/fs.h): offset is relative to the file position. */
export const SEEK_CUR = 1;
/** Models `SEEK_END` (include/uapi/linux/fs.h): offset is relative to the end of file. */
export const SEEK_END = 2;
/** Models `SEEK_DATA` (include/uapi/linux/fs.h): next data at or after offset. */
export const SEEK_DATA = 3;
/** Models `SEEK_HOLE` (include/uapi/linux/fs.h): next hole at or after offset. */
export const SEEK_HOLE = 4;
/** Models `SEEK_MAX` (include/uapi/linux/fs.h). */
export const SEEK_MAX = SEEK_HOLE;

/** Models `RWF_HIPRI` (include/uapi/linux/fs.h): high-priority (polled) request. */
export const RWF_HIPRI = 0x1;
/** Models `RWF_DSYNC` (include/uapi/linux/fs.h): per-I/O `O_DSYNC`. */
export const RWF_DSYNC = 0x2;
/** Models `RWF_SYNC` (include/uapi/linux/fs.h): per-I/O `O_SYNC`. */
export const RWF_SYNC = 0x4;
/** Models `RWF_NOWAIT` (include/uapi/linux/fs.h): fail with `EAGAIN` rather than block. */
export const RWF_NOWAIT = 0x8;
/** Models `RWF_APPEND` (include/uapi/linux/fs.h): per-I/O `O_APPEND`. */
export const RWF_APPEND = 0x10;
/** Models `RWF_NOAPPEND` (include/uapi/linux/fs.h): ignore `O_APPEND` for this write. */
export const RWF_NOAPPEND = 0x20;
/** Models `RWF_ATOMIC` (include/uapi/linux/fs.h): untorn write. */
export const RWF_ATOMIC = 0x40;
/** Models `RWF_DONTCACHE` (include/uapi/linux/fs.h): uncached buffered I/O. */
export const RWF_DONTCACHE = 0x80;
/** Models `RWF_SUPPORTED` (include/uapi/linux/fs.h): every flag 6.18 accepts. */
export const RWF_SUPPORTED =
  RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND | RWF_ATOMIC | RWF_DONTCACHE;

/** Models `MAX_RW_COUNT` (include/linux/fs.h) = `INT_MAX & PAGE_MASK`: the most one read/write transfers. */
export const MAX_RW_COUNT = 0x7ffff000;

/** Models `MAX_LFS_FILESIZE` (include/linux/fs.h) on 64-bit, clamped to what a JS number holds exactly. */
export const MAX_LFS_FILESIZE = Number.MAX_SAFE_INTEGER;
