/**
 * The read/write core (fs/read_write.c): area checks, the sync and async iter calls, and seeking.
 * @packageDocumentation
 */
import { EBADF, EINVAL, EIOCBQUEUED, ENXIO, ESPIPE, EOVERFLOW } from '@stackemu/core';
import { FMODE_CAN_READ, FMODE_CAN_WRITE, FMODE_LSEEK, FMODE_READ, FMODE_WRITE, type File } from './file.js';
import type { IovIter } from './internal/deps.js';
import { IOCB_WRITE, Kiocb, type KiComplete } from './kiocb.js';
import { MAX_RW_COUNT, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_MAX, SEEK_SET } from './uapi/fs.js';

/** Models `READ` (include/linux/kernel.h). */
export const RW_READ = 0;
/** Models `WRITE` (include/linux/kernel.h). */
export const RW_WRITE = 1;

/**
 * Models `rw_verify_area()` (fs/read_write.c): the position and length are representable.
 * @param file - the file
 * @param pos - the position, or undefined for a stream without one
 * @param count - the length
 * @returns 0, or `-EINVAL` (negative position, `pos + count` overflows), `-EOVERFLOW`
 */
export function rwVerifyArea(file: File, pos: number | undefined, count: number): number {
  if (count < 0) return -EINVAL;
  if (pos !== undefined) {
    if (pos < 0) return -EINVAL;
    if (pos + count > Number.MAX_SAFE_INTEGER) return -EOVERFLOW;
  }
  return 0;
}

/**
 * The per-direction checks of `vfs_read()`/`vfs_write()`/`vfs_iter_*()` (fs/read_write.c).
 * @param file - the file
 * @param rw - {@link RW_READ} or {@link RW_WRITE}
 * @returns 0, or `-EBADF` (not open for that direction), `-EINVAL` (the file cannot do it)
 */
export function rwCheckMode(file: File, rw: 0 | 1): number {
  if (rw === RW_READ) {
    if (!(file.fMode & FMODE_READ)) return -EBADF;
    if (!(file.fMode & FMODE_CAN_READ)) return -EINVAL;
  } else {
    if (!(file.fMode & FMODE_WRITE)) return -EBADF;
    if (!(file.fMode & FMODE_CAN_WRITE)) return -EINVAL;
  }
  return 0;
}

/**
 * Calls the file's `read_iter`/`write_iter` on a prepared kiocb: `call_read_iter()`/`call_write_iter()`
 * (include/linux/fs.h).
 * @param iocb - the kiocb (`kiPos`, `kiFlags`, optional `kiComplete` set)
 * @param iter - the data
 * @param rw - {@link RW_READ} or {@link RW_WRITE}
 * @returns what the filesystem returns: bytes, `-errno`, `-EIOCBQUEUED` (async kiocb), possibly as a
 * promise; `-EINVAL` if the file has no such operation
 */
export function callRwIter(iocb: Kiocb, iter: IovIter, rw: 0 | 1): number | Promise<number> {
  const fop = iocb.kiFilp.fOp;
  if (rw === RW_READ) {
    if (fop.readIter === undefined) return -EINVAL;
    return fop.readIter(iocb, iter);
  }
  if (fop.writeIter === undefined) return -EINVAL;
  iocb.kiFlags |= IOCB_WRITE;
  return fop.writeIter(iocb, iter);
}

/**
 * Models `do_iter_readv_writev()` / `new_sync_read()` / `new_sync_write()` (fs/read_write.c): a sync
 * kiocb at `pos`; waits (in virtual time) for the result.
 * @param file - the file (already checked with {@link rwCheckMode})
 * @param iter - the data
 * @param pos - the position; `undefined` uses and advances `f_pos`
 * @param rw - direction
 * @param setup - applies per-I/O flags (`kiocb_set_rw_flags`) to the kiocb; returns 0 or `-errno`
 * @returns bytes or `-errno`
 */
export async function doIterRw(
  file: File,
  iter: IovIter,
  pos: number | undefined,
  rw: 0 | 1,
  setup?: (k: Kiocb) => number,
): Promise<number> {
  const count = iter.count;
  const usePos = pos === undefined;
  const p = usePos ? file.fPos : pos;
  const bad = rwVerifyArea(file, p, count);
  if (bad < 0) return bad;
  if (count === 0) return 0;
  if (count > MAX_RW_COUNT) iter.count = MAX_RW_COUNT;
  const k = new Kiocb(file);
  k.kiFlags = file.fIocbFlags;
  k.kiPos = p;
  if (setup !== undefined) {
    const r = setup(k);
    if (r < 0) return r;
  }
  let ret = await callRwIter(k, iter, rw);
  if (ret === -EIOCBQUEUED) ret = -EINVAL; // a sync kiocb must not be queued
  if (ret > 0 && usePos) file.fPos = k.kiPos;
  return ret;
}

