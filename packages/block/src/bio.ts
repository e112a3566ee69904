/**
 * Bios (block/bio.c, include/linux/bio.h): allocation, adding pages, taking pages from an iterator,
 * releasing and dirtying them, completion, chaining and splitting.
 * @packageDocumentation
 */
import { EAGAIN, EFAULT, EINVAL, EIO, EOPNOTSUPP, Errno } from '@stackemu/core';
import type { BlockLayer } from './block-layer.js';
import type { PageRefPolicy } from './block-era.js';
import {
  BIO_CHAIN,
  BIO_CLONED,
  BIO_PAGE_PINNED,
  BIO_PAGE_REFFED,
  BIO_REFFED,
  BIO_TRACE_COMPLETION,
  BLK_STS_IOERR,
  Bio,
  REQ_ATOMIC,
  REQ_OP_DISCARD,
  REQ_OP_MASK,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE_ZEROES,
  REQ_OP_ZONE_APPEND,
  REQ_POLLED,
  SECTOR_SHIFT,
  bioFlagged,
  bioSectors,
  bioSetFlag,
  type BioVec,
  type BvecIter,
} from './blk-types.js';
import { blkStatusToErrno } from './blk-status.js';
import type { BlockDevice } from './blkdev.js';
import { dioWAssertUserBacked, dioWUserPagesFn } from './dio-w.js';
import { PAGE_SIZE, type RefOwner } from './internal/mm.js';
import { iovIterAdvance, iovIterNpages, iovIterRevert } from './iov-iter.js';
import { iovIterExtractPages } from './iov-iter-extract.js';
import { iovIterGetPagesWith } from './iov-iter-get-pages.js';
import { blkFillRwbs } from './trace/block.js';
import { ITER_BVEC, iovIterExtractWillPin, type IovIter, type SizeRef } from './uio.js';

/** Models `BIO_MAX_VECS` (include/linux/bio.h): bvecs in the largest bio. */
export const BIO_MAX_VECS = 256;
/** `UINT_MAX`: the largest `bi_size`. */
const UINT_MAX = 0xffffffff;

// ---- allocation and references -------------------------------------------------------------------

/**
 * Models `bio_alloc_bioset()` (block/bio.c): a bio from the machine's pool, with room for `nrVecs` bvecs.
 * @param blk - the machine's block layer
 * @param bdev - target device, or undefined (set it later with {@link bioSetDev})
 * @param nrVecs - bvecs needed, 0 … `BIO_MAX_VECS`
 * @param opf - `REQ_OP_*` | `REQ_*`
 * @returns the bio, with one reference
 * @throws Errno `EINVAL` for more than `BIO_MAX_VECS` vecs (the kernel WARNs and returns NULL)
 */
export function bioAllocBioset(blk: BlockLayer, bdev: BlockDevice | undefined, nrVecs: number, opf: number): Bio {
  if (nrVecs > BIO_MAX_VECS || nrVecs < 0) {
    throw new Errno(EINVAL, `block: bio_alloc: ${nrVecs} vecs (BIO_MAX_VECS is ${BIO_MAX_VECS})`);
  }
  const bio = blk.bioPool.pop() ?? new Bio(blk);
  const inl = bio.inlineVecs;
  while (inl.length < nrVecs) inl.push({ bvPage: 0, bvLen: 0, bvOffset: 0 });
  bio.biIoVec = inl;
  bio.biMaxVecs = nrVecs;
  bio.biBdev = bdev;
  bio.biOpf = opf;
  bio.id = ++blk.bioSerial;
  bio.live = true;
  blk.bioLiveDelta(1);
  return bio;
}

/**
 * Models `bio_alloc()` (include/linux/bio.h): {@link bioAllocBioset} from `fs_bio_set`.
 * @param bdev - target device
 * @param nrVecs - bvecs needed (≤ `BIO_MAX_VECS`)
 * @param opf - `REQ_OP_*` | `REQ_*`
 * @returns the bio
 */
export function bioAlloc(bdev: BlockDevice, nrVecs: number, opf: number): Bio {
  return bioAllocBioset(bdev.bdDisk.blk, bdev, nrVecs, opf);
}

/**
 * Models `bio_set_dev()` (include/linux/bio.h).
 * @param bio - the bio
 * @param bdev - its target
 */
