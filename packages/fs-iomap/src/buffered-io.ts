/**
 * Models `fs/iomap/buffered-io.c` (Linux 6.18): reading folios (`iomap_read_folio()`), buffered writes
 * (`iomap_file_buffered_write()` with `iomap_write_begin()`/`iomap_write_end()`), zeroing
 * (`iomap_zero_range()`, `iomap_truncate_page()`) and writeback (`iomap_writepages()`) through mm's page
 * cache.
 *
 * @remarks Folios are single pages; a folio is made wholly uptodate before a partial write (there is no
 * per-block `iomap_folio_state`). Page-cache pages are kernel memory: their bios take neither pins nor
 * references.
 * @packageDocumentation
 */
import { EFAULT } from '@stackemu/core';
import {
  BIO_MAX_VECS,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_RAHEAD,
  REQ_SYNC,
  bioAddPage,
  bioAlloc,
  bioForEachSegmentAll,
  bioPut,
  blkStatusToErrno,
  copyPageFromIter,
  iovIterCount,
  submitBio,
  submitBioWait,
  type Bio,
  type BlockLayer,
  type BlockDevice,
  type IovIter,
} from '@stackemu/block';
import {
  FGP_CREAT,
  FGP_WRITE,
  PAGE_SIZE,
  WB_SYNC_ALL,
  filemapGetFolio,
  balanceDirtyPagesRatelimited,
  filemapReadFolio,
  folioEndWriteback,
  folioLock,
  folioMarkDirty,
  folioMarkUptodate,
  folioStartWriteback,
  folioUnlock,
  folioWaitWriteback,
  mappingSetError,
  writeCachePages,
  type AddressSpace,
  type WritebackControl,
} from '@stackemu/mm';
import { iBlocksize, iSizeRead, iSizeWrite, type Inode, type Kiocb } from '@stackemu/vfs';
import {
  IOMAP_F_NEW,
  IOMAP_F_SIZE_CHANGED,
  IOMAP_HOLE,
  IOMAP_MAPPED,
  IOMAP_UNWRITTEN,
  IOMAP_WRITE,
  IOMAP_ZERO,
  iomapNew,
  iomapSector,
  type IomapOps,
} from './iomap.js';
import { IomapIter, iomapIter, iomapIterAdvance, iomapIterInit, iomapLength } from './iter.js';

const ZEROES = new Uint8Array(PAGE_SIZE);

function mappingOf(inode: Inode): AddressSpace {
  return inode.iMapping;
}

function bdevOfInode(inode: Inode, it?: IomapIter): BlockDevice {
  const b = it?.iomap.bdev ?? inode.iSb.sBdev;
  if (b === undefined) throw new RangeError('iomap: buffered I/O on an inode without a block device');
  return b;
}

/** Writes zeroes over `[off, off + len)` of page `pfn` (`folio_zero_range()`). */
function zeroPage(bdev: BlockDevice, pfn: number, off: number, len: number): void {
  if (len > 0) bdev.bdDisk.blk.physMem.write(pfn * PAGE_SIZE + off, ZEROES, 0, len);
}

interface ReadCtx {
  bio: Bio | undefined;
  nextSector: number;
  readonly waits: Promise<number>[];
  readonly bios: Bio[];
}

function readSubmit(ctx: ReadCtx): void {
  const bio = ctx.bio;
  if (bio === undefined) return;
  ctx.bio = undefined;
  ctx.bios.push(bio);
  ctx.waits.push(submitBioWait(bio));
}

/**
 * Fills page `pfn` (file page `index`) from its mappings: mapped blocks inside EOF are read, the rest —
 * holes, unwritten extents, blocks past EOF and blocks in `[zeroFrom, zeroTo)` (just allocated by a
 * write) — are zeroed.
 */
