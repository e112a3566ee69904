/**
 * Mapping user and kernel memory into passthrough requests (block/blk-map.c): `blk_rq_map_user_iov()`
 * (pin the user pages, or bounce through kernel pages when the layout does not suit the device),
 * `blk_rq_unmap_user()`, `blk_rq_map_kern()`, `blk_rq_append_bio()`.
 * @packageDocumentation
 */
import { EFAULT, EINVAL, ENOMEM, EREMOTEIO } from '@stackemu/core';
import type { BlockLayer } from './block-layer.js';
import { BIO_CLONED, BIO_PAGE_PINNED, Bio, SECTOR_SHIFT, type BioVec } from './blk-types.js';
import type { Request } from './blk-mq-types.js';
import type { RequestQueue } from './blkdev.js';
import {
  BIO_MAX_VECS,
  bioAllocBioset,
  bioForEachSegmentAll,
  bioIovBvecSet,
  bioPut,
  bioReleasePage,
  bioReleasePages,
  bvecTryMergePage,
} from './bio.js';
import { bioSplitRwAt, bvecGapToPrev } from './blk-merge.js';
import { PAGE_SIZE, type MmStruct } from './internal/mm.js';
import {
  copyPageFromIter,
  copyPageToIter,
  iovIterAdvance,
  iovIterAlignment,
  iovIterGapAlignment,
  iovIterNpages,
  iovIterRevert,
} from './iov-iter.js';
import { iovIterExtractPages } from './iov-iter-extract.js';
import { importUbuf } from './iov-iter-import.js';
import { ITER_BVEC, IovIter, iovIterExtractWillPin, type IterDir, type SizeRef } from './uio.js';

/**
 * Models `struct rq_map_data` (include/linux/blk-mq.h): caller-provided pages for the copy path (the sg
 * driver's reserve buffer).
 */
export interface RqMapData {
  /** Pages to use (pfns). */
  readonly pages: readonly number[];
  /** Offset into the first page; advanced by each mapping. */
  offset: number;
  /** Pages are not actually mapped to user space (no copy back). */
  readonly nullMapped: boolean;
  /** Copy from user memory even for reads. */
  readonly fromUser: boolean;
}

/** Models `struct bio_map_data` (block/blk-map.c): what the copy path needs at unmap. */
interface BioMapData {
  readonly isOurPages: boolean;
  readonly isNullMapped: boolean;
  readonly iter: IovIter;
}

const mapData = new WeakMap<Bio, BioMapData>();

/** A copy of an iterator (`struct iov_iter i = *iter`). @internal */
export function iovIterDup(src: IovIter): IovIter {
  const i = new IovIter(src.iterType, src.dataSource ? 1 : 0, src.count, src.mm);
  i.nofault = src.nofault;
  i.iovOffset = src.iovOffset;
  i.nrSegs = src.nrSegs;
  i.segIdx = src.segIdx;
  i.ubuf = src.ubuf;
  i.iov = src.iov;
  i.kvec = src.kvec;
  i.bvec = src.bvec;
  i.folioq = src.folioq;
  i.folioqSlot = src.folioqSlot;
  return i;
}

/**
 * Models `blk_rq_append_bio()` (block/blk-map.c): add a mapped bio to a passthrough request after
 * checking it against the hardware limits.
 * @param rq - the request
 * @param bio - the bio
 * @returns 0, `-EREMOTEIO` if it would need splitting (callers then copy instead), `-EINVAL` if it does not
 * fit (segments, sectors, memory alignment)
 */
export function blkRqAppendBio(rq: Request, bio: Bio): number {
  const lim = rq.q.limits;
  const segs: SizeRef = { value: 0 };
  const r = bioSplitRwAt(bio, lim, segs, lim.maxHwSectors << SECTOR_SHIFT);
  if (r !== 0) return r > 0 ? -EREMOTEIO : r;
  if (rq.bio !== undefined) {
    const tail = rq.biotail as Bio;
    if ((rq.dataLen >>> SECTOR_SHIFT) + (bio.biIter.biSize >>> SECTOR_SHIFT) > lim.maxHwSectors) return -EINVAL;
    if (rq.nrPhysSegments + segs.value > lim.maxSegments) return -EINVAL;
    tail.biNext = bio;
    rq.biotail = bio;
    rq.dataLen += bio.biIter.biSize;
    rq.nrPhysSegments += segs.value;
    return 0;
  }
  rq.nrPhysSegments = segs.value;
  rq.bio = bio;
  rq.biotail = bio;
  rq.dataLen = bio.biIter.biSize;
  return 0;
}

