/**
 * The pin family: `iov_iter_extract_pages()` (lib/iov_iter.c), which pins only user-backed memory.
 * @packageDocumentation
 */
import { EFAULT, EIO } from '@stackemu/core';
import type { BioVec } from './blk-types.js';
import { KernelBugError } from './internal/bug.js';
import { FOLL_NOFAULT, FOLL_PCI_P2PDMA, FOLL_WRITE, PAGE_SIZE, type RefOwner } from './internal/mm.js';
import { folioqFolioSize, iovIterAdvance } from './iov-iter.js';
import { firstIovecSegment, wantPages } from './iov-iter-get-pages.js';
import type { IovMem } from './iov-mem.js';
import {
  ITER_ALLOW_P2PDMA,
  ITER_BVEC,
  ITER_FOLIOQ,
  ITER_KVEC,
  MAX_RW_COUNT,
  type FolioQueue,
  type IovIter,
  type Kvec,
  type SizeRef,
} from './uio.js';

/**
 * Models `iov_iter_extract_pages()` (lib/iov_iter.c): list the pages backing the start of the iterator
 * and advance it over the bytes returned, pinning them only if the iterator is user-backed.
 *
 * @param mem - memory of the machine
 * @param i - the iterator
 * @param pages - filled from index 0 with the pages (pfns)
 * @param maxsize - at most this many bytes (also clamped to the count and `MAX_RW_COUNT`)
 * @param maxpages - at most this many pages
 * @param extractionFlags - `ITER_ALLOW_P2PDMA` or 0
 * @param offset0 - receives the offset of the data in `pages[0]`
 * @param owner - to whom the sanitizer attributes the pins
 * @returns bytes extracted (the iterator advanced by exactly that), 0, or a negative errno: `-EFAULT` for
 * a DISCARD iterator or unmapped user memory, `-EIO` for a malformed folio queue, or GUP's other errors.
 * @remarks User-backed (UBUF/IOVEC): first non-empty segment only, `pin_user_pages_fast()` with
 * `FOLL_WRITE` iff the iterator is a destination; the caller unpins each page exactly once (see
 * `iovIterExtractWillPin`). KVEC, BVEC, FOLIOQ: pages listed with **no reference and no pin**; their
 * lifetime is the iterator owner's business. BVEC extraction spans bvecs only while the result stays
 * virtually contiguous.
 */
export function iovIterExtractPages(
  mem: IovMem,
  i: IovIter,
  pages: number[],
  maxsize: number,
  maxpages: number,
  extractionFlags: number,
  offset0: SizeRef,
  owner?: RefOwner,
): number {
  maxsize = Math.min(maxsize, i.count, MAX_RW_COUNT);
  if (maxsize === 0) return 0;
  if (i.userBacked) return extractUserPages(mem, i, pages, maxsize, maxpages, extractionFlags, offset0, owner);
  switch (i.iterType) {
    case ITER_KVEC:
      return extractKvecPages(i, pages, maxsize, maxpages, offset0);
    case ITER_BVEC:
      return extractBvecPages(i, pages, maxsize, maxpages, offset0);
    case ITER_FOLIOQ:
      return extractFolioqPages(i, pages, maxsize, maxpages, offset0);
    default:
      return -EFAULT;
  }
}

/** Scratch for {@link firstIovecSegment}'s clipped size (extraction never re-enters itself). */
const extractSize: SizeRef = { value: 0 };

/** `iov_iter_extract_user_pages()`. */
function extractUserPages(
  mem: IovMem,
  i: IovIter,
  pages: number[],
  maxsize: number,
  maxpages: number,
  extractionFlags: number,
  offset0: SizeRef,
  owner: RefOwner | undefined,
): number {
  let gupFlags = 0;
  if (!i.dataSource) gupFlags |= FOLL_WRITE;
  if ((extractionFlags & ITER_ALLOW_P2PDMA) !== 0) gupFlags |= FOLL_PCI_P2PDMA;
  if (i.nofault) gupFlags |= FOLL_NOFAULT;
  const sz = extractSize;
  sz.value = maxsize;
  let addr = firstIovecSegment(i, sz);
  maxsize = sz.value;
  const offset = addr % PAGE_SIZE;
  offset0.value = offset;
  addr -= offset;
  maxpages = wantPages(maxsize, offset, maxpages);
  if (i.mm === undefined) throw new KernelBugError('iov_iter_extract_pages', 'user-backed iterator without mm');
  const res = mem.gup.pinUserPagesFast(i.mm, addr, maxpages, gupFlags, pages, owner);
  if (res <= 0) return res;
  maxsize = Math.min(maxsize, res * PAGE_SIZE - offset);
  iovIterAdvance(i, maxsize);
  return maxsize;
}