async function iomapFillFolio(
  inode: Inode,
  pfn: number,
  index: number,
  ops: IomapOps,
  zeroFrom: number,
  zeroTo: number,
): Promise<number> {
  const pos0 = index * PAGE_SIZE;
  const isize = iSizeRead(inode);
  const bs = iBlocksize(inode);
  const it = iomapIterInit(new IomapIter(inode), inode, pos0, PAGE_SIZE, 0);
  const ctx: ReadCtx = { bio: undefined, nextSector: -1, waits: [], bios: [] };
  let r: number;
  while ((r = await iomapIter(it, ops)) > 0) {
    const bdev = bdevOfInode(inode, it);
    const len = iomapLength(it);
    let pos = it.pos;
    const end = pos + len;
    while (pos < end) {
      const blockEnd = Math.min(end, (Math.floor(pos / bs) + 1) * bs);
      const n = blockEnd - pos;
      const zero =
        it.iomap.type !== IOMAP_MAPPED ||
        (it.iomap.flags & IOMAP_F_NEW) !== 0 ||
        pos >= isize ||
        (pos >= zeroFrom && pos < zeroTo);
      if (zero) {
        zeroPage(bdev, pfn, pos - pos0, n);
      } else {
        const sector = iomapSector(it.iomap, pos);
        if (ctx.bio === undefined || sector !== ctx.nextSector || ctx.bio.biBdev !== bdev) {
          readSubmit(ctx);
          ctx.bio = bioAlloc(bdev, PAGE_SIZE / 512, REQ_OP_READ);
          ctx.bio.biIter.biSector = sector;
        }
        bioAddPage(ctx.bio, pfn, n, pos - pos0);
        ctx.nextSector = sector + n / 512;
      }
      pos = blockEnd;
    }
    it.status = iomapIterAdvance(it, len);
  }
  readSubmit(ctx);
  const results = await Promise.all(ctx.waits);
  for (const b of ctx.bios) bioPut(b);
  if (r < 0) return r;
  for (const x of results) if (x < 0) return x;
  return 0;
}

/**
 * Models `iomap_read_folio()` (fs/iomap/buffered-io.c): fills a page-cache folio from the file's mappings —
 * one read bio per run of contiguous mapped blocks, zeroes for holes, unwritten extents and blocks past EOF.
 * The bios carry kernel pages: no pins, no references.
 * @param inode - the file
 * @param pfn - the folio (locked, not uptodate)
 * @param index - its page index in the file
 * @param ops - the file system's mapping operations
 * @returns 0 once the data is in the folio, or `-errno` (`-EIO`)
 */
export function iomapReadFolio(inode: Inode, pfn: number, index: number, ops: IomapOps): Promise<number> {
  return iomapFillFolio(inode, pfn, index, ops, 0, 0);
}

/** One readahead bio and the batch positions of the folios it reads into. */
interface RaBio {
  readonly bio: Bio;
  readonly folios: number[];
}

/**
 * Models `iomap_readahead()` (fs/iomap/buffered-io.c): reads a readahead batch — the folios `pfns` of file pages
 * `index…`, locked and not uptodate — with one `REQ_RAHEAD` bio per run of contiguous mapped blocks (up to
 * `BIO_MAX_VECS` pages), zeroing holes, unwritten extents and blocks past EOF. Each folio ends
 * (`endRead(pfn, ok)`, `folio_end_read()`) once every bio reading into it has completed; a failed mapping ends
 * the folios it did not reach as failed, as `read_pages()` unlocks what `->readahead()` left.
 * @param inode - the file
 * @param index - page index of `pfns[0]`
 * @param pfns - the batch's folios
 * @param ops - the file system's mapping operations
 * @param endRead - `folio_end_read()`
 */