/**
 * Models `bio_add_hw_page()` (block/bio.c): add a page within the hardware limits (max sectors, max
 * segments, segment size and boundary, SG gaps).
 * @param q - the queue
 * @param bio - the bio
 * @param page - page
 * @param len - bytes
 * @param offset - offset in `page`
 * @param maxSectors - the largest request
 * @param samePage - receives whether it merged into the page of the previous bvec
 * @returns `len` if added, else 0
 */
export function bioAddHwPage(
  q: RequestQueue,
  bio: Bio,
  page: number,
  len: number,
  offset: number,
  maxSectors: number,
  samePage: { value: boolean },
): number {
  samePage.value = false;
  if ((bio.biFlags & (1 << BIO_CLONED)) !== 0) return 0;
  if ((bio.biIter.biSize + len) >>> SECTOR_SHIFT > maxSectors) return 0;
  const lim = q.limits;
  if (bio.biVcnt > 0) {
    const bv = bio.biIoVec[bio.biVcnt - 1] as BioVec;
    const addr1 = bv.bvPage * PAGE_SIZE + bv.bvOffset;
    const addr2 = page * PAGE_SIZE + offset + len - 1;
    const mask = lim.segBoundaryMask;
    const sameSeg = mask >= 0xffffffff || Math.floor(addr1 / (mask + 1)) === Math.floor(addr2 / (mask + 1));
    if (sameSeg && len <= lim.maxSegmentSize - bv.bvLen && bvecTryMergePage(bv, page, len, offset)) {
      samePage.value = offset !== 0;
      bio.biIter.biSize += len;
      return len;
    }
    if (bio.biVcnt >= lim.maxSegments) return 0;
    if (bvecGapToPrev(lim, (bv.bvOffset + bv.bvLen) % PAGE_SIZE, offset)) return 0;
  }
  if (bio.biVcnt >= bio.biMaxVecs) return 0;
  const bv = bio.biIoVec[bio.biVcnt] as BioVec;
  bv.bvPage = page;
  bv.bvLen = len;
  bv.bvOffset = offset;
  bio.biVcnt++;
  bio.biIter.biSize += len;
  return len;
}

function mapBioAlloc(rq: Request, nrVecs: number): Bio {
  return bioAllocBioset(rq.q.blk, undefined, nrVecs, rq.cmdFlags);
}

/** `bio_map_user_iov()` (6.5+): extract (pin iff user-backed) and add the pages. */
function bioMapUserIov(rq: Request, iter: IovIter): number {
  const q = rq.q;
  const blk = q.blk;
  const maxSectors = q.limits.maxHwSectors;
  const nrVecs = iovIterNpages(iter, BIO_MAX_VECS);
  if (iter.count === 0) return -EINVAL;
  const bio = mapBioAlloc(rq, nrVecs);
  if (iovIterExtractWillPin(iter)) bio.biFlags |= 1 << BIO_PAGE_PINNED;
  const pages: number[] = [];
  const offsRef: SizeRef = { value: 0 };
  const same = { value: false };
  let ret = 0;
  while (iter.count > 0) {
    let bytes = iovIterExtractPages(blk, iter, pages, 0x7fffffff, nrVecs, 0, offsRef, bio);
    if (bytes <= 0) {
      ret = bytes !== 0 ? bytes : -EFAULT;
      break;
    }
    let offs = offsRef.value;
    const npages = Math.ceil((offs + bytes) / PAGE_SIZE);
    let j = 0;
    if ((offs & q.limits.dmaAlignment) === 0) {
      for (; j < npages; j++) {
        const page = pages[j] as number;
        const n = Math.min(PAGE_SIZE - offs, bytes);
        if (bioAddHwPage(q, bio, page, n, offs, maxSectors, same) === 0) break;
        if (same.value) bioReleasePage(bio, page);
        bytes -= n;
        offs = 0;
      }
    }
    while (j < npages) bioReleasePage(bio, pages[j++] as number);
    if (bytes > 0) {
      iovIterRevert(iter, bytes);
      break;
    }
  }
  if (ret === 0) ret = blkRqAppendBio(rq, bio);
  if (ret !== 0) {
    bioReleasePages(bio, false);
    bioPut(bio);
  }
  return ret;
}

