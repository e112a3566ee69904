/**
 * Splitting bios to queue limits, counting segments, merging bios into requests and mapping requests to
 * scatter/gather lists (block/blk-merge.c).
 * @packageDocumentation
 */
import { EAGAIN, EINVAL } from '@stackemu/core';
import type { BlockLayer } from './block-layer.js';
import {
  Bio,
  REQ_ATOMIC,
  REQ_NOMERGE,
  REQ_NOMERGE_FLAGS,
  REQ_NOWAIT,
  REQ_OP_DISCARD,
  REQ_OP_MASK,
  REQ_OP_READ,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  SECTOR_SHIFT,
  bioEndSector,
  bioSectors,
  type BioVec,
} from './blk-types.js';
import { errnoToBlkStatus } from './blk-status.js';
import type { QueueLimits, RequestQueue } from './blkdev.js';
import type { Request } from './blk-mq-types.js';
import { bioChain, bioClearPolled, bioEndio, bioSplit } from './bio.js';
import { PAGE_SIZE } from './internal/mm.js';
import { blkFillRwbs } from './trace/block.js';
import type { SizeRef } from './uio.js';

/** `UINT_MAX`. */
const UINT_MAX = 0xffffffff;

/**
 * Models `get_max_segment_size()` (block/blk-merge.c): bytes a segment starting at `paddr` may have.
 * @param lim - queue limits
 * @param paddr - physical address of the segment start
 * @param len - bytes available
 * @returns `min(len, max_segment_size, bytes to the next segment boundary)`
 */
export function getMaxSegmentSize(lim: QueueLimits, paddr: number, len: number): number {
  const mask = lim.segBoundaryMask;
  const toBoundary = mask >= 0xffffffff ? Infinity : mask - (paddr % (mask + 1)) + 1;
  return Math.min(len, lim.maxSegmentSize, toBoundary);
}

/**
 * Models `bvec_gap_to_prev()` (block/blk.h): would a segment starting at `offset` leave an SG gap after
 * `prevEnd` (the previous segment's `bv_offset + bv_len`) under `virt_boundary_mask`?
 * @param lim - queue limits
 * @param prevEnd - previous bvec's end offset
 * @param offset - next bvec's offset
 * @returns true if there is a gap
 */
export function bvecGapToPrev(lim: QueueLimits, prevEnd: number, offset: number): boolean {
  const m = lim.virtBoundaryMask;
  if (m === 0) return false;
  return (prevEnd & m) !== 0 || (offset & m) !== 0;
}

function getMaxIoSize(bio: Bio, lim: QueueLimits): number {
  const pbs = lim.physicalBlockSize >>> SECTOR_SHIFT;
  const lbs = lim.logicalBlockSize >>> SECTOR_SHIFT;
  let maxSectors = lim.maxSectors;
  if (lim.chunkSectors !== 0) {
    const left = lim.chunkSectors - (bio.biIter.biSector % lim.chunkSectors);
    maxSectors = Math.min(maxSectors, left);
  }
  const start = bio.biIter.biSector & (pbs - 1);
  const end = (start + maxSectors) & ~(pbs - 1);
  if (end > start) return end - start;
  return maxSectors & ~(lbs - 1);
}

/** `bvec_split_segs()`: count segments of one bvec; true if the bio must be split inside it. */
function bvecSplitSegs(
  lim: QueueLimits,
  paddr: number,
  bvOffset: number,
  bvLen: number,
  acc: { nsegs: number; bytes: number },
  maxSegs: number,
  maxBytes: number,
): boolean {
  const maxLen = maxBytes - acc.bytes;
  let len = Math.min(bvLen, maxLen);
  let total = 0;
  while (len > 0 && acc.nsegs < maxSegs) {
    const segSize = getMaxSegmentSize(lim, paddr + total, len);
    acc.nsegs++;
    total += segSize;
    len -= segSize;
    if (((bvOffset + total) & lim.virtBoundaryMask) !== 0) break;
  }
  acc.bytes += total;
  return len > 0 || bvLen > maxLen;
}