/** `iov_iter_extract_kvec_pages()`: `virt_to_page()` of each page, one kvec at a time. */
function extractKvecPages(i: IovIter, pages: number[], maxsize: number, maxpages: number, offset0: SizeRef): number {
  let skip = i.iovOffset;
  let size: number;
  for (;;) {
    if (i.nrSegs === 0) return 0;
    size = Math.min(maxsize, (i.kvec[i.segIdx] as Kvec).iovLen - skip);
    if (size > 0) break;
    i.iovOffset = 0;
    i.nrSegs--;
    i.segIdx++;
    skip = 0;
  }
  const kaddr = (i.kvec[i.segIdx] as Kvec).iovBase + skip;
  const offset = kaddr % PAGE_SIZE;
  offset0.value = offset;
  maxpages = wantPages(size, offset, maxpages);
  const first = (kaddr - offset) / PAGE_SIZE;
  for (let k = 0; k < maxpages; k++) pages[k] = first + k;
  size = Math.min(size, maxpages * PAGE_SIZE - offset);
  iovIterAdvance(i, size);
  return size;
}

/** `iov_iter_extract_bvec_pages()`: single-page segments while the result stays virtually contiguous. */
function extractBvecPages(i: IovIter, pages: number[], maxsize: number, maxpages: number, offset0: SizeRef): number {
  if (i.nrSegs === 0) return 0;
  let skip = i.iovOffset;
  if (skip === (i.bvec[i.segIdx] as BioVec).bvLen) {
    i.iovOffset = 0;
    i.nrSegs--;
    i.segIdx++;
    skip = 0;
  }
  maxpages = wantPages(maxsize, skip, maxpages);
  // A private bvec_iter over i.bvec[segIdx..].
  let idx = 0;
  let done = skip;
  let left = maxsize;
  let size = 0;
  let k = 0;
  while (left > 0 && idx < i.nrSegs) {
    const bv = i.bvec[i.segIdx + idx] as BioVec;
    // bvec_iter_bvec(): the single-page piece at the iterator.
    const off = bv.bvOffset + done;
    const page = bv.bvPage + Math.floor(off / PAGE_SIZE);
    const pageOff = off % PAGE_SIZE;
    const len = Math.min(left, bv.bvLen - done, PAGE_SIZE - pageOff);
    if (k > 0) {
      if (pageOff !== 0) break;
    } else {
      offset0.value = pageOff;
    }
    pages[k++] = page;
    size += len;
    if (k >= maxpages) break;
    if (pageOff + len !== PAGE_SIZE) break;
    // bvec_iter_advance_single()
    left -= len;
    done += len;
    if (done === bv.bvLen) {
      idx++;
      done = 0;
    }
  }
  iovIterAdvance(i, size);
  return size;
}

/** `iov_iter_extract_folioq_pages()`: one page per step, no reference. */
function extractFolioqPages(i: IovIter, pages: number[], maxsize: number, maxpages: number, offset0: SizeRef): number {
  let q = i.folioq as FolioQueue;
  let slot = i.folioqSlot;
  let extracted = 0;
  let nr = 0;
  if (slot >= q.folios.length) {
    if (q.next === undefined) return -EIO;
    q = q.next;
    slot = 0;
    if (i.iovOffset !== 0) return -EIO;
  }
  offset0.value = i.iovOffset % PAGE_SIZE;
  maxpages = wantPages(maxsize, offset0.value, maxpages);
  for (;;) {
    const folio = q.folios[slot] as number;
    const offset = i.iovOffset;
    const fsize = folioqFolioSize(q, slot);
    let part = PAGE_SIZE - (offset % PAGE_SIZE);
    if (offset < fsize) {
      part = Math.min(part, maxsize - extracted, fsize - offset);
      i.count -= part;
      i.iovOffset += part;
      extracted += part;
      pages[nr++] = folio + Math.floor(offset / PAGE_SIZE);
    }
    if (nr >= maxpages || extracted >= maxsize) break;
    if (i.iovOffset >= fsize) {
      i.iovOffset = 0;
      slot++;
      if (slot === q.folios.length) {
        if (q.next === undefined) break;
        q = q.next;
        slot = 0;
      }
    }
  }
  i.folioq = q;
  i.folioqSlot = slot;
  return extracted;
}