export async function iomapReadahead(
  inode: Inode,
  index: number,
  pfns: readonly number[],
  ops: IomapOps,
  endRead: (pfn: number, ok: boolean) => void,
): Promise<void> {
  const n = pfns.length;
  const pos0 = index * PAGE_SIZE;
  const isize = iSizeRead(inode);
  const bs = iBlocksize(inode);
  // Per folio: bios still reading into it, plus 1 until this function has looked at all of it.
  const pending = new Int32Array(n).fill(1);
  const failed = new Uint8Array(n);
  const finish = (k: number): void => {
    if (--(pending[k] as number) === 0) endRead(pfns[k] as number, failed[k] === 0);
  };
  let cur: RaBio | undefined;
  let nextSector = -1;
  const submit = (): void => {
    const c = cur;
    if (c === undefined) return;
    cur = undefined;
    void submitBioWait(c.bio).then((st) => {
      bioPut(c.bio);
      for (const k of c.folios) {
        if (st < 0) failed[k] = 1;
        finish(k);
      }
    });
  };
  const it = iomapIterInit(new IomapIter(inode), inode, pos0, n * PAGE_SIZE, 0);
  let r: number;
  try {
    while ((r = await iomapIter(it, ops)) > 0) {
      const bdev = bdevOfInode(inode, it);
      const len = iomapLength(it);
      let pos = it.pos;
      const end = pos + len;
      while (pos < end) {
        const k = Math.floor((pos - pos0) / PAGE_SIZE);
        const pageEnd = pos0 + (k + 1) * PAGE_SIZE;
        const pieceEnd = Math.min(end, (Math.floor(pos / bs) + 1) * bs, pageEnd);
        const len1 = pieceEnd - pos;
        const pfn = pfns[k] as number;
        const zero = it.iomap.type !== IOMAP_MAPPED || (it.iomap.flags & IOMAP_F_NEW) !== 0 || pos >= isize;
        if (zero) zeroPage(bdev, pfn, pos - (pageEnd - PAGE_SIZE), len1);
        else {
          const sector = iomapSector(it.iomap, pos);
          const off = pos - (pageEnd - PAGE_SIZE);
          if (
            cur === undefined ||
            sector !== nextSector ||
            cur.bio.biBdev !== bdev ||
            bioAddPage(cur.bio, pfn, len1, off) === 0
          ) {
            submit();
            const bio = bioAlloc(bdev, Math.min(BIO_MAX_VECS, n - k), REQ_OP_READ);
            bio.biOpf |= REQ_RAHEAD;
            bio.biIter.biSector = sector;
            bioAddPage(bio, pfn, len1, off);
            cur = { bio, folios: [] };
          }
          const f = cur.folios;
          if (f[f.length - 1] !== k) {
            f.push(k);
            pending[k] = (pending[k] as number) + 1;
          }
          nextSector = sector + len1 / 512;
        }
        pos = pieceEnd;
      }
      it.status = iomapIterAdvance(it, len);
    }
  } finally {
    submit();
  }
  // Folios past where a failed mapping stopped are not read.
  const reached = r < 0 ? Math.floor((it.pos - pos0) / PAGE_SIZE) : n;
  for (let k = 0; k < n; k++) {
    if (k >= reached) failed[k] = 1;
    finish(k);
  }
}

/**
 * Models `iomap_write_begin()` (fs/iomap/buffered-io.c): the locked, stable folio of `pos`, made uptodate
 * when the write covers it only partly (reading it, and zeroing the blocks this write allocated).
 * @returns the folio's pfn (locked, with a reference) or `-errno`
 */
async function iomapWriteBegin(it: IomapIter, ops: IomapOps, index: number, partial: boolean): Promise<number> {
  const inode = it.inode;
  const mapping = mappingOf(inode);
  const pfn = filemapGetFolio(mapping, index, FGP_CREAT | FGP_WRITE);
  if (pfn < 0) return pfn;
  await folioLock(mapping, pfn);
  await folioWaitWriteback(mapping, pfn);
  const physMem = bdevOfInode(inode, it).bdDisk.blk.physMem;
  if (partial && !physMem.pageUptodate(pfn)) {
    const m = it.iomap;
    const fresh = (m.flags & IOMAP_F_NEW) !== 0 || m.type === IOMAP_UNWRITTEN || m.type === IOMAP_HOLE;
    const r = await iomapFillFolio(inode, pfn, index, ops, fresh ? m.offset : 0, fresh ? m.offset + m.length : 0);
    if (r < 0) {
      folioUnlock(mapping, pfn);
      physMem.putPage(pfn);
      return r;
    }
    folioMarkUptodate(mapping, pfn);
  }
  return pfn;
}

/**
 * Models `iomap_write_iter()` (fs/iomap/buffered-io.c): copies the part of the write this mapping covers,
 * folio by folio (`iomap_write_begin()`, copy, `iomap_write_end()`).
 * @returns 0 (after advancing) or `-errno`
 */
