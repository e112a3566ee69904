/**
 * Opening and closing files, truncation and preallocation (fs/open.c, the open half of fs/namei.c).
 * @packageDocumentation
 */
import {
  EBADF,
  EEXIST,
  EFBIG,
  EINVAL,
  EISDIR,
  ENODEV,
  ENOENT,
  ENOTDIR,
  EOPNOTSUPP,
  EPERM,
  ESPIPE,
  EROFS,
} from '@stackemu/core';
import { dAdd } from './dentry.js';
import {
  File,
  FMODE_CAN_ODIRECT,
  FMODE_CAN_READ,
  FMODE_CAN_WRITE,
  FMODE_CREATED,
  FMODE_LSEEK,
  FMODE_OPENED,
  FMODE_PREAD,
  FMODE_PWRITE,
  FMODE_READ,
  FMODE_WRITE,
  type FilePath,
} from './file.js';
import type { Inode } from './inode.js';
import { ATTR_CTIME, ATTR_MTIME, ATTR_SIZE } from './inode-operations.js';
import { iocbFlags } from './kiocb.js';
import { MNT_READONLY } from './mount.js';
import { pathLookupParent, type NameiContext, type Path } from './namei.js';
import { fileRaStateInit } from './readahead.js';
import { SB_RDONLY } from './super.js';
import {
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_MODE_MASK,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_SUPPORTED_MASK,
  FALLOC_FL_ZERO_RANGE,
  FALLOC_FL_ALLOCATE_RANGE,
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_UNSHARE_RANGE,
  FALLOC_FL_WRITE_ZEROES,
} from './uapi/falloc.js';
import {
  O_ACCMODE,
  O_CREAT,
  O_DIRECT,
  O_DIRECTORY,
  O_EXCL,
  O_NOCTTY,
  O_PATH,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  VALID_OPEN_FLAGS,
  __O_TMPFILE,
} from './uapi/fcntl.js';
import { S_IFMT, S_IFREG, sIsBlk, sIsDir, sIsReg } from './uapi/stat.js';

/** Models `ACC_MODE()` (fs/internal.h): `O_ACCMODE` → `FMODE_READ | FMODE_WRITE`. */
function openFmode(flags: number): number {
  const acc = flags & O_ACCMODE;
  if (acc === O_RDONLY) return FMODE_READ;
  if (acc === O_WRONLY) return FMODE_WRITE;
  if (acc === O_RDWR) return FMODE_READ | FMODE_WRITE;
  return 0;
}

function isReadonly(p: FilePath): boolean {
  const mnt = p.mnt;
  if (mnt === undefined) return false;
  return (mnt.mntFlags & MNT_READONLY) !== 0 || (mnt.mntSb.sFlags & SB_RDONLY) !== 0;
}

/**
 * Models `build_open_flags()` (fs/open.c): checks the flags of `open()`.
 * @param flags - `O_*`
 * @returns 0, or `-EINVAL` (unknown bits, `O_PATH`), `-EOPNOTSUPP` (`O_TMPFILE`)
 */
export function buildOpenFlags(flags: number): number {
  if (flags & ~VALID_OPEN_FLAGS) return -EINVAL;
  if ((flags & O_ACCMODE) === O_ACCMODE) return -EINVAL;
  if (flags & __O_TMPFILE) return -EOPNOTSUPP;
  if (flags & O_PATH) return -EINVAL;
  return 0;
}

/**
 * Models `do_dentry_open()` (fs/open.c): makes the `struct file` for an inode and runs the filesystem's
 * `open`.
 * @param path - what is opened
 * @param flags - `O_*`
 * @param created - this open created the inode
 * @returns the file, or `-errno` from the filesystem's open; `-EINVAL` for `O_DIRECT` on a file whose
 * filesystem did not set `FMODE_CAN_ODIRECT`
 */