const acc = { nsegs: 0, bytes: 0 };

/**
 * Models `bio_split_io_at()` / `bio_split_rw_at()` (block/blk-merge.c, 6.18): where a read or write bio
 * must be split to fit the limits, checking each bvec's memory alignment on the way.
 * @param bio - the bio
 * @param lim - queue limits
 * @param segs - receives the segment count of the (front part of the) bio
 * @param maxBytes - the largest I/O in bytes
 * @returns 0 if it fits, the sectors of the front part to split off, or `-EINVAL` (a bvec misaligned for
 * `dma_alignment`, or no valid split), `-EAGAIN` (a `REQ_NOWAIT` bio that needs splitting)
 */
export function bioSplitRwAt(bio: Bio, lim: QueueLimits, segs: SizeRef, maxBytes: number): number {
  const mask = lim.dmaAlignment;
  acc.nsegs = 0;
  acc.bytes = 0;
  let prevEnd = -1;
  let split = false;
  let idx = bio.biIter.biIdx;
  let done = bio.biIter.biBvecDone;
  let size = bio.biIter.biSize;
  while (size > 0) {
    const v = bio.biIoVec[idx] as BioVec;
    const off = v.bvOffset + done;
    const len = Math.min(size, v.bvLen - done);
    const pageOff = off % PAGE_SIZE;
    const paddr = (v.bvPage + Math.floor(off / PAGE_SIZE)) * PAGE_SIZE + pageOff;
    if ((pageOff & mask) !== 0 || (len & mask) !== 0) return -EINVAL;
    if (prevEnd >= 0 && bvecGapToPrev(lim, prevEnd, pageOff)) {
      split = true;
      break;
    }
    if (acc.nsegs < lim.maxSegments && acc.bytes + len <= maxBytes && pageOff + len <= lim.maxFastSegmentSize) {
      acc.nsegs++;
      acc.bytes += len;
    } else if (bvecSplitSegs(lim, paddr, pageOff, len, acc, lim.maxSegments, maxBytes)) {
      split = true;
      break;
    }
    prevEnd = pageOff + len;
    size -= len;
    idx++;
    done = 0;
  }
  segs.value = acc.nsegs;
  if (!split) return 0;
  if ((bio.biOpf & REQ_ATOMIC) !== 0) return -EINVAL;
  if ((bio.biOpf & REQ_NOWAIT) !== 0) return -EAGAIN;
  const align = lim.logicalBlockSize;
  const bytes = acc.bytes - (acc.bytes % align);
  if (bytes === 0) return -EINVAL;
  bioClearPolled(bio);
  return bytes >>> SECTOR_SHIFT;
}

/**
 * Models `bio_may_need_split()` (block/blk.h, 6.18): the fast-path test; a single bvec that fits in
 * `max_fast_segment_size` skips the split (and alignment) check.
 * @param bio - the bio
 * @param lim - queue limits
 * @returns true if `bio_split_to_limits()` must look at the bio
 */
export function bioMayNeedSplit(bio: Bio, lim: QueueLimits): boolean {
  if (lim.chunkSectors !== 0) return true;
  if (bio.biVcnt !== 1) return true;
  const bv = bio.biIoVec[0] as BioVec;
  return bv.bvLen + bv.bvOffset > lim.maxFastSegmentSize;
}

function bioSubmitSplit(blk: BlockLayer, bio: Bio, splitSectors: number, resubmit: (b: Bio) => void): Bio | undefined {
  if (splitSectors < 0) {
    bio.biStatus = errnoToBlkStatus(splitSectors);
    bioEndio(bio);
    return undefined;
  }
  if (splitSectors === 0) return bio;
  const split = bioSplit(bio, splitSectors);
  if (typeof split === 'number') {
    bio.biStatus = errnoToBlkStatus(split);
    bioEndio(bio);
    return undefined;
  }
  split.biOpf |= REQ_NOMERGE;
  bioChain(split, bio);
  const tp = blk.trace.split;
  if (tp.observed && bio.biBdev !== undefined) {
    tp.emit({
      dev: bio.biBdev.bdDisk.diskName,
      sector: split.biIter.biSector,
      newSector: bio.biIter.biSector,
      rwbs: blkFillRwbs(bio.biOpf),
    });
  }
  resubmit(bio);
  return split;
}