async function iomapWriteIter(it: IomapIter, ops: IomapOps, iter: IovIter, written: { n: number }): Promise<number> {
  const inode = it.inode;
  const mapping = mappingOf(inode);
  const blk = bdevOfInode(inode, it).bdDisk.blk;
  let total = 0;
  while (iomapLength(it) > 0 && iovIterCount(iter) > 0) {
    const pos = it.pos;
    const index = Math.floor(pos / PAGE_SIZE);
    const off = pos % PAGE_SIZE;
    const bytes = Math.min(PAGE_SIZE - off, iomapLength(it), iovIterCount(iter));
    await balanceDirtyPagesRatelimited(mapping);
    const pfn = await iomapWriteBegin(it, ops, index, bytes !== PAGE_SIZE);
    if (pfn < 0) return total > 0 ? 0 : pfn;
    const copied = copyPageFromIter(blk, pfn, off, bytes, iter);
    // iomap_write_end(): a folio the copy filled is uptodate; a short copy into a folio that is not is lost.
    if (copied === PAGE_SIZE) folioMarkUptodate(mapping, pfn);
    if (copied > 0 && blk.physMem.pageUptodate(pfn)) folioMarkDirty(mapping, pfn);
    folioUnlock(mapping, pfn);
    blk.physMem.putPage(pfn);
    if (copied === 0) return total > 0 ? 0 : -EFAULT;
    if (pos + copied > iSizeRead(inode)) {
      iSizeWrite(inode, pos + copied);
      it.iomap.flags |= IOMAP_F_SIZE_CHANGED;
    }
    total += copied;
    written.n += copied;
    const a = iomapIterAdvance(it, copied);
    if (a < 0) return a;
    if (copied < bytes) break;
  }
  return 0;
}

/**
 * The CPU time of copying `bytes` between user memory and the page cache (`copy_page_from_iter()` per folio),
 * charged in virtual time at the machine's copy bandwidth (mm param `copy_bandwidth`).
 */
function chargeCopy(blk: BlockLayer, bytes: number): Promise<void> | undefined {
  const ns = Math.round(bytes * blk.physMem.copyNsPerByte);
  return ns > 0 ? blk.scheduler.sleep(ns) : undefined;
}

/**
 * Models `iomap_file_buffered_write()` (fs/iomap/buffered-io.c): copies `iter` into the page cache at
 * `iocb.kiPos`, mapping (and allocating) blocks with `IOMAP_WRITE`; blocks the write allocates are zeroed
 * around the copied bytes instead of read. Dirty folios reach the disk through `writepages`.
 * @param iocb - the kiocb (`kiPos` advanced by the bytes written)
 * @param iter - the source
 * @param ops - the file system's mapping operations
 * @returns bytes written, or `-errno` if none (`-ENOSPC`, `-EFAULT`, `-EIO`)
 */
export async function iomapFileBufferedWrite(iocb: Kiocb, iter: IovIter, ops: IomapOps): Promise<number> {
  const inode = iocb.kiFilp.fInode;
  const it = iomapIterInit(new IomapIter(inode), inode, iocb.kiPos, iovIterCount(iter), IOMAP_WRITE);
  const written = { n: 0 };
  let r: number;
  while ((r = await iomapIter(it, ops)) > 0) it.status = await iomapWriteIter(it, ops, iter, written);
  if (written.n === 0) return r;
  iocb.kiPos += written.n;
  await chargeCopy(bdevOfInode(inode, it).bdDisk.blk, written.n);
  return written.n;
}

/**
 * Models `iomap_zero_range()` (fs/iomap/buffered-io.c): zeroes `[pos, pos + len)` through the page cache.
 * Holes and unwritten extents already read as zeroes and are skipped unless a cached folio covers them.
 * @param inode - the file
 * @param pos - first byte
 * @param len - bytes
 * @param ops - the file system's mapping operations
 * @returns 0 or `-errno`
 */
export async function iomapZeroRange(inode: Inode, pos: number, len: number, ops: IomapOps): Promise<number> {
  if (len <= 0) return 0;
  const mapping = mappingOf(inode);
  const it = iomapIterInit(new IomapIter(inode), inode, pos, len, IOMAP_WRITE | IOMAP_ZERO);
  let r: number;
  while ((r = await iomapIter(it, ops)) > 0) {
    const bdev = bdevOfInode(inode, it);
    const physMem = bdev.bdDisk.blk.physMem;
    const n = iomapLength(it);
    const skip = it.iomap.type === IOMAP_HOLE || it.iomap.type === IOMAP_UNWRITTEN;
    let p = it.pos;
    const end = p + n;
    while (p < end) {
      const index = Math.floor(p / PAGE_SIZE);
      const off = p % PAGE_SIZE;
      const chunk = Math.min(PAGE_SIZE - off, end - p);
      let cached = true;
      if (skip) {
        const f = filemapGetFolio(mapping, index, 0);
        cached = f >= 0;
        if (cached) physMem.putPage(f);
      }
      if (cached) {
        const pfn = await filemapReadFolio(mapping, index);
        if (pfn < 0) return pfn;
        await folioLock(mapping, pfn);
        await folioWaitWriteback(mapping, pfn);
        zeroPage(bdev, pfn, off, chunk);
        folioMarkDirty(mapping, pfn);
        folioUnlock(mapping, pfn);
        physMem.putPage(pfn);
      }
      p += chunk;
    }
    it.status = iomapIterAdvance(it, n);
  }
  return r;
}

