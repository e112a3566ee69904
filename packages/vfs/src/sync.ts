/**
 * Data integrity syscalls (fs/sync.c).
 * @packageDocumentation
 */
import { EBADF, EINVAL } from '@stackemu/core';
import type { File } from './file.js';

/**
 * Models `vfs_fsync_range()` (fs/sync.c): the filesystem's `fsync` over `[start, end]`.
 * @param file - the file, or undefined for a bad descriptor
 * @param start - first byte
 * @param end - last byte (inclusive)
 * @param datasync - `fdatasync` semantics (skip metadata not needed to read the data back)
 * @returns 0, or `-EBADF`, `-EINVAL` (the file has no `fsync`), the filesystem's (`-EIO`)
 */
export async function vfsFsyncRange(
  file: File | undefined,
  start: number,
  end: number,
  datasync: boolean,
): Promise<number> {
  if (file === undefined) return -EBADF;
  const fop = file.fOp;
  if (fop.fsync === undefined) return -EINVAL;
  return fop.fsync(file, start, end, datasync);
}

/**
 * Models `vfs_fsync()` (fs/sync.c): the whole file.
 * @param file - the file, or undefined for a bad descriptor
 * @param datasync - `fdatasync` semantics
 * @returns 0 or `-errno` (see {@link vfsFsyncRange})
 */
export function vfsFsync(file: File | undefined, datasync: boolean): Promise<number> {
  return vfsFsyncRange(file, 0, Number.MAX_SAFE_INTEGER, datasync);
}