/**
 * Models `__bio_split_to_limits()` (block/blk.h): split a bio to the queue limits; the front part is
 * returned, the rest is resubmitted (chained to it).
 * @param bio - the bio
 * @param lim - queue limits
 * @param nrSegs - receives the segment count of the returned bio
 * @param resubmit - `submit_bio_noacct()` for the remainder
 * @returns the bio to continue with, or undefined if it was ended with an error
 */
export function bioSplitToLimits(
  bio: Bio,
  lim: QueueLimits,
  nrSegs: SizeRef,
  resubmit: (b: Bio) => void,
): Bio | undefined {
  const blk = bio.blk;
  switch (bio.biOpf & REQ_OP_MASK) {
    case REQ_OP_READ:
    case REQ_OP_WRITE: {
      const r = bioSplitRwAt(bio, lim, nrSegs, getMaxIoSize(bio, lim) << SECTOR_SHIFT);
      return bioSubmitSplit(blk, bio, r, resubmit);
    }
    case REQ_OP_DISCARD:
    case REQ_OP_SECURE_ERASE: {
      nrSegs.value = 1;
      const max = lim.maxDiscardSectors;
      if (max === 0 || bioSectors(bio) <= max) return bio;
      const gran = Math.max(lim.logicalBlockSize >>> SECTOR_SHIFT, 1);
      const splitSectors = max - (max % gran);
      return bioSubmitSplit(blk, bio, splitSectors > 0 ? splitSectors : -EINVAL, resubmit);
    }
    case REQ_OP_WRITE_ZEROES: {
      nrSegs.value = 0;
      const max = lim.maxWriteZeroesSectors;
      if (max === 0 || bioSectors(bio) <= max) return bio;
      return bioSubmitSplit(blk, bio, max, resubmit);
    }
    default:
      nrSegs.value = 0;
      return bio;
  }
}

// ---- merging --------------------------------------------------------------------------------------

/** Models `ELEVATOR_BACK_MERGE` (enum elv_merge). */
export const ELEVATOR_BACK_MERGE = 1;
/** Models `ELEVATOR_FRONT_MERGE` (enum elv_merge). */
export const ELEVATOR_FRONT_MERGE = 2;
/** Models `ELEVATOR_NO_MERGE` (enum elv_merge). */
export const ELEVATOR_NO_MERGE = 0;

/**
 * Models `blk_rq_merge_ok()` (block/blk-merge.c): may `bio` join `rq` at all?
 * @param rq - a request not yet issued
 * @param bio - the bio
 * @returns true for the same queue, operation, flags compatible with merging
 */
export function blkRqMergeOk(rq: Request, bio: Bio): boolean {
  if ((rq.cmdFlags & REQ_NOMERGE_FLAGS) !== 0 || rq.endIo !== undefined) return false;
  if ((bio.biOpf & REQ_NOMERGE_FLAGS) !== 0) return false;
  const op = rq.cmdFlags & REQ_OP_MASK;
  if (op !== REQ_OP_READ && op !== REQ_OP_WRITE) return false;
  if (op !== (bio.biOpf & REQ_OP_MASK)) return false;
  if (bio.biBdev === undefined || rq.q !== bio.biBdev.bdQueue) return false;
  if (rq.bio !== undefined && (rq.bio.biWriteHint !== bio.biWriteHint || rq.bio.biIoprio !== bio.biIoprio))
    return false;
  return true;
}

/**
 * Models `blk_try_merge()` (block/blk-merge.c).
 * @param rq - the request
 * @param bio - the bio
 * @returns `ELEVATOR_BACK_MERGE` if the bio starts where the request ends, `ELEVATOR_FRONT_MERGE` if it
 * ends where the request starts, else `ELEVATOR_NO_MERGE`
 */