/** `bio_copy_user_iov()`: bounce through kernel pages; no user page is pinned or referenced. */
function bioCopyUserIov(rq: Request, md: RqMapData | undefined, iter: IovIter): number {
  const q = rq.q;
  const blk = q.blk;
  let len = iter.count;
  let offset = md !== undefined ? md.offset % PAGE_SIZE : 0;
  const bmd: BioMapData = {
    isOurPages: md === undefined,
    isNullMapped: md?.nullMapped ?? false,
    iter: iovIterDup(iter),
  };
  const nrPages = Math.min(Math.ceil((offset + len) / PAGE_SIZE), BIO_MAX_VECS);
  const bio = mapBioAlloc(rq, nrPages);
  let mdIdx = md !== undefined ? Math.floor(md.offset / PAGE_SIZE) : 0;
  let ret = 0;
  while (len > 0) {
    const bytes = Math.min(PAGE_SIZE - offset, len);
    let page: number;
    if (md !== undefined) {
      const p = md.pages[mdIdx++];
      if (p === undefined) {
        ret = -ENOMEM;
        break;
      }
      page = p;
    } else {
      page = blk.physMem.allocPages(0, undefined, bio);
      if (page < 0) {
        ret = -ENOMEM;
        break;
      }
    }
    if (bioAddPageHw(bio, page, bytes, offset) < bytes) {
      if (md === undefined) blk.physMem.putPage(page, bio);
      break;
    }
    len -= bytes;
    offset = 0;
  }
  if (ret === 0) {
    if (md !== undefined) md.offset += bio.biIter.biSize;
    if ((iter.dataSource && !(md?.nullMapped ?? false)) || (md?.fromUser ?? false)) {
      // bio_copy_from_iter()
      bioForEachSegmentAll(bio, (page, off, n) => {
        if (ret === 0 && copyPageFromIter(blk, page, off, n, iter) < n) ret = -EFAULT;
      });
    } else {
      if (bmd.isOurPages) {
        const z = new Uint8Array(PAGE_SIZE);
        bioForEachSegmentAll(bio, (page, off, n) => {
          blk.physMem.write(page * PAGE_SIZE + off, z, 0, n);
        });
      }
      iovIterAdvance(iter, bio.biIter.biSize);
    }
  }
  if (ret === 0) {
    mapData.set(bio, bmd);
    ret = blkRqAppendBio(rq, bio);
  }
  if (ret !== 0) {
    if (bmd.isOurPages)
      bioForEachSegmentAll(bio, (page) => {
        blk.physMem.putPage(page, bio);
      });
    mapData.delete(bio);
    bioPut(bio);
  }
  return ret;
}

function bioAddPageHw(bio: Bio, page: number, len: number, off: number): number {
  if (bio.biVcnt >= bio.biMaxVecs) return 0;
  const bv = bio.biIoVec[bio.biVcnt] as BioVec;
  bv.bvPage = page;
  bv.bvLen = len;
  bv.bvOffset = off;
  bio.biVcnt++;
  bio.biIter.biSize += len;
  return len;
}

/** `blk_rq_map_user_bvec()`: reuse a BVEC iterator's bvecs; no references, no pins. */
function blkRqMapUserBvec(rq: Request, iter: IovIter): number {
  const bio = mapBioAlloc(rq, 0);
  bioIovBvecSet(bio, iter);
  const ret = blkRqAppendBio(rq, bio);
  if (ret !== 0) bioPut(bio);
  return ret;
}

/**
 * Models `blk_rq_map_user_iov()` (block/blk-map.c): attach user (or BVEC) memory to a passthrough request.
 *
 * @param q - the queue
 * @param rq - a request from `blkMqAllocRequest` (`REQ_OP_DRV_IN` reads from the device into memory,
 * `REQ_OP_DRV_OUT` writes)
 * @param md - caller pages for the copy path, or undefined
 * @param iter - the memory (not advanced: a copy is consumed)
 * @returns 0, or a negative errno: `-EINVAL` (empty, or does not fit the limits), `-EFAULT` (unmapped),
 * `-ENOMEM`
 * @remarks Copies (bounce pages, **no user page pinned**) when `md` is given, when the buffer violates
 * `dma_alignment`, for kernel-backed non-BVEC iterators, or when the iovec gaps violate
 * `virt_boundary_mask`; BVEC iterators lend their bvecs (falling back to copying when they would need a
 * split); otherwise pins the user pages (`BIO_PAGE_PINNED`). Undo with {@link blkRqUnmapUser} on the
 * request's first bio, saved before execution.
 */