/**
 * Models `iomap_truncate_page()` (fs/iomap/buffered-io.c): zeroes from `pos` to the end of its block, so
 * that a later extension of the file shows zeroes there.
 * @param inode - the file
 * @param pos - the new EOF
 * @param ops - the file system's mapping operations
 * @returns 0 or `-errno`
 */
export function iomapTruncatePage(inode: Inode, pos: number, ops: IomapOps): Promise<number> {
  const bs = iBlocksize(inode);
  const off = pos % bs;
  if (off === 0) return Promise.resolve(0);
  return iomapZeroRange(inode, pos, bs - off, ops);
}

// ---- writeback ---------------------------------------------------------------------------------------

/**
 * Models `struct iomap_writeback_ops` (include/linux/iomap.h, the ≤ 6.16 shape): the file system's part of
 * writeback.
 */
export interface IomapWritebackOps {
  /**
   * Maps (allocating if needed) the blocks of `[offset, offset + len)` for writeback (`map_blocks`); called
   * by {@link iomapWritepages} for each run of a dirty folio.
   * @returns 0 or `-errno`
   */
  mapBlocks(wpc: IomapWritepageCtx, inode: Inode, offset: number, len: number): number;
  /**
   * (optional) Called when the I/O of `[offset, offset + size)` completed, before the folios end writeback
   * (unwritten extent conversion: the role of `ioend` completion in xfs/ext4).
   * @param unwritten - the range was written into unwritten extents
   * @param error - 0 or the I/O's `-errno`
   */
  ioendEnd?(inode: Inode, offset: number, size: number, unwritten: boolean, error: number): void;
}

/** Models `struct iomap_writepage_ctx` (include/linux/iomap.h): one `writepages` call's state. */
export interface IomapWritepageCtx {
  /** The current mapping (`wpc->iomap`), filled by `mapBlocks`. */
  readonly iomap: ReturnType<typeof iomapNew>;
  /** The writeback operations. */
  readonly ops: IomapWritebackOps;
  /** The bio being built (`wpc->ioend`). */
  bio: Bio | undefined;
  /** File offset of the first byte of {@link IomapWritepageCtx.bio}. */
  bioOffset: number;
  /** Bytes in it. */
  bioSize: number;
  /** It writes into unwritten extents. */
  bioUnwritten: boolean;
  /** Next sector that would extend it. */
  nextSector: number;
  /** Bios still in flight per folio (`iomap_folio_state.write_bytes_pending`). */
  readonly pending: Map<number, number>;
  /** The mapping written. */
  readonly mapping: AddressSpace;
  /** The inode. */
  readonly inode: Inode;
  /** `REQ_OP_WRITE` plus `REQ_SYNC` for integrity writeback. */
  readonly opf: number;
}

interface Ioend {
  readonly wpc: IomapWritepageCtx;
  readonly offset: number;
  readonly size: number;
  readonly unwritten: boolean;
}

/** Models `iomap_finish_ioend_buffered()` (fs/iomap/ioend.c): completion of one writeback bio. */
function iomapWritebackEndIo(bio: Bio): void {
  const io = bio.biPrivate as Ioend;
  const wpc = io.wpc;
  const error = bio.biStatus === 0 ? 0 : blkStatusToErrno(bio.biStatus);
  wpc.ops.ioendEnd?.(wpc.inode, io.offset, io.size, io.unwritten, error);
  if (error !== 0) mappingSetError(wpc.mapping, error);
  const seen = new Set<number>();
  bioForEachSegmentAll(bio, (page) => {
    if (seen.has(page)) return;
    seen.add(page);
    const left = (wpc.pending.get(page) ?? 1) - 1;
    if (left > 0) wpc.pending.set(page, left);
    else {
      wpc.pending.delete(page);
      folioEndWriteback(wpc.mapping, page);
    }
  });
  bioPut(bio);
}

function iomapSubmitIoend(wpc: IomapWritepageCtx): void {
  const bio = wpc.bio;
  if (bio === undefined) return;
  wpc.bio = undefined;
  const io: Ioend = { wpc, offset: wpc.bioOffset, size: wpc.bioSize, unwritten: wpc.bioUnwritten };
  bio.biPrivate = io;
  bio.biEndIo = iomapWritebackEndIo;
  submitBio(bio);
}