export function bioSetDev(bio: Bio, bdev: BlockDevice): void {
  bio.biBdev = bdev;
}

/**
 * Models `bio_get()` (include/linux/bio.h): one more reference.
 * @param bio - the bio
 */
export function bioGet(bio: Bio): void {
  bio.biFlags |= 1 << BIO_REFFED;
  bio.biCnt++;
}

function bioFree(bio: Bio): void {
  const blk = bio.blk;
  if (!bio.live) throw new Errno(EINVAL, `block: bio_put: ${bio.refOwnerName()} freed twice`);
  if (blk.sanitizer !== undefined) blk.sanitizer.ownerEnded(bio);
  bio.live = false;
  blk.bioLiveDelta(-1);
  bio.biNext = undefined;
  bio.biBdev = undefined;
  bio.biOpf = 0;
  bio.biFlags = 0;
  bio.biIoprio = 0;
  bio.biWriteHint = 0;
  bio.biStatus = 0;
  bio.biRemaining = 1;
  const it = bio.biIter;
  it.biSector = 0;
  it.biSize = 0;
  it.biIdx = 0;
  it.biBvecDone = 0;
  bio.biEndIo = undefined;
  bio.biPrivate = undefined;
  bio.biVcnt = 0;
  bio.biMaxVecs = 0;
  bio.biCnt = 1;
  bio.biIoVec = bio.inlineVecs;
  blk.bioPool.push(bio);
}

/**
 * Models `bio_put()` (block/bio.c): drop a reference; the last one frees the bio (back to the pool).
 * @param bio - the bio
 * @remarks With the sanitizer on, freeing reports any pin or reference still attributed to the bio
 * (`pin_leak`).
 * @throws Errno `EINVAL` when the bio was already freed (the kernel's use-after-free)
 */
export function bioPut(bio: Bio): void {
  if ((bio.biFlags & (1 << BIO_REFFED)) !== 0) {
    if (bio.biCnt <= 0) throw new Errno(EINVAL, `block: bio_put: ${bio.refOwnerName()} has no references`);
    if (--bio.biCnt !== 0) return;
  }
  bioFree(bio);
}

// ---- adding pages -----------------------------------------------------------------------------

/**
 * Models `bio_full()` (include/linux/bio.h).
 * @param bio - the bio
 * @param len - bytes about to be added
 * @returns true if no bvec is free or `bi_size` would overflow
 */
export function bioFull(bio: Bio, len: number): boolean {
  return bio.biVcnt >= bio.biMaxVecs || bio.biIter.biSize > UINT_MAX - len;
}

/**
 * Models `bvec_try_merge_page()` (block/bio.c): extend `bv` by `(page, off, len)` if the new data
 * starts at the physical address right after `bv`.
 * @param bv - the last bvec
 * @param page - page of the new data
 * @param len - its length
 * @param off - its offset in `page`
 * @returns true if merged
 */
export function bvecTryMergePage(bv: BioVec, page: number, len: number, off: number): boolean {
  const bvEnd = bv.bvOffset + bv.bvLen;
  if (bv.bvPage * PAGE_SIZE + bvEnd !== page * PAGE_SIZE + off) return false;
  bv.bvLen += len;
  return true;
}

/**
 * Models `__bio_add_page()` (block/bio.c): append a bvec; the caller guarantees room.
 * @param bio - the bio (not cloned, not full)
 * @param page - first page (pfn)
 * @param len - bytes
 * @param off - offset in `page`
 */
export function __bioAddPage(bio: Bio, page: number, len: number, off: number): void {
  const bv = bio.biIoVec[bio.biVcnt] as BioVec;
  bv.bvPage = page;
  bv.bvLen = len;
  bv.bvOffset = off;
  bio.biVcnt++;
  bio.biIter.biSize += len;
}

/**
 * Models `bio_add_page()` (block/bio.c): merge into the last bvec if physically contiguous, else append.
 * @param bio - the bio
 * @param page - first page (pfn)
 * @param len - bytes
 * @param off - offset in `page`
 * @returns `len` if added, 0 if the bio is cloned, full or would overflow
 */