export function blkTryMerge(rq: Request, bio: Bio): number {
  if (rq.sector + (rq.dataLen >>> SECTOR_SHIFT) === bio.biIter.biSector) return ELEVATOR_BACK_MERGE;
  if (rq.sector === bioEndSector(bio)) return ELEVATOR_FRONT_MERGE;
  return ELEVATOR_NO_MERGE;
}

function mergeFits(q: RequestQueue, rq: Request, bio: Bio, nrSegs: number): boolean {
  const lim = q.limits;
  if ((rq.dataLen >>> SECTOR_SHIFT) + bioSectors(bio) > lim.maxSectors) return false;
  if (rq.nrPhysSegments + nrSegs > lim.maxSegments) return false;
  if (rq.dataLen + bio.biIter.biSize > UINT_MAX) return false;
  return true;
}

function lastBvecEnd(b: Bio): number {
  // Offset-in-page of the end of the last byte under bi_iter (for the virt boundary gap check).
  let end = 0;
  let idx = b.biIter.biIdx;
  let done = b.biIter.biBvecDone;
  let size = b.biIter.biSize;
  while (size > 0) {
    const v = b.biIoVec[idx] as BioVec;
    const len = Math.min(size, v.bvLen - done);
    end = (v.bvOffset + done + len) % PAGE_SIZE;
    size -= len;
    idx++;
    done = 0;
  }
  return end;
}

function firstBvecOffset(b: Bio): number {
  const v = b.biIoVec[b.biIter.biIdx];
  return v === undefined ? 0 : (v.bvOffset + b.biIter.biBvecDone) % PAGE_SIZE;
}

/**
 * Models `bio_attempt_back_merge()` / `bio_attempt_front_merge()` (block/blk-merge.c).
 * @param q - the queue
 * @param rq - a request not yet issued
 * @param bio - the bio
 * @param nrSegs - the bio's segment count
 * @returns true if merged (the bio now belongs to the request)
 */
export function blkAttemptBioMerge(q: RequestQueue, rq: Request, bio: Bio, nrSegs: number): boolean {
  if (!blkRqMergeOk(rq, bio)) return false;
  const where = blkTryMerge(rq, bio);
  if (where === ELEVATOR_NO_MERGE) return false;
  if (!mergeFits(q, rq, bio, nrSegs)) return false;
  const blk = q.blk;
  if (where === ELEVATOR_BACK_MERGE) {
    const tail = rq.biotail as Bio;
    if (bvecGapToPrev(q.limits, lastBvecEnd(tail), firstBvecOffset(bio))) return false;
    if (blk.trace.bioBackmerge.observed) blk.trace.bioBackmerge.emit(bioEntry(bio));
    tail.biNext = bio;
    rq.biotail = bio;
  } else {
    const head = rq.bio as Bio;
    if (bvecGapToPrev(q.limits, lastBvecEnd(bio), firstBvecOffset(head))) return false;
    if (blk.trace.bioFrontmerge.observed) blk.trace.bioFrontmerge.emit(bioEntry(bio));
    bio.biNext = head;
    rq.bio = bio;
    rq.sector = bio.biIter.biSector;
  }
  rq.dataLen += bio.biIter.biSize;
  rq.nrPhysSegments += nrSegs;
  const disk = q.disk;
  if (disk !== undefined) {
    const m = disk.stats.merges;
    const g = bio.biOpf & 1;
    m[g] = (m[g] ?? 0) + 1;
  }
  return true;
}

/** A `block_bio` trace entry for a bio. @internal */
export function bioEntry(bio: Bio): { dev: string; sector: number; nrSector: number; rwbs: string } {
  return {
    dev: bio.biBdev?.bdDisk.diskName ?? '',
    sector: bio.biIter.biSector,
    nrSector: bioSectors(bio),
    rwbs: blkFillRwbs(bio.biOpf),
  };
}

// ---- scatter/gather -------------------------------------------------------------------------------

/**
 * Models `struct scatterlist` (include/linux/scatterlist.h): one physically contiguous DMA segment.
 */
