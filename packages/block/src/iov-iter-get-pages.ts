/**
 * The FOLL_GET family: `iov_iter_get_pages2()` and `iov_iter_get_pages_alloc2()` (lib/iov_iter.c).
 * @packageDocumentation
 */
import { EFAULT, EIO } from '@stackemu/core';
import type { BioVec } from './blk-types.js';
import { KernelBugError } from './internal/bug.js';
import { FOLL_NOFAULT, FOLL_WRITE, PAGE_SIZE, type MmStruct, type RefOwner } from './internal/mm.js';
import { folioqFolioSize, iovIterAdvance } from './iov-iter.js';
import type { IovMem } from './iov-mem.js';
import {
  ITER_BVEC,
  ITER_FOLIOQ,
  ITER_UBUF,
  MAX_RW_COUNT,
  type FolioQueue,
  type Iovec,
  type IovIter,
  type SizeRef,
} from './uio.js';

/**
 * How user pages are taken for a user-backed iterator: `get_user_pages_fast()` upstream; the RFC's
 * `dio_w_pin_user_pages_fast()` (patch 4) pins instead when its CONFIG is on.
 * @internal
 */
export type UserPagesFn = (
  mm: MmStruct,
  start: number,
  nrPages: number,
  gupFlags: number,
  pages: number[],
  owner?: RefOwner,
) => number;

/** `first_iovec_segment()`: the first non-empty segment's address; clips `size.value` to it. @internal */
export function firstIovecSegment(i: IovIter, size: SizeRef): number {
  if (i.iterType === ITER_UBUF) return i.ubuf + i.iovOffset;
  let skip = i.iovOffset;
  for (let k = 0; k < i.nrSegs; k++, skip = 0) {
    const iov = i.iov[i.segIdx + k] as Iovec;
    const len = iov.iovLen - skip;
    if (len === 0) continue;
    if (size.value > len) size.value = len;
    return iov.iovBase + skip;
  }
  throw new KernelBugError('first_iovec_segment', 'no non-empty segment');
}

/** `want_pages_array()` for a caller-provided array: pages needed, capped at `maxpages`. @internal */
export function wantPages(size: number, start: number, maxpages: number): number {
  const count = Math.ceil((size + start) / PAGE_SIZE);
  return count > maxpages ? maxpages : count;
}

/** Scratch for {@link firstIovecSegment}'s clipped size (read before GUP runs; nothing re-enters). */
const getPagesSize: SizeRef = { value: 0 };

/**
 * `__iov_iter_get_pages_alloc()` with the user-page function as a parameter (see {@link UserPagesFn}).
 * @internal
 */
export function iovIterGetPagesWith(
  mem: IovMem,
  userPages: UserPagesFn,
  i: IovIter,
  pages: number[],
  maxsize: number,
  maxpages: number,
  start: SizeRef,
  owner: RefOwner | undefined,
): number {
  if (maxsize > i.count) maxsize = i.count;
  if (maxsize === 0) return 0;
  if (maxsize > MAX_RW_COUNT) maxsize = MAX_RW_COUNT;

  if (i.userBacked) {
    let gupFlags = 0;
    if (!i.dataSource) gupFlags |= FOLL_WRITE;
    if (i.nofault) gupFlags |= FOLL_NOFAULT;
    const sz = getPagesSize;
    sz.value = maxsize;
    let addr = firstIovecSegment(i, sz);
    maxsize = sz.value;
    start.value = addr % PAGE_SIZE;
    addr -= start.value;
    const n = wantPages(maxsize, start.value, maxpages);
    if (i.mm === undefined) throw new KernelBugError('iov_iter_get_pages2', 'user-backed iterator without mm');
    const res = userPages(i.mm, addr, n, gupFlags, pages, owner);
    if (res <= 0) return res;
    maxsize = Math.min(maxsize, res * PAGE_SIZE - start.value);
    iovIterAdvance(i, maxsize);
    return maxsize;
  }
  if (i.iterType === ITER_BVEC) {
    // first_bvec_segment()
    const bv = i.bvec[i.segIdx] as BioVec;
    let skip = i.iovOffset;
    const len = bv.bvLen - skip;
    if (maxsize > len) maxsize = len;
    skip += bv.bvOffset;
    const page = bv.bvPage + Math.floor(skip / PAGE_SIZE);
    start.value = skip % PAGE_SIZE;
    const n = wantPages(maxsize, start.value, maxpages);
    for (let k = 0; k < n; k++) {
      pages[k] = page + k;
      mem.physMem.getPage(page + k, owner);
    }
    maxsize = Math.min(maxsize, n * PAGE_SIZE - start.value);
    i.count -= maxsize;
    i.iovOffset += maxsize;
    if (i.iovOffset === bv.bvLen) {
      i.iovOffset = 0;
      i.segIdx++;
      i.nrSegs--;
    }
    return maxsize;
  }
  if (i.iterType === ITER_FOLIOQ) return iterFolioqGetPages(mem, i, pages, maxsize, maxpages, start, owner);
  return -EFAULT;
}

