/**
 * `posix_fadvise()` advice values of `include/uapi/linux/fadvise.h`.
 * @packageDocumentation
 */

/** Models `POSIX_FADV_NORMAL` (include/uapi/linux/fadvise.h): no special treatment. */
export const POSIX_FADV_NORMAL = 0;
/** Models `POSIX_FADV_RANDOM` (include/uapi/linux/fadvise.h): expect random page references. */
export const POSIX_FADV_RANDOM = 1;
/** Models `POSIX_FADV_SEQUENTIAL` (include/uapi/linux/fadvise.h): expect sequential page references. */
export const POSIX_FADV_SEQUENTIAL = 2;
/** Models `POSIX_FADV_WILLNEED` (include/uapi/linux/fadvise.h): will need these pages. */
export const POSIX_FADV_WILLNEED = 3;
/** Models `POSIX_FADV_DONTNEED` (include/uapi/linux/fadvise.h, x86 and every arch but 64-bit s390): don't need these pages. */
export const POSIX_FADV_DONTNEED = 4;
/** Models `POSIX_FADV_NOREUSE` (include/uapi/linux/fadvise.h, x86 and every arch but 64-bit s390): data will be accessed once. */
export const POSIX_FADV_NOREUSE = 5;