export interface Scatterlist {
  /** First page (pfn). */
  page: number;
  /** Offset in `page`. */
  offset: number;
  /** Bytes. */
  length: number;
  /** Bus address after mapping (`sg_dma_address`); identity (physical address) until a DMA API maps it. */
  dmaAddress: number;
  /** `sg_dma_len`. */
  dmaLength: number;
}

/**
 * Models `blk_rq_map_sg()` (block/blk-merge.c): the request's data as scatter/gather segments, merging
 * physically contiguous bvecs (across bios too) within `max_segment_size` and the segment boundary.
 * @param rq - the request
 * @param sgl - entries to fill from index 0 (grown as needed; existing objects are reused)
 * @returns the number of segments filled
 */
export function blkRqMapSg(rq: Request, sgl: Scatterlist[]): number {
  const lim = rq.q.limits;
  let n = 0;
  let cur: Scatterlist | undefined;
  let curEnd = -1;
  let remaining = rq.dataLen;
  for (let b = rq.bio; b !== undefined && remaining > 0; b = b.biNext) {
    let idx = b.biIter.biIdx;
    let done = b.biIter.biBvecDone;
    let size = Math.min(b.biIter.biSize, remaining);
    remaining -= size;
    while (size > 0) {
      const v = b.biIoVec[idx] as BioVec;
      let len = Math.min(size, v.bvLen - done);
      let paddr = v.bvPage * PAGE_SIZE + v.bvOffset + done;
      size -= len;
      idx++;
      done = 0;
      while (len > 0) {
        if (cur !== undefined && paddr === curEnd) {
          const room = getMaxSegmentSize(lim, cur.page * PAGE_SIZE + cur.offset, UINT_MAX) - cur.length;
          if (room > 0) {
            const add = Math.min(room, len);
            cur.length += add;
            cur.dmaLength = cur.length;
            paddr += add;
            len -= add;
            curEnd = paddr;
            continue;
          }
        }
        const seg = getMaxSegmentSize(lim, paddr, len);
        let e = sgl[n];
        if (e === undefined) {
          e = { page: 0, offset: 0, length: 0, dmaAddress: 0, dmaLength: 0 };
          sgl[n] = e;
        }
        e.page = Math.floor(paddr / PAGE_SIZE);
        e.offset = paddr % PAGE_SIZE;
        e.length = seg;
        e.dmaAddress = paddr;
        e.dmaLength = seg;
        n++;
        cur = e;
        paddr += seg;
        len -= seg;
        curEnd = paddr;
      }
    }
  }
  return n;
}

/**
 * Models `rq_for_each_segment()` (include/linux/blk-mq.h): every single-page piece of the request's data.
 * @param rq - the request
 * @param fn - called with (page, offset in page, length)
 */
export function rqForEachSegment(rq: Request, fn: (page: number, offset: number, len: number) => void): void {
  rqForEachBvec(rq, (page, off, len) => {
    while (len > 0) {
      const n = Math.min(len, PAGE_SIZE - off);
      fn(page, off, n);
      len -= n;
      page++;
      off = 0;
    }
  });
}

/**
 * Models `rq_for_each_bvec()` (include/linux/blk-mq.h): every multi-page bvec of the request's data.
 * @param rq - the request
 * @param fn - called with (page holding the first byte, offset in it, length)
 */
export function rqForEachBvec(rq: Request, fn: (page: number, offset: number, len: number) => void): void {
  let remaining = rq.dataLen;
  for (let b = rq.bio; b !== undefined && remaining > 0; b = b.biNext) {
    let idx = b.biIter.biIdx;
    let done = b.biIter.biBvecDone;
    let size = Math.min(b.biIter.biSize, remaining);
    remaining -= size;
    while (size > 0) {
      const v = b.biIoVec[idx] as BioVec;
      const start = v.bvOffset + done;
      const len = Math.min(size, v.bvLen - done);
      fn(v.bvPage + Math.floor(start / PAGE_SIZE), start % PAGE_SIZE, len);
      size -= len;
      idx++;
      done = 0;
    }
  }
}
