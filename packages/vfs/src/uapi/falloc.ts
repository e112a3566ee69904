/**
 * `fallocate()` modes of `include/uapi/linux/falloc.h`.
 * @packageDocumentation
 */

/** Models `FALLOC_FL_ALLOCATE_RANGE` (include/uapi/linux/falloc.h): the default mode, allocate and extend. */
export const FALLOC_FL_ALLOCATE_RANGE = 0x00;
/** Models `FALLOC_FL_KEEP_SIZE` (include/uapi/linux/falloc.h): do not change the file size. */
export const FALLOC_FL_KEEP_SIZE = 0x01;
/** Models `FALLOC_FL_PUNCH_HOLE` (include/uapi/linux/falloc.h): deallocate; requires `FALLOC_FL_KEEP_SIZE`. */
export const FALLOC_FL_PUNCH_HOLE = 0x02;
/** Models `FALLOC_FL_NO_HIDE_STALE` (include/uapi/linux/falloc.h); always rejected. */
export const FALLOC_FL_NO_HIDE_STALE = 0x04;
/** Models `FALLOC_FL_COLLAPSE_RANGE` (include/uapi/linux/falloc.h). */
export const FALLOC_FL_COLLAPSE_RANGE = 0x08;
/** Models `FALLOC_FL_ZERO_RANGE` (include/uapi/linux/falloc.h). */
export const FALLOC_FL_ZERO_RANGE = 0x10;
/** Models `FALLOC_FL_INSERT_RANGE` (include/uapi/linux/falloc.h). */
export const FALLOC_FL_INSERT_RANGE = 0x20;
/** Models `FALLOC_FL_UNSHARE_RANGE` (include/uapi/linux/falloc.h). */
export const FALLOC_FL_UNSHARE_RANGE = 0x40;
/** Models `FALLOC_FL_WRITE_ZEROES` (include/uapi/linux/falloc.h, 6.17). */
export const FALLOC_FL_WRITE_ZEROES = 0x80;

/** Models `FALLOC_FL_MODE_MASK` (include/linux/falloc.h): the mutually exclusive operation bits. */
export const FALLOC_FL_MODE_MASK =
  FALLOC_FL_ALLOCATE_RANGE |
  FALLOC_FL_PUNCH_HOLE |
  FALLOC_FL_COLLAPSE_RANGE |
  FALLOC_FL_ZERO_RANGE |
  FALLOC_FL_INSERT_RANGE |
  FALLOC_FL_UNSHARE_RANGE |
  FALLOC_FL_WRITE_ZEROES;

/** Models `FALLOC_FL_SUPPORTED_MASK` (include/linux/falloc.h): every mode bit `vfs_fallocate()` accepts. */
export const FALLOC_FL_SUPPORTED_MASK = FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE;