export async function doDentryOpen(path: Path, flags: number, created: boolean): Promise<File | number> {
  const inode = path.dentry.dInode as Inode;
  let fMode = openFmode(flags) | FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
  if (created) fMode |= FMODE_CREATED;
  const f = new File(path, inode, fMode, flags);
  const fop = f.fOp;
  if (fop.open !== undefined) {
    const r = await fop.open(inode, f);
    if (r < 0) return r;
  }
  f.fMode |= FMODE_OPENED;
  inode.iSb.sOpenFiles++;
  if (f.fMode & FMODE_READ && f.fOp.readIter !== undefined) f.fMode |= FMODE_CAN_READ;
  if (f.fMode & FMODE_WRITE && f.fOp.writeIter !== undefined) f.fMode |= FMODE_CAN_WRITE;
  if (f.fOp.llseek === undefined && !sIsReg(inode.iMode) && !sIsBlk(inode.iMode) && !sIsDir(inode.iMode)) {
    f.fMode &= ~FMODE_LSEEK;
  }
  f.fFlags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
  f.fIocbFlags = iocbFlags(f.fFlags);
  fileRaStateInit(f.fRa, f.fMapping);
  if (f.fFlags & O_DIRECT && !(f.fMode & FMODE_CAN_ODIRECT)) {
    await fput(f);
    return -EINVAL;
  }
  return f;
}

/**
 * Models `do_filp_open()` → `path_openat()` → `open_last_lookups()` + `do_open()` (fs/namei.c).
 * @param ctx - mounts
 * @param path - the path
 * @param flags - `O_*`
 * @param mode - permission bits for `O_CREAT`
 * @returns the open file or `-errno`: `-ENOENT`, `-EEXIST` (`O_CREAT|O_EXCL`), `-EISDIR` (a directory
 * opened for writing or created), `-ENOTDIR` (`O_DIRECTORY` on a non-directory, or a non-directory in the
 * path), `-EROFS`, `-EINVAL` (flags; `O_DIRECT` unsupported), `-EPERM` (filesystem cannot create),
 * `-ENAMETOOLONG`
 */
export async function doFilpOpen(ctx: NameiContext, path: string, flags: number, mode: number): Promise<File | number> {
  const bad = buildOpenFlags(flags);
  if (bad < 0) return bad;
  const trailingSlash = path.endsWith('/');
  const lk = await pathLookupParent(ctx, path);
  if (typeof lk === 'number') return lk;
  let target = lk.child;
  let created = false;
  if (target === undefined) {
    if (!(flags & O_CREAT)) return -ENOENT;
    if (trailingSlash) return -EISDIR;
    if (isReadonly(lk.parent)) return -EROFS;
    const dir = lk.parent.dentry.dInode as Inode;
    const iop = dir.iOp;
    if (iop.create === undefined) return -EPERM;
    const r = await iop.create(dir, lk.last, S_IFREG | (mode & ~S_IFMT & 0o7777));
    if (typeof r === 'number') return r;
    const d = dAdd(lk.parent.dentry, lk.last, r);
    target = { mnt: lk.parent.mnt, dentry: d };
    created = true;
  } else if ((flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL)) {
    return -EEXIST;
  }
  const inode = target.dentry.dInode as Inode;
  if (sIsDir(inode.iMode)) {
    if (flags & O_CREAT && lk.last !== '') return -EISDIR;
    if ((flags & O_ACCMODE) !== O_RDONLY) return -EISDIR;
  } else {
    if (flags & O_DIRECTORY || trailingSlash) return -ENOTDIR;
  }
  if ((flags & O_ACCMODE) !== O_RDONLY && isReadonly(target) && !sIsBlk(inode.iMode)) return -EROFS;
  if (flags & O_TRUNC && !created && sIsReg(inode.iMode)) {
    if (isReadonly(target)) return -EROFS;
    const r = await doTruncate(inode, 0);
    if (r < 0) return r;
  }
  return doDentryOpen(target, flags, created);
}

/**
 * Models `fput()` → `__fput()` (fs/file_table.c): drops a reference; the last one runs `release`.
 * @param f - the file
 * @returns undefined when this was not the last reference (no allocation on the per-I/O path), else a promise
 * settled when `release` has finished
 */
export function fput(f: File): Promise<void> | undefined {
  if (--f.fCount > 0) return undefined;
  if (f.fMode & FMODE_OPENED) f.fInode.iSb.sOpenFiles--;
  return fputRelease(f);
}

/** The last reference's part of {@link fput}: the file's `release`. */
async function fputRelease(f: File): Promise<void> {
  const fop = f.fOp;
  if (fop.release !== undefined) await fop.release(f.fInode, f);
}