export function bioAddPage(bio: Bio, page: number, len: number, off: number): number {
  if ((bio.biFlags & (1 << BIO_CLONED)) !== 0) return 0;
  if (bio.biIter.biSize > UINT_MAX - len) return 0;
  if (bio.biVcnt > 0 && bvecTryMergePage(bio.biIoVec[bio.biVcnt - 1] as BioVec, page, len, off)) {
    bio.biIter.biSize += len;
    return len;
  }
  if (bio.biVcnt >= bio.biMaxVecs) return 0;
  __bioAddPage(bio, page, len, off);
  return len;
}

/**
 * Models `bio_add_folio()` (block/bio.c).
 * @param bio - the bio
 * @param folio - head pfn of the folio
 * @param len - bytes
 * @param off - offset from the head page
 * @returns true if added
 */
export function bioAddFolio(bio: Bio, folio: number, len: number, off: number): boolean {
  if (len > UINT_MAX || off > UINT_MAX) return false;
  return bioAddPage(bio, folio, len, off) > 0;
}

// ---- iterating ------------------------------------------------------------------------------------

/** Callback of the segment walkers: one contiguous piece starting in `page`. */
export type SegmentFn = (page: number, offset: number, len: number) => void;

/**
 * Models `bio_for_each_segment_all()` (include/linux/bio.h): every single-page piece of the whole bvec
 * table (`bi_io_vec[0 .. bi_vcnt)`), ignoring `bi_iter`.
 * @param bio - the bio
 * @param fn - called per piece
 */
export function bioForEachSegmentAll(bio: Bio, fn: SegmentFn): void {
  const vecs = bio.biIoVec;
  for (let k = 0; k < bio.biVcnt; k++) {
    const bv = vecs[k] as BioVec;
    let off = bv.bvOffset;
    let left = bv.bvLen;
    while (left > 0) {
      const page = bv.bvPage + Math.floor(off / PAGE_SIZE);
      const po = off % PAGE_SIZE;
      const len = Math.min(left, PAGE_SIZE - po);
      fn(page, po, len);
      off += len;
      left -= len;
    }
  }
}

/**
 * Models `bio_for_each_bvec()` (include/linux/bio.h): the multi-page bvecs under `bi_iter`.
 * @param bio - the bio
 * @param fn - called per bvec (page = page holding the first byte, offset within it)
 */
export function bioForEachBvec(bio: Bio, fn: SegmentFn): void {
  forEachBvecIn(bio.biIoVec, bio.biIter, fn);
}

/**
 * Models `bio_for_each_segment()` (include/linux/bio.h): the single-page pieces under `bi_iter`.
 * @param bio - the bio
 * @param fn - called per piece
 */
export function bioForEachSegment(bio: Bio, fn: SegmentFn): void {
  forEachBvecIn(bio.biIoVec, bio.biIter, (page, off, len) => {
    while (len > 0) {
      const n = Math.min(len, PAGE_SIZE - off);
      fn(page, off, n);
      len -= n;
      page++;
      off = 0;
    }
  });
}

/** Walks multi-page bvecs from a `bvec_iter` position without moving it. @internal */
export function forEachBvecIn(vecs: readonly BioVec[], it: BvecIter, fn: SegmentFn): void {
  let idx = it.biIdx;
  let done = it.biBvecDone;
  let size = it.biSize;
  while (size > 0) {
    const bv = vecs[idx] as BioVec;
    const start = bv.bvOffset + done;
    const len = Math.min(size, bv.bvLen - done);
    fn(bv.bvPage + Math.floor(start / PAGE_SIZE), start % PAGE_SIZE, len);
    size -= len;
    idx++;
    done = 0;
  }
}

/**
 * Models `bvec_iter_advance()` (include/linux/bvec.h).
 * @param vecs - the bvec table
 * @param it - the position to move
 * @param bytes - bytes to skip (clamped to `bi_size`; the kernel WARNs)
 * @returns false if `bytes` exceeded the size
 */
export function bvecIterAdvance(vecs: readonly BioVec[], it: BvecIter, bytes: number): boolean {
  if (bytes > it.biSize) {
    it.biSize = 0;
    return false;
  }
  it.biSize -= bytes;
  bytes += it.biBvecDone;
  let idx = it.biIdx;
  while (bytes > 0 && bytes >= (vecs[idx] as BioVec).bvLen) {
    bytes -= (vecs[idx] as BioVec).bvLen;
    idx++;
  }
  it.biIdx = idx;
  it.biBvecDone = bytes;
  return true;
}