/** `iter_folioq_get_pages()`: one page at a time, `get_page()` on each. */
function iterFolioqGetPages(
  mem: IovMem,
  i: IovIter,
  pages: number[],
  maxsize: number,
  maxpages: number,
  start: SizeRef,
  owner: RefOwner | undefined,
): number {
  let q = i.folioq as FolioQueue;
  let slot = i.folioqSlot;
  let extracted = 0;
  let count = i.count;
  let iovOffset = i.iovOffset;
  if (slot >= q.folios.length) {
    if (q.next === undefined) return -EIO;
    q = q.next;
    slot = 0;
    if (iovOffset !== 0) return -EIO;
  }
  maxpages = wantPages(maxsize, iovOffset % PAGE_SIZE, maxpages);
  start.value = iovOffset % PAGE_SIZE;
  let nr = 0;
  for (;;) {
    const folio = q.folios[slot] as number;
    const offset = iovOffset;
    const fsize = folioqFolioSize(q, slot);
    let part = PAGE_SIZE - (offset % PAGE_SIZE);
    if (offset < fsize) {
      part = Math.min(part, maxsize - extracted, fsize - offset);
      count -= part;
      iovOffset += part;
      extracted += part;
      const p = folio + Math.floor(offset / PAGE_SIZE);
      pages[nr++] = p;
      mem.physMem.getPage(p, owner);
      maxpages--;
    }
    if (maxpages === 0 || extracted >= maxsize) break;
    if (iovOffset >= fsize) {
      iovOffset = 0;
      slot++;
      if (slot === q.folios.length) {
        if (q.next === undefined) break;
        q = q.next;
        slot = 0;
      }
    }
  }
  i.count = count;
  i.iovOffset = iovOffset;
  i.folioq = q;
  i.folioqSlot = slot;
  return extracted;
}

/**
 * Models `iov_iter_get_pages2()` (lib/iov_iter.c): take a FOLL_GET reference on each page backing the
 * start of the iterator, and advance it over the bytes returned.
 *
 * @param mem - memory of the machine
 * @param i - the iterator
 * @param pages - filled from index 0 with the pages (pfns)
 * @param maxsize - at most this many bytes (also clamped to the count and `MAX_RW_COUNT`)
 * @param maxpages - at most this many pages; 0 returns 0
 * @param start - receives the offset of the data in `pages[0]`
 * @param owner - to whom the sanitizer attributes the references
 * @returns bytes covered (the iterator advanced by as much), 0, or a negative errno:
 * `-EFAULT` for KVEC and DISCARD iterators (no case handles them) and for unmapped user memory (from GUP),
 * `-EIO` for a malformed folio queue, or GUP's other errors.
 * @remarks User-backed: only the first non-empty segment, `get_user_pages_fast()` with `FOLL_WRITE` for a
 * destination, one reference per page. BVEC: only the current bvec, `folio_get()` per page. FOLIOQ:
 * `get_page()` per page. The caller releases every page with `put_page()`.
 */
export function iovIterGetPages2(
  mem: IovMem,
  i: IovIter,
  pages: number[],
  maxsize: number,
  maxpages: number,
  start: SizeRef,
  owner?: RefOwner,
): number {
  if (maxpages === 0) return 0;
  const gup = mem.gup;
  return iovIterGetPagesWith(
    mem,
    (mm, s, n, f, p, o) => gup.getUserPagesFast(mm, s, n, f, p, o),
    i,
    pages,
    maxsize,
    maxpages,
    start,
    owner,
  );
}

/** The result of {@link iovIterGetPagesAlloc2}: bytes (or -errno), the page array and the first offset. */
export interface GetPagesAllocResult {
  /** Bytes covered, or a negative errno. */
  readonly ret: number;
  /** The referenced pages (empty on error). */
  readonly pages: number[];
  /** Offset of the data in `pages[0]`. */
  readonly start: number;
}

/**
 * Models `iov_iter_get_pages_alloc2()` (lib/iov_iter.c): {@link iovIterGetPages2} with an allocated array
 * sized to the data (the caller `kvfree()`s it; here it is garbage).
 * @param mem - memory of the machine
 * @param i - the iterator
 * @param maxsize - at most this many bytes
 * @param owner - to whom the sanitizer attributes the references
 * @returns `{ ret, pages, start }`; `ret` is bytes or the errors of {@link iovIterGetPages2}
 */
export function iovIterGetPagesAlloc2(mem: IovMem, i: IovIter, maxsize: number, owner?: RefOwner): GetPagesAllocResult {
  const pages: number[] = [];
  const start: SizeRef = { value: 0 };
  const ret = iovIterGetPages2(mem, i, pages, maxsize, 0x7fffffff, start, owner);
  return { ret, pages: ret > 0 ? pages : [], start: start.value };
}