/**
 * Models `do_truncate()` → `notify_change()` (fs/open.c, fs/attr.c): sets the size through the
 * filesystem's `setattr`, or, when it has none, as `simple_setattr()` → `truncate_setsize()` does: the new
 * `i_size`, and the page cache cut to it (`truncate_pagecache()`).
 * @param inode - a regular file's inode
 * @param length - the new size
 * @returns 0 or `-errno` (`-EINVAL` for a negative length, `-EFBIG` past `s_maxbytes`, the filesystem's)
 */
export async function doTruncate(inode: Inode, length: number): Promise<number> {
  if (length < 0) return -EINVAL;
  if (length > inode.iSb.sMaxbytes) return -EFBIG;
  const iop = inode.iOp;
  const attr = { iaValid: ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, iaSize: length, iaMode: inode.iMode };
  if (iop.setattr !== undefined) return iop.setattr(inode, attr);
  const old = inode.iSize;
  inode.iSize = length;
  if (length < old) await inode.iSb.sMappings.truncatePagecache(inode, length);
  return 0;
}

/**
 * Models `do_ftruncate()` (fs/open.c).
 * @param f - the open file, or undefined for a bad descriptor
 * @param length - the new size
 * @returns 0 or `-errno`: `-EBADF`, `-EINVAL` (negative length, not a regular file, not open for
 * writing), `-EROFS`, `-EFBIG`, the filesystem's
 */
export async function doFtruncate(f: File | undefined, length: number): Promise<number> {
  if (length < 0) return -EINVAL;
  if (f === undefined) return -EBADF;
  if (!sIsReg(f.fInode.iMode) || !(f.fMode & FMODE_WRITE)) return -EINVAL;
  if (isReadonly(f.fPath)) return -EROFS;
  return doTruncate(f.fInode, length);
}

/**
 * Models `vfs_fallocate()` (fs/open.c): the generic checks, then the filesystem's `fallocate`.
 * @param f - the open file, or undefined for a bad descriptor
 * @param mode - `FALLOC_FL_*`
 * @param offset - start
 * @param len - length
 * @returns 0 or `-errno`: `-EINVAL` (offset < 0, len ≤ 0, bad mode combination), `-EOPNOTSUPP`
 * (unknown mode bits, punch without keep-size, no `fallocate` op), `-EBADF` (bad descriptor or not open
 * for writing), `-ESPIPE`, `-EISDIR`, `-ENODEV` (not a regular file or block device), `-EFBIG`, the
 * filesystem's
 */
export async function vfsFallocate(f: File | undefined, mode: number, offset: number, len: number): Promise<number> {
  if (f === undefined) return -EBADF;
  const inode = f.fInode;
  if (offset < 0 || len <= 0) return -EINVAL;
  if (mode & ~FALLOC_FL_SUPPORTED_MASK) return -EOPNOTSUPP;
  switch (mode & FALLOC_FL_MODE_MASK) {
    case FALLOC_FL_ALLOCATE_RANGE:
    case FALLOC_FL_UNSHARE_RANGE:
    case FALLOC_FL_ZERO_RANGE:
      break;
    case FALLOC_FL_PUNCH_HOLE:
      if (!(mode & FALLOC_FL_KEEP_SIZE)) return -EOPNOTSUPP;
      break;
    case FALLOC_FL_COLLAPSE_RANGE:
    case FALLOC_FL_INSERT_RANGE:
    case FALLOC_FL_WRITE_ZEROES:
      if (mode & FALLOC_FL_KEEP_SIZE) return -EOPNOTSUPP;
      break;
    default:
      return -EOPNOTSUPP;
  }
  if (!(f.fMode & FMODE_WRITE)) return -EBADF;
  if (isReadonly(f.fPath)) return -EROFS;
  if (sIsDir(inode.iMode)) return -EISDIR;
  if (!sIsReg(inode.iMode) && !sIsBlk(inode.iMode)) {
    return (inode.iMode & S_IFMT) === 0o10000 ? -ESPIPE : -ENODEV;
  }
  if (offset + len > inode.iSb.sMaxbytes || offset + len < 0) return -EFBIG;
  const fop = f.fOp;
  if (fop.fallocate === undefined) return -EOPNOTSUPP;
  return fop.fallocate(f, mode, offset, len);
}