function bioNoAdvanceIter(bio: Bio): boolean {
  const op = bio.biOpf & REQ_OP_MASK;
  return op === REQ_OP_DISCARD || op === REQ_OP_SECURE_ERASE || op === REQ_OP_WRITE_ZEROES;
}

/**
 * Models `bio_advance()` (include/linux/bio.h): consume `bytes` from the front of the bio.
 * @param bio - the bio
 * @param bytes - bytes done
 */
export function bioAdvance(bio: Bio, bytes: number): void {
  if (bytes === 0) return;
  bio.biIter.biSector += bytes >>> SECTOR_SHIFT;
  if (bioNoAdvanceIter(bio)) bio.biIter.biSize -= bytes;
  else bvecIterAdvance(bio.biIoVec, bio.biIter, bytes);
}

// ---- releasing and dirtying ---------------------------------------------------------------------

/**
 * Models `bio_release_page()` (block/blk.h): drop the bio's hold on one page: unpin if
 * `BIO_PAGE_PINNED`, `put_page()` if `BIO_PAGE_REFFED`, nothing otherwise.
 * @param bio - the bio
 * @param page - the page
 */
export function bioReleasePage(bio: Bio, page: number): void {
  if ((bio.biFlags & (1 << BIO_PAGE_PINNED)) !== 0) bio.blk.gup.unpinUserPage(page, bio);
  else if ((bio.biFlags & (1 << BIO_PAGE_REFFED)) !== 0) bio.blk.physMem.putPage(page, bio);
}

/**
 * Models `bio_release_pages()` (include/linux/bio.h) and `__bio_release_pages()` (block/bio.c): for a bio
 * that owns its pages, optionally dirty each page and release it (one unpin, or one `put_page()` for a
 * reference-owning bio, per single-page segment).
 * @param bio - the bio
 * @param markDirty - dirty each page first (`folio_mark_dirty()` under the folio lock)
 * @remarks A bio without `BIO_PAGE_PINNED` (kernel pages, BVEC iterators) releases and dirties nothing.
 */