export function blkRqMapUserIov(q: RequestQueue, rq: Request, md: RqMapData | undefined, iter: IovIter): number {
  let copy = false;
  let mapBvec = false;
  const align = q.limits.dmaAlignment;
  if (md !== undefined) copy = true;
  else if ((iovIterAlignment(iter) & align) !== 0) copy = true;
  else if (iter.iterType === ITER_BVEC) mapBvec = true;
  else if (!iter.userBacked) copy = true;
  else if (q.limits.virtBoundaryMask !== 0) copy = (q.limits.virtBoundaryMask & iovIterGapAlignment(iter)) !== 0;

  if (mapBvec) {
    const r = blkRqMapUserBvec(rq, iter);
    if (r === 0) return 0;
    if (r !== -EREMOTEIO) {
      rq.bio = undefined;
      return r;
    }
    copy = true;
  }
  const i = iovIterDup(iter);
  let first: Bio | undefined;
  do {
    let r = copy ? bioCopyUserIov(rq, md, i) : bioMapUserIov(rq, i);
    if (r !== 0) {
      if (r === -EREMOTEIO) r = -EINVAL;
      if (first !== undefined) blkRqUnmapUser(first);
      rq.bio = undefined;
      rq.biotail = undefined;
      rq.dataLen = 0;
      return r;
    }
    first ??= rq.bio;
  } while (i.count > 0);
  return 0;
}

/**
 * Models `blk_rq_map_user()` (block/blk-map.c): {@link blkRqMapUserIov} of one user buffer.
 * @param q - the queue
 * @param rq - the request
 * @param md - caller pages for the copy path, or undefined
 * @param mm - the caller's address space
 * @param ubuf - user address
 * @param len - bytes
 * @returns 0 or a negative errno (`-EFAULT` for a buffer outside user space, else as `blkRqMapUserIov`)
 */
export function blkRqMapUser(
  q: RequestQueue,
  rq: Request,
  md: RqMapData | undefined,
  mm: MmStruct,
  ubuf: number,
  len: number,
): number {
  const dir: IterDir = (rq.cmdFlags & 1) !== 0 ? 1 : 0;
  const i = importUbuf(dir, mm, ubuf, len);
  if (typeof i === 'number') return i;
  return blkRqMapUserIov(q, rq, md, i);
}

/**
 * Models `blk_rq_unmap_user()` (block/blk-map.c): after a passthrough request completed, release what
 * mapping took: pinned user pages are unpinned (dirtied first for reads from the device); bounce pages are
 * copied back to user memory for reads and freed.
 * @param bio - the request's first bio as it was right after mapping
 * @returns 0, or `-EFAULT` if copying back to user memory faulted
 */
export function blkRqUnmapUser(bio: Bio | undefined): number {
  let ret = 0;
  while (bio !== undefined) {
    const next: Bio | undefined = bio.biNext;
    const bmd = mapData.get(bio);
    if (bmd !== undefined) {
      const r = bioUncopyUser(bio, bmd);
      if (r !== 0 && ret === 0) ret = r;
      mapData.delete(bio);
    } else {
      bioReleasePages(bio, (bio.biOpf & 1) === 0);
    }
    bioPut(bio);
    bio = next;
  }
  return ret;
}

function bioUncopyUser(bio: Bio, bmd: BioMapData): number {
  const blk: BlockLayer = bio.blk;
  let ret = 0;
  if (!bmd.isNullMapped) {
    if ((bio.biOpf & 1) === 0) {
      bioForEachSegmentAll(bio, (page, off, n) => {
        if (ret === 0 && copyPageToIter(blk, page, off, n, bmd.iter) < n) ret = -EFAULT;
      });
    }
    if (bmd.isOurPages)
      bioForEachSegmentAll(bio, (page) => {
        blk.physMem.putPage(page, bio);
      });
  }
  return ret;
}

/**
 * Models `blk_rq_map_kern()` (block/blk-map.c), map path: attach a kernel (direct-map) buffer to a request
 * without taking references (the caller owns the memory).
 * @param rq - the request
 * @param kaddr - direct-map (physical) address
 * @param len - bytes
 * @returns 0, `-EINVAL` for an empty or misaligned buffer (the kernel would bounce it: not modelled) or one
 * that does not fit
 */
export function blkRqMapKern(rq: Request, kaddr: number, len: number): number {
  if (len === 0 || ((kaddr | len) & rq.q.limits.dmaAlignment) !== 0) return -EINVAL;
  const first = Math.floor(kaddr / PAGE_SIZE);
  let offset = kaddr % PAGE_SIZE;
  const nr = Math.ceil((offset + len) / PAGE_SIZE);
  if (nr > BIO_MAX_VECS) return -EINVAL;
  const bio = mapBioAlloc(rq, nr);
  let left = len;
  for (let k = 0; k < nr; k++) {
    const n = Math.min(PAGE_SIZE - offset, left);
    bioAddPageHw(bio, first + k, n, offset);
    left -= n;
    offset = 0;
  }
  const r = blkRqAppendBio(rq, bio);
  if (r !== 0) bioPut(bio);
  return r;
}