/**
 * Starts an async read or write on a kiocb with `ki_complete` set, and delivers exactly one completion:
 * the model of `aio_rw_done()` (fs/aio.c) and `io_rw_done()` (io_uring/rw.c).
 * @param iocb - the kiocb with `kiComplete` set
 * @param iter - the data
 * @param rw - direction
 * @remarks `kiComplete` runs synchronously for an immediate result, from the promise's settlement for a
 * filesystem that sleeps, or later from the filesystem's completion for `-EIOCBQUEUED`.
 * @returns undefined when `->read_iter`/`->write_iter` returned without sleeping, else a promise settled when
 * it returns: how long the submitting task is blocked in it (`io_submit()` waits for it; io_uring's submitter
 * does not, its io-wq worker does)
 */
export function startAsyncRw(iocb: Kiocb, iter: IovIter, rw: 0 | 1): Promise<void> | undefined {
  const r = callRwIter(iocb, iter, rw);
  if (typeof r === 'number') {
    if (r !== -EIOCBQUEUED) (iocb.kiComplete as KiComplete)(iocb, r);
    return undefined;
  }
  return r.then((res) => {
    if (res !== -EIOCBQUEUED) (iocb.kiComplete as KiComplete)(iocb, res);
  });
}

/**
 * Models `vfs_setpos()` (fs/read_write.c).
 * @param file - the file
 * @param offset - the new position
 * @param maxsize - the largest position allowed
 * @returns the position, or `-EINVAL` (negative or past `maxsize`)
 */
export function vfsSetpos(file: File, offset: number, maxsize: number): number {
  if (offset < 0 || offset > maxsize) return -EINVAL;
  file.fPos = offset;
  return offset;
}

/**
 * Models `generic_file_llseek_size()` (fs/read_write.c): SEEK_SET/CUR/END, and SEEK_DATA/SEEK_HOLE with
 * the whole file treated as data.
 * @param file - the file
 * @param offset - the offset
 * @param whence - `SEEK_*`
 * @param maxsize - the largest position (`s_maxbytes`)
 * @param eof - the end of file (`i_size`)
 * @returns the new position, or `-EINVAL`, `-ENXIO` (SEEK_DATA/SEEK_HOLE at or past EOF)
 */
export function genericFileLlseekSize(
  file: File,
  offset: number,
  whence: number,
  maxsize: number,
  eof: number,
): number {
  switch (whence) {
    case SEEK_SET:
      break;
    case SEEK_END:
      offset += eof;
      break;
    case SEEK_CUR:
      if (offset === 0) return file.fPos;
      offset += file.fPos;
      break;
    case SEEK_DATA:
      if (offset < 0 || offset >= eof) return -ENXIO;
      break;
    case SEEK_HOLE:
      if (offset < 0 || offset >= eof) return -ENXIO;
      offset = eof;
      break;
    default:
      return -EINVAL;
  }
  return vfsSetpos(file, offset, maxsize);
}

/**
 * Models `generic_file_llseek()` (fs/read_write.c).
 * @param file - the file
 * @param offset - the offset
 * @param whence - `SEEK_*`
 * @returns the new position or `-errno` (see {@link genericFileLlseekSize})
 */
export function genericFileLlseek(file: File, offset: number, whence: number): number {
  return genericFileLlseekSize(file, offset, whence, file.fInode.iSb.sMaxbytes, file.fInode.iSize);
}

/**
 * Models `ksys_lseek()` → `vfs_llseek()` (fs/read_write.c).
 * @param file - the file, or undefined for a bad descriptor
 * @param offset - the offset
 * @param whence - `SEEK_*`
 * @returns the new position, or `-EBADF`, `-EINVAL` (whence), `-ESPIPE` (not seekable), the
 * filesystem's
 */
export async function vfsLlseek(file: File | undefined, offset: number, whence: number): Promise<number> {
  if (file === undefined) return -EBADF;
  if (whence > SEEK_MAX || whence < 0) return -EINVAL;
  if (!(file.fMode & FMODE_LSEEK)) return -ESPIPE;
  const fop = file.fOp;
  if (fop.llseek !== undefined) return fop.llseek(file, offset, whence);
  return genericFileLlseek(file, offset, whence);
}