export function bioReleasePages(bio: Bio, markDirty: boolean): void {
  const f = bio.biFlags;
  const pinned = (f & (1 << BIO_PAGE_PINNED)) !== 0;
  if (!pinned && (f & (1 << BIO_PAGE_REFFED)) === 0) return;
  const blk = bio.blk;
  const vecs = bio.biIoVec;
  for (let k = 0; k < bio.biVcnt; k++) {
    const bv = vecs[k] as BioVec;
    const first = bv.bvPage + Math.floor(bv.bvOffset / PAGE_SIZE);
    const last = bv.bvPage + Math.floor((bv.bvOffset + bv.bvLen - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      if (markDirty) blk.physMem.setPageDirtyLock(p);
      if (pinned) blk.gup.unpinUserPage(p, bio);
      else blk.physMem.putPage(p, bio);
    }
  }
}

/**
 * Models `bio_set_pages_dirty()` (block/bio.c): dirty every page of a read before submission, because
 * completion context cannot.
 * @param bio - the bio
 */
export function bioSetPagesDirty(bio: Bio): void {
  const pm = bio.blk.physMem;
  // Every page each bvec spans, in order (a loop, not bio_for_each_segment_all()'s callback: this runs per
  // direct read).
  const vecs = bio.biIoVec;
  for (let k = 0; k < bio.biVcnt; k++) {
    const bv = vecs[k] as BioVec;
    if (bv.bvLen === 0) continue;
    const last = bv.bvPage + Math.floor((bv.bvOffset + bv.bvLen - 1) / PAGE_SIZE);
    for (let page = bv.bvPage + Math.floor(bv.bvOffset / PAGE_SIZE); page <= last; page++) {
      pm.setPageDirtyLock(page);
    }
  }
}

function bioDirtyFn(blk: BlockLayer): void {
  blk.bioDirtyScheduled = false;
  const list = blk.bioDirtyList.splice(0);
  for (const bio of list) {
    bioReleasePages(bio, true);
    bioPut(bio);
  }
}

function allPagesDirty(bio: Bio, pm: BlockLayer['physMem']): boolean {
  const vecs = bio.biIoVec;
  for (let k = 0; k < bio.biVcnt; k++) {
    const bv = vecs[k] as BioVec;
    const first = bv.bvPage + Math.floor(bv.bvOffset / PAGE_SIZE);
    const last = bv.bvPage + Math.floor((bv.bvOffset + bv.bvLen - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) if (!pm.pageDirty(p)) return false;
  }
  return true;
}

/**
 * Models `bio_check_pages_dirty()` (block/bio.c): at completion of a direct-I/O read, release the pages
 * if all are still dirty; if any was cleaned meanwhile (writeback of a shared mapping), defer: queue the
 * bio on `bio_dirty_list` and let `bio_dirty_work` re-dirty and release them later in process context.
 * Either way the bio is consumed (put).
 * @param bio - a completed bio that owns its pages
 */
export function bioCheckPagesDirty(bio: Bio): void {
  const blk = bio.blk;
  const pm = blk.physMem;
  if (allPagesDirty(bio, pm)) {
    bioReleasePages(bio, false);
    bioPut(bio);
    return;
  }
  blk.bioDirtyList.push(bio);
  if (!blk.bioDirtyScheduled) {
    blk.bioDirtyScheduled = true;
    blk.scheduler.schedule(0, bioDirtyFn, blk);
  }
}

// ---- taking pages from an iterator ---------------------------------------------------------------

/**
 * Models `bio_iov_bvec_set()` (block/bio.c): let the bio use a BVEC iterator's bvec array directly
 * (`BIO_CLONED`); no references and no pins are taken.
 * @param bio - a bio allocated with 0 vecs
 * @param iter - a BVEC iterator
 */
export function bioIovBvecSet(bio: Bio, iter: IovIter): void {
  bio.biIoVec = iter.bvec as BioVec[];
  bio.biIter.biIdx = iter.segIdx;
  bio.biIter.biBvecDone = iter.iovOffset;
  bio.biIter.biSize = iter.count;
  bio.biFlags |= 1 << BIO_CLONED;
}

/**
 * Models `bio_iov_vecs_to_alloc()` (include/linux/bio.h): bvecs to allocate for the iterator.
 * @param iter - the iterator
 * @param maxSegs - cap
 * @returns 0 for a BVEC iterator (its bvecs are reused), else `iov_iter_npages(iter, maxSegs)`
 */
export function bioIovVecsToAlloc(iter: IovIter, maxSegs: number): number {
  if (iter.iterType === ITER_BVEC) return 0;
  return iovIterNpages(iter, maxSegs);
}

/**
 * Releases the pages of `bv` from page index `fromPage` (relative to the bvec's first page) onwards.
 */
function releaseBvecPagesFrom(bio: Bio, bv: BioVec, fromByte: number): void {
  const firstAbs = Math.floor((bv.bvOffset + fromByte) / PAGE_SIZE);
  const lastAbs = Math.floor((bv.bvOffset + bv.bvLen - 1) / PAGE_SIZE);
  for (let p = firstAbs; p <= lastAbs; p++) bioReleasePage(bio, bv.bvPage + p);
}

/**
 * Models `bio_iov_iter_align_down()` (block/bio.c): trim the bio to a multiple of `lenAlignMask + 1`,
 * giving the bytes back to the iterator and releasing pages no longer covered.
 * @returns 0, or `-EFAULT` if nothing is left
 * @remarks The kernel unpins only `bv_page` of a dropped multi-page bvec; here every page a trimmed part
 * covered alone is released, keeping one hold per page covered (invariant I4).
 */
function bioIovIterAlignDown(bio: Bio, iter: IovIter, lenAlignMask: number): number {
  let nbytes = bio.biIter.biSize & lenAlignMask;
  if (nbytes === 0) return 0;
  iovIterRevert(iter, nbytes);
  bio.biIter.biSize -= nbytes;
  do {
    const bv = bio.biIoVec[bio.biVcnt - 1] as BioVec;
    if (nbytes < bv.bvLen) {
      const keep = bv.bvLen - nbytes;
      const lastKept = Math.floor((bv.bvOffset + keep - 1) / PAGE_SIZE);
      const lastOld = Math.floor((bv.bvOffset + bv.bvLen - 1) / PAGE_SIZE);
      for (let p = lastKept + 1; p <= lastOld; p++) bioReleasePage(bio, bv.bvPage + p);
      bv.bvLen = keep;
      break;
    }
    releaseBvecPagesFrom(bio, bv, 0);
    bio.biVcnt--;
    nbytes -= bv.bvLen;
  } while (nbytes > 0);
  return bio.biVcnt === 0 ? -EFAULT : 0;
}

const offsetRef: SizeRef = { value: 0 };

/**
 * One round of `__bio_iov_iter_get_pages()` (block/bio.c): take the pages of (at most) one iterator
 * segment, add them to the bio, drop the duplicate hold of a `same_page` merge, and release pages not
 * added.
 */
function bioIovIterGetPagesOnce(bio: Bio, iter: IovIter, extract: boolean, policy: PageRefPolicy): number {
  const blk = bio.blk;
  const pages = blk.pageScratch;
  const nrPagesMax = bio.biMaxVecs - bio.biVcnt;
  const maxsize = UINT_MAX - bio.biIter.biSize;
  const owner: RefOwner = bio;
  offsetRef.value = 0;
  const size = extract
    ? iovIterExtractPages(blk, iter, pages, maxsize, nrPagesMax, 0, offsetRef, owner)
    : iovIterGetPagesWith(
        blk,
        dioWUserPagesFn(blk.dioWFor(blk.era.getPagesUsesDioW ? policy : 'gup')),
        iter,
        pages,
        maxsize,
        nrPagesMax,
        offsetRef,
        owner,
      );
  if (size <= 0) return size !== 0 ? size : -EFAULT;
  let offset = offsetRef.value;
  const nrPages = Math.ceil((offset + size) / PAGE_SIZE);
  let left = size;
  let i = 0;
  let ret = 0;
  const pinned = (bio.biFlags & (1 << BIO_PAGE_PINNED)) !== 0;
  const reffed = (bio.biFlags & (1 << BIO_PAGE_REFFED)) !== 0;
  for (; left > 0; i++) {
    const page = pages[i] as number;
    const len = Math.min(PAGE_SIZE - offset, left);
    const oldVcnt = bio.biVcnt;
    if (bioAddPage(bio, page, len, offset) === 0) {
      ret = -EINVAL;
      break;
    }
    // A same_page merge: the page already has this bio's hold from an earlier fragment.
    if ((pinned || reffed) && offset !== 0 && bio.biVcnt === oldVcnt) bioReleasePage(bio, page);
    offset = 0;
    left -= len;
  }
  if (ret === 0) iovIterRevert(iter, left);
  while (i < nrPages) bioReleasePage(bio, pages[i++] as number);
  return ret;
}

/**
 * Models `bio_iov_iter_get_pages()` (block/bio.c, 6.18): add the pages of an iterator to a bio.
 *
 * @param bio - a bio with free bvecs (from `bioAlloc(bdev, bioIovVecsToAlloc(iter, …), opf)`)
 * @param iter - the data; advanced by what was added
 * @param lenAlignMask - the total is trimmed to a multiple of `lenAlignMask + 1` (0 = any length)
 * @param policy - this call site's page-reference policy; default the machine's (`BlockLayer.dioW`)
 * @returns 0 if at least one page was added, else a negative errno: `-EFAULT` (unmapped user memory, or
 * nothing left after alignment; also KVEC/DISCARD in the GUP-era structure), `-EIO` for a cloned bio,
 * `-EOPNOTSUPP` for zone append, or GUP's errors
 *
 * @remarks A BVEC iterator lends its bvec array (`bio_iov_bvec_set`): no reference, no pin. Otherwise, in
 * the upstream era with policy `'pin'`, pages come from `iov_iter_extract_pages()` and the bio is
 * `BIO_PAGE_PINNED` iff the iterator is user-backed (pins only user memory). With policy `'gup'` (or in the
 * GUP/RFC eras) pages come from `iov_iter_get_pages2()` (user pages via `dio_w_pin_user_pages_fast()` in
 * the RFC era) and the bio is `BIO_PAGE_REFFED` (`put_page()` at release), or `BIO_PAGE_PINNED` when the
 * RFC's CONFIG pins. The bio then holds exactly one pin or reference per single-page segment.
 */
export function bioIovIterGetPages(
  bio: Bio,
  iter: IovIter,
  lenAlignMask = 0,
  policy: PageRefPolicy = bio.blk.dioW.policy,
): number {
  if ((bio.biFlags & (1 << BIO_CLONED)) !== 0) return -EIO;
  if ((bio.biOpf & REQ_OP_MASK) === REQ_OP_ZONE_APPEND) return -EOPNOTSUPP;
  if (iter.iterType === ITER_BVEC) {
    bioIovBvecSet(bio, iter);
    iovIterAdvance(iter, bio.biIter.biSize);
    return 0;
  }
  const blk = bio.blk;
  const era = blk.era;
  if (era.warnNonUserBackedDio) dioWAssertUserBacked(blk, iter, '__bio_iov_iter_get_pages');
  const extract = policy === 'pin' && era.pinViaExtract;
  if (extract) {
    if (iovIterExtractWillPin(iter)) bio.biFlags |= 1 << BIO_PAGE_PINNED;
  } else if (policy === 'pin' && era.getPagesUsesDioW) {
    bio.biFlags |= 1 << BIO_PAGE_PINNED;
  } else {
    bio.biFlags |= 1 << BIO_PAGE_REFFED;
  }
  let ret: number;
  do {
    ret = bioIovIterGetPagesOnce(bio, iter, extract, policy);
  } while (ret === 0 && iter.count > 0 && !bioFull(bio, 0));
  if (bio.biVcnt > 0) return bioIovIterAlignDown(bio, iter, lenAlignMask);
  return ret;
}

/**
 * `bio_iov_iter_get_pages()` as a caller that may sleep sees it, including GUP's sleep on a major fault: the
 * model's GUP cannot wait for the page-cache read a fault of a file-backed buffer starts, so it stops there
 * (`-EAGAIN`, or a partly filled bio) and hands out the read (`Gup.takeFaultIo`). This waits for the read and goes
 * on filling the same bio, as the kernel's GUP retries inside `faultin_page()`; without a pending fault it is
 * {@link bioIovIterGetPages}, synchronously.
 * @returns as {@link bioIovIterGetPages}; `-EFAULT` if the read failed before any page was added
 */
export function bioIovIterGetPagesSleep(
  bio: Bio,
  iter: IovIter,
  lenAlignMask = 0,
  policy: PageRefPolicy = bio.blk.dioW.policy,
): number | Promise<number> {
  const ret = bioIovIterGetPages(bio, iter, lenAlignMask, policy);
  if (ret !== 0 && ret !== -EAGAIN) return ret;
  const io = bio.blk.gup.takeFaultIo?.();
  if (io === undefined) return ret;
  return bioGetPagesAfterFault(bio, iter, lenAlignMask, policy, io);
}

async function bioGetPagesAfterFault(
  bio: Bio,
  iter: IovIter,
  lenAlignMask: number,
  policy: PageRefPolicy,
  first: Promise<number>,
): Promise<number> {
  let io: Promise<number> | undefined = first;
  let ret = -EAGAIN;
  while (io !== undefined) {
    if ((await io) < 0) return bio.biVcnt > 0 ? 0 : -EFAULT;
    if (iter.count === 0 || bioFull(bio, 0)) return 0;
    ret = bioIovIterGetPages(bio, iter, lenAlignMask, policy);
    if (ret !== 0 && ret !== -EAGAIN) return ret;
    io = bio.blk.gup.takeFaultIo?.();
  }
  return bio.biVcnt > 0 ? 0 : ret;
}

// ---- completion, chaining, splitting -------------------------------------------------------------

/**
 * Models `bio_inc_remaining()` (include/linux/bio.h): one more completion before `bi_end_io` runs.
 * @param bio - the bio
 */
export function bioIncRemaining(bio: Bio): void {
  bio.biFlags |= 1 << BIO_CHAIN;
  bio.biRemaining++;
}

/**
 * Models `bio_chain()` (block/bio.c): `bio`'s completion counts towards `parent`'s.
 * @param bio - the child (must have no `bi_end_io`/`bi_private` yet)
 * @param parent - the parent
 * @throws KernelBugError-like Errno `EINVAL` if the child already has an end_io or private pointer
 */
export function bioChain(bio: Bio, parent: Bio): void {
  if (bio.biEndIo !== undefined || bio.biPrivate !== undefined) {
    throw new Errno(EINVAL, 'block: bio_chain: child already has bi_end_io or bi_private (BUG_ON)');
  }
  bio.biPrivate = parent;
  bio.biEndIo = bioChainEndio;
  bioIncRemaining(parent);
}

/** Models `bio_chain_endio()` (block/bio.c); `bio_endio()` unrolls it. */
function bioChainEndio(bio: Bio): void {
  bioEndio(bio);
}

function bioRemainingDone(bio: Bio): boolean {
  if ((bio.biFlags & (1 << BIO_CHAIN)) === 0) return true;
  if (bio.biRemaining <= 0) throw new Errno(EINVAL, `block: bio_endio: ${bio.refOwnerName()} completed too often`);
  if (--bio.biRemaining === 0) {
    bio.biFlags &= ~(1 << BIO_CHAIN);
    return true;
  }
  return false;
}

/**
 * Models `bio_endio()` (block/bio.c): end I/O on a bio; runs `bi_end_io` once every chained child has
 * completed too.
 * @param bio - the bio (status in `biStatus`)
 */
export function bioEndio(bio: Bio): void {
  for (;;) {
    if (!bioRemainingDone(bio)) return;
    if ((bio.biFlags & (1 << BIO_TRACE_COMPLETION)) !== 0) {
      bio.biFlags &= ~(1 << BIO_TRACE_COMPLETION);
      const tp = bio.blk.trace.bioComplete;
      if (tp.observed && bio.biBdev !== undefined) {
        tp.emit({
          dev: bio.biBdev.bdDisk.diskName,
          sector: bio.biIter.biSector,
          nrSector: bioSectors(bio),
          rwbs: blkFillRwbs(bio.biOpf),
          error: blkStatusToErrno(bio.biStatus),
        });
      }
    }
    if (bio.biEndIo === bioChainEndio) {
      const parent = bio.biPrivate as Bio;
      if (bio.biStatus !== 0 && parent.biStatus === 0) parent.biStatus = bio.biStatus;
      bioPut(bio);
      bio = parent;
      continue;
    }
    const fn = bio.biEndIo;
    if (fn !== undefined) fn(bio);
    return;
  }
}

/**
 * Models `bio_io_error()` (include/linux/bio.h): complete with `BLK_STS_IOERR`.
 * @param bio - the bio
 */
export function bioIoError(bio: Bio): void {
  bio.biStatus = BLK_STS_IOERR;
  bioEndio(bio);
}

/**
 * Models `bio_alloc_clone()` (block/bio.c): a bio sharing `src`'s bvec table (`BIO_CLONED`), same
 * position and operation; it owns no pages.
 * @param bdev - target of the clone
 * @param src - the original
 * @returns the clone
 */
export function bioAllocClone(bdev: BlockDevice | undefined, src: Bio): Bio {
  const bio = bioAllocBioset(src.blk, bdev, 0, src.biOpf);
  bio.biFlags |= 1 << BIO_CLONED;
  bio.biIoprio = src.biIoprio;
  bio.biWriteHint = src.biWriteHint;
  bio.biIoVec = src.biIoVec;
  const a = bio.biIter;
  const b = src.biIter;
  a.biSector = b.biSector;
  a.biSize = b.biSize;
  a.biIdx = b.biIdx;
  a.biBvecDone = b.biBvecDone;
  return bio;
}

/**
 * Models `bio_split()` (block/bio.c): split off the first `sectors` of a bio into a clone; the original
 * is advanced past them.
 * @param bio - the bio
 * @param sectors - sectors for the front part, 0 < sectors < bio_sectors(bio)
 * @returns the front clone, or `-EINVAL` (bad size, zone append, atomic write)
 */
export function bioSplit(bio: Bio, sectors: number): Bio | number {
  if (sectors <= 0 || sectors >= bioSectors(bio)) return -EINVAL;
  if ((bio.biOpf & REQ_OP_MASK) === REQ_OP_ZONE_APPEND) return -EINVAL;
  if ((bio.biOpf & REQ_ATOMIC) !== 0) return -EINVAL;
  const split = bioAllocClone(bio.biBdev, bio);
  split.biIter.biSize = sectors << SECTOR_SHIFT;
  bioAdvance(bio, split.biIter.biSize);
  if (bioFlagged(bio, BIO_TRACE_COMPLETION)) bioSetFlag(split, BIO_TRACE_COMPLETION);
  return split;
}

/**
 * Models `bio_clear_polled()` (include/linux/bio.h).
 * @param bio - the bio
 */
export function bioClearPolled(bio: Bio): void {
  bio.biOpf &= ~REQ_POLLED;
}
