/**
 * Models `fs/iomap/iter.c` (Linux 6.18): `struct iomap_iter` and `iomap_iter()`, the loop every iomap
 * operation runs over the mappings of a file range.
 * @packageDocumentation
 */
import { EIO } from '@stackemu/core';
import { IOMAP_F_STALE, IOMAP_HOLE, iomapNew, type Iomap, type IomapOps } from './iomap.js';
import type { Inode } from './internal/upstream.js';

/**
 * Models `struct iomap_iter` (include/linux/iomap.h): iterates through a range of a file.
 * @remarks Reusable: {@link iomapIterInit} resets every field, so a caller may keep one per context.
 */
export class IomapIter {
  /** The inode; set at the start and unchanged. */
  inode: Inode;
  /** Current file position; updated by {@link iomapIterAdvance}. Read-only in the loop body. */
  pos = 0;
  /** Remaining length of the range. */
  len = 0;
  /** Position at which the current mapping was started (`iter_start_pos`). */
  iterStartPos = 0;
  /** Status of the last loop body: 0 or `-errno` (`status`). */
  status = 0;
  /** `IOMAP_*` operation flags passed to `iomapBegin`. */
  flags = 0;
  /** The current mapping. */
  readonly iomap: Iomap = iomapNew();
  /** Source mapping for copy-on-write (`IOMAP_HOLE` when unused). */
  readonly srcmap: Iomap = iomapNew();
  /** Caller's private data. */
  private: unknown = undefined;

  /** @param inode - the inode */
  constructor(inode: Inode) {
    this.inode = inode;
  }
}

/**
 * Starts an iteration (the designated initializer of `struct iomap_iter` in the kernel's callers).
 * @param it - the iterator to (re)initialise
 * @param inode - the inode
 * @param pos - start of the range
 * @param len - length of the range
 * @param flags - `IOMAP_*` operation flags
 * @returns `it`
 */
export function iomapIterInit(it: IomapIter, inode: Inode, pos: number, len: number, flags: number): IomapIter {
  it.inode = inode;
  it.pos = pos;
  it.len = len;
  it.iterStartPos = pos;
  it.status = 0;
  it.flags = flags;
  it.private = undefined;
  resetIomap(it.iomap);
  resetIomap(it.srcmap);
  return it;
}

function resetIomap(m: Iomap): void {
  m.addr = 0;
  m.offset = 0;
  m.length = 0;
  m.type = IOMAP_HOLE;
  m.flags = 0;
  m.bdev = undefined;
  m.inlineData = undefined;
  m.private = undefined;
}

/**
 * Models `iomap_length()` (include/linux/iomap.h): the length the loop body applies to for this mapping.
 * @param it - the iterator
 * @returns bytes from `pos` to the end of the mapping (and of the source mapping), at most `len`
 */
export function iomapLength(it: IomapIter): number {
  let end = it.iomap.offset + it.iomap.length;
  if (it.srcmap.type !== IOMAP_HOLE) end = Math.min(end, it.srcmap.offset + it.srcmap.length);
  return Math.min(it.len, end - it.pos);
}

/**
 * Models `iomap_iter_srcmap()` (include/linux/iomap.h): the mapping to read from.
 * @param it - the iterator
 * @returns `srcmap` when a source mapping is in use, else `iomap`
 */
export function iomapIterSrcmap(it: IomapIter): Iomap {
  return it.srcmap.type !== IOMAP_HOLE ? it.srcmap : it.iomap;
}

/**
 * Models `iomap_iter_advance()` (fs/iomap/iter.c): the loop body processed `count` bytes.
 * @param it - the iterator
 * @param count - bytes processed (at most {@link iomapLength})
 * @returns 0, or `-EIO` if `count` exceeds the mapping
 */
export function iomapIterAdvance(it: IomapIter, count: number): number {
  if (count > iomapLength(it)) return -EIO;
  it.pos += count;
  it.len -= count;
  return 0;
}

function checkDone(it: IomapIter, ret: number): number {
  if (ret < 0) return ret;
  const m = it.iomap;
  // iomap_iter_done(): the file system must return a mapping that covers pos.
  if (m.length <= 0 || m.offset > it.pos || m.offset + m.length <= it.pos) return -EIO;
  return 1;
}

/**
 * Models `iomap_iter()` (fs/iomap/iter.c): finishes the current mapping (`iomapEnd`) and starts the next
 * one (`iomapBegin`).
 *
 * @remarks Call in a loop while it returns a positive value; the loop body advances with
 * {@link iomapIterAdvance} and reports an error in `status`. A body that neither advances nor marks the
 * mapping `IOMAP_F_STALE` ends the loop.
 * @param it - the iterator
 * @param ops - the file system's mapping operations
 * @returns 1 to run the body on the new mapping, 0 when done, or `-errno` (from `status`, `iomapBegin` or
 * `iomapEnd`); a promise when `iomapBegin` returned one
 */
export function iomapIter(it: IomapIter, ops: IomapOps): number | Promise<number> {
  if (it.iomap.length !== 0) {
    const stale = (it.iomap.flags & IOMAP_F_STALE) !== 0;
    const advanced = it.pos - it.iterStartPos;
    const olen = it.len + advanced;
    if (ops.iomapEnd !== undefined) {
      const length = Math.min(olen, it.iomap.offset + it.iomap.length - it.iterStartPos);
      const r = ops.iomapEnd(it.inode, it.iterStartPos, length, advanced, it.flags, it.iomap);
      if (r < 0 && advanced === 0) return r;
    }
    let ret: number;
    if (it.status > 0) it.status = -EIO;
    if (it.status < 0) ret = it.status;
    else if (it.len === 0 || (advanced === 0 && !stale)) ret = 0;
    else ret = 1;
    it.status = 0;
    resetIomap(it.iomap);
    resetIomap(it.srcmap);
    if (ret <= 0) return ret;
  }
  it.iterStartPos = it.pos;
  const r = ops.iomapBegin(it.inode, it.pos, it.len, it.flags, it.iomap, it.srcmap);
  if (typeof r === 'number') return checkDone(it, r);
  return r.then((v) => checkDone(it, v));
}