/**
 * Models `iomap_writepage_map()` (fs/iomap/buffered-io.c): adds the blocks of one locked, dirty folio to the
 * writeback bios (zeroing the part past EOF first), starts its writeback and unlocks it.
 */
function iomapWritepageMap(wpc: IomapWritepageCtx, pfn: number, index: number): number {
  const inode = wpc.inode;
  const mapping = wpc.mapping;
  const isize = iSizeRead(inode);
  const pos0 = index * PAGE_SIZE;
  const bdev = bdevOfInode(inode);
  if (pos0 >= isize) {
    // iomap_writepage_handle_eof(): a folio wholly past EOF (a racing truncate) is not written.
    folioUnlock(mapping, pfn);
    return 0;
  }
  const bs = iBlocksize(inode);
  const end = Math.min(pos0 + PAGE_SIZE, Math.ceil(isize / bs) * bs);
  if (isize < pos0 + PAGE_SIZE) zeroPage(bdev, pfn, isize - pos0, pos0 + PAGE_SIZE - isize);
  folioStartWriteback(mapping, pfn);
  let segs = 0;
  let lastBio: Bio | undefined;
  let err = 0;
  let pos = pos0;
  while (pos < end) {
    const m = wpc.iomap;
    if (!(pos >= m.offset && pos < m.offset + m.length)) {
      const r = wpc.ops.mapBlocks(wpc, inode, pos, end - pos);
      if (r < 0) {
        err = r;
        break;
      }
    }
    const n = Math.min(end, m.offset + m.length) - pos;
    if (m.type === IOMAP_MAPPED || m.type === IOMAP_UNWRITTEN) {
      const unwritten = m.type === IOMAP_UNWRITTEN;
      const sector = iomapSector(m, pos);
      let bio = wpc.bio;
      if (
        bio === undefined ||
        sector !== wpc.nextSector ||
        unwritten !== wpc.bioUnwritten ||
        pos !== wpc.bioOffset + wpc.bioSize ||
        bio.biVcnt >= bio.biMaxVecs
      ) {
        iomapSubmitIoend(wpc);
        bio = bioAlloc(m.bdev as BlockDevice, 64, wpc.opf);
        bio.biIter.biSector = sector;
        wpc.bio = bio;
        wpc.bioOffset = pos;
        wpc.bioSize = 0;
        wpc.bioUnwritten = unwritten;
      }
      bioAddPage(bio, pfn, n, pos - pos0);
      wpc.bioSize += n;
      wpc.nextSector = sector + n / 512;
      // One completion per bio the folio is in (its blocks in one bio may merge into one bvec).
      if (bio !== lastBio) {
        segs++;
        lastBio = bio;
      }
    }
    pos += n;
  }
  if (err < 0) mappingSetError(mapping, err);
  if (segs === 0) folioEndWriteback(mapping, pfn);
  else wpc.pending.set(pfn, segs);
  folioUnlock(mapping, pfn);
  return err;
}

/**
 * Models `iomap_writepages()` (fs/iomap/buffered-io.c): writes the dirty folios `wbc` selects, mapping
 * (allocating) their blocks through `ops`, merging contiguous blocks of successive folios into one bio
 * (an `ioend`). Returns once the bios are submitted; folios end writeback as their bios complete.
 * @param mapping - the page cache
 * @param wbc - what to write
 * @param ops - the file system's writeback operations
 * @returns 0 or the first `-errno`
 */
export async function iomapWritepages(
  mapping: AddressSpace,
  wbc: WritebackControl,
  ops: IomapWritebackOps,
): Promise<number> {
  const inode = mapping.host as Inode;
  const wpc: IomapWritepageCtx = {
    iomap: iomapNew(),
    ops,
    bio: undefined,
    bioOffset: 0,
    bioSize: 0,
    bioUnwritten: false,
    nextSector: -1,
    pending: new Map(),
    mapping,
    inode,
    opf: REQ_OP_WRITE | (wbc.syncMode === WB_SYNC_ALL ? REQ_SYNC : 0),
  };
  const r = await writeCachePages(mapping, wbc, (pfn, index) => iomapWritepageMap(wpc, pfn, index));
  iomapSubmitIoend(wpc);
  return r;
}
