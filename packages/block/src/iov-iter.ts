/**
 * Building, moving and copying through iterators (lib/iov_iter.c).
 * @packageDocumentation
 */
import type { BioVec } from './blk-types.js';
import { KernelBugError } from './internal/bug.js';
import { PAGE_SIZE, type MmStruct } from './internal/mm.js';
import type { IovMem } from './iov-mem.js';
import {
  ITER_BVEC,
  ITER_DEST,
  ITER_DISCARD,
  ITER_FOLIOQ,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_UBUF,
  IovIter,
  iovIterReset,
  type FolioQueue,
  type IovIterState,
  type Iovec,
  type IterDir,
  type Kvec,
} from './uio.js';

/**
 * Models `iov_iter_ubuf()` (include/linux/uio.h): an iterator over one user buffer.
 * @param dir - {@link ITER_SOURCE} (write) or {@link ITER_DEST} (read)
 * @param mm - the address space of `addr`
 * @param addr - user virtual address
 * @param len - length in bytes
 * @param into - an iterator to reinitialise (every field is reset, as the kernel's assignment of a whole
 * `struct iov_iter` does); default a new one
 * @returns a user-backed iterator (`into` when given)
 */
export function iovIterUbuf(dir: IterDir, mm: MmStruct, addr: number, len: number, into?: IovIter): IovIter {
  if (into === undefined) {
    const i = new IovIter(ITER_UBUF, dir, len, mm);
    i.ubuf = addr;
    i.nrSegs = 1;
    return i;
  }
  iovIterReset(into, ITER_UBUF, dir, len, mm);
  into.ubuf = addr;
  into.nrSegs = 1;
  return into;
}

/**
 * Models `iov_iter_init()` (lib/iov_iter.c): an iterator over an array of user `iovec`s.
 * @param dir - {@link ITER_SOURCE} or {@link ITER_DEST}
 * @param mm - the address space of the addresses
 * @param iov - the segments (kept, not copied)
 * @param nrSegs - how many of `iov` to use; default all
 * @param count - total bytes; default the sum of the used segments' lengths
 * @returns a user-backed iterator
 */
export function iovIterInit(
  dir: IterDir,
  mm: MmStruct,
  iov: readonly Iovec[],
  nrSegs: number = iov.length,
  count?: number,
): IovIter {
  let total = 0;
  if (count === undefined) for (let k = 0; k < nrSegs; k++) total += (iov[k] as Iovec).iovLen;
  const i = new IovIter(ITER_IOVEC, dir, count ?? total, mm);
  i.iov = iov;
  i.nrSegs = nrSegs;
  return i;
}

/**
 * Models `iov_iter_kvec()` (lib/iov_iter.c): an iterator over kernel (direct-map) ranges.
 * @param dir - {@link ITER_SOURCE} or {@link ITER_DEST}
 * @param kvec - the segments (kept, not copied); all of them are used
 * @param count - total bytes
 * @returns a kernel-backed iterator
 */
export function iovIterKvec(dir: IterDir, kvec: readonly Kvec[], count: number): IovIter {
  const i = new IovIter(ITER_KVEC, dir, count);
  i.kvec = kvec;
  i.nrSegs = kvec.length;
  return i;
}

/**
 * Models `iov_iter_bvec()` (lib/iov_iter.c): an iterator over `bio_vec`s (kernel pages).
 * @param dir - {@link ITER_SOURCE} or {@link ITER_DEST}
 * @param bvec - the segments (kept, not copied)
 * @param nrSegs - how many of `bvec` to use
 * @param count - total bytes
 * @returns a kernel-backed iterator
 */
export function iovIterBvec(dir: IterDir, bvec: readonly BioVec[], nrSegs: number, count: number): IovIter {
  const i = new IovIter(ITER_BVEC, dir, count);
  i.bvec = bvec;
  i.nrSegs = nrSegs;
  return i;
}

/**
 * Models `iov_iter_folio_queue()` (lib/iov_iter.c): an iterator over a chain of folio queues.
 * @param dir - {@link ITER_SOURCE} or {@link ITER_DEST}
 * @param folioq - the first segment of the chain
 * @param firstSlot - the first slot used in `folioq`
 * @param offset - offset into the first folio
 * @param count - total bytes
 * @returns a kernel-backed iterator
 */
export function iovIterFolioq(
  dir: IterDir,
  folioq: FolioQueue,
  firstSlot: number,
  offset: number,
  count: number,
): IovIter {
  const i = new IovIter(ITER_FOLIOQ, dir, count);
  i.folioq = folioq;
  i.folioqSlot = firstSlot;
  i.iovOffset = offset;
  return i;
}

/**
 * Models `iov_iter_discard()` (lib/iov_iter.c): a destination that drops what is copied into it.
 * @param dir - must be {@link ITER_DEST}
 * @param count - bytes to accept
 * @returns a DISCARD iterator
 * @throws KernelBugError for a source direction (the kernel's `BUG_ON(direction != READ)`)
 */
export function iovIterDiscard(dir: IterDir, count: number): IovIter {
  if (dir !== ITER_DEST) throw new KernelBugError('iov_iter_discard', 'direction != READ');
  return new IovIter(ITER_DISCARD, ITER_DEST, count);
}

/** `folioq_folio_size()`: bytes in the folio at `slot`. */
export function folioqFolioSize(q: FolioQueue, slot: number): number {
  return PAGE_SIZE * (1 << (q.orders[slot] ?? 0));
}

/**
 * Models `iov_iter_advance()` (lib/iov_iter.c): consume `size` bytes (clamped to the count).
 * @param i - the iterator
 * @param size - bytes to skip
 */
export function iovIterAdvance(i: IovIter, size: number): void {
  if (i.count < size) size = i.count;
  switch (i.iterType) {
    case ITER_UBUF:
      i.iovOffset += size;
      i.count -= size;
      return;
    case ITER_IOVEC:
    case ITER_KVEC: {
      if (i.count === 0) return;
      i.count -= size;
      const segs: readonly { iovLen: number }[] = i.iterType === ITER_IOVEC ? i.iov : i.kvec;
      size += i.iovOffset;
      let k = i.segIdx;
      const end = i.segIdx + i.nrSegs;
      for (; k < end; k++) {
        const len = (segs[k] as { iovLen: number }).iovLen;
        if (size < len) break;
        size -= len;
      }
      i.iovOffset = size;
      i.nrSegs -= k - i.segIdx;
      i.segIdx = k;
      return;
    }
    case ITER_BVEC: {
      if (i.count === 0) return;
      i.count -= size;
      size += i.iovOffset;
      let k = i.segIdx;
      const end = i.segIdx + i.nrSegs;
      for (; k < end; k++) {
        const len = (i.bvec[k] as BioVec).bvLen;
        if (size < len) break;
        size -= len;
      }
      i.iovOffset = size;
      i.nrSegs -= k - i.segIdx;
      i.segIdx = k;
      return;
    }
    case ITER_FOLIOQ: {
      if (i.count === 0) return;
      i.count -= size;
      let q = i.folioq as FolioQueue;
      let slot = i.folioqSlot;
      if (slot >= q.folios.length && q.next !== undefined) {
        q = q.next;
        slot = 0;
      }
      size += i.iovOffset;
      while (size > 0) {
        const fsize = folioqFolioSize(q, slot);
        if (size < fsize) break;
        size -= fsize;
        slot++;
        if (slot >= q.folios.length && q.next !== undefined) {
          q = q.next;
          slot = 0;
        }
      }
      i.iovOffset = size;
      i.folioqSlot = slot;
      i.folioq = q;
      return;
    }
    case ITER_DISCARD:
      i.count -= size;
      return;
    default:
      throw new KernelBugError('iov_iter_advance', `iterator type ${i.iterType} is not modelled`);
  }
}

/**
 * Models `iov_iter_revert()` (lib/iov_iter.c): give back `unroll` bytes that were advanced over.
 * @param i - the iterator
 * @param unroll - bytes to go back
 * @throws KernelBugError when asked to go before the start of a UBUF iterator (the kernel's `BUG()`)
 * @remarks Like the kernel, ignores (WARNs on) an `unroll` above `MAX_RW_COUNT`.
 */
export function iovIterRevert(i: IovIter, unroll: number): void {
  if (unroll === 0 || unroll > 0x7ffff000) return;
  i.count += unroll;
  if (i.iterType === ITER_DISCARD) return;
  if (unroll <= i.iovOffset) {
    i.iovOffset -= unroll;
    return;
  }
  unroll -= i.iovOffset;
  switch (i.iterType) {
    case ITER_UBUF:
      i.count -= unroll + i.iovOffset;
      throw new KernelBugError('iov_iter_revert', 'reverting before the start of a UBUF iterator');
    case ITER_BVEC:
    case ITER_IOVEC:
    case ITER_KVEC: {
      const lenAt = (k: number): number =>
        i.iterType === ITER_BVEC
          ? (i.bvec[k] as BioVec).bvLen
          : ((i.iterType === ITER_IOVEC ? i.iov[k] : i.kvec[k]) as Iovec).iovLen;
      for (;;) {
        if (i.segIdx === 0) throw new KernelBugError('iov_iter_revert', 'reverting before the first segment');
        const n = lenAt(--i.segIdx);
        i.nrSegs++;
        if (unroll <= n) {
          i.iovOffset = n - unroll;
          return;
        }
        unroll -= n;
      }
    }
    case ITER_FOLIOQ: {
      let q = i.folioq as FolioQueue;
      let slot = i.folioqSlot;
      i.iovOffset = 0;
      do {
        if (slot === 0) {
          if (q.prev === undefined) throw new KernelBugError('iov_iter_revert', 'reverting before the first folio');
          q = q.prev;
          slot = q.folios.length;
        }
        slot--;
        const fsize = folioqFolioSize(q, slot);
        if (unroll <= fsize) {
          i.iovOffset = fsize - unroll;
          break;
        }
        unroll -= fsize;
      } while (unroll > 0);
      i.folioqSlot = slot;
      i.folioq = q;
      return;
    }
    default:
      throw new KernelBugError('iov_iter_revert', `iterator type ${i.iterType} is not modelled`);
  }
}

/**
 * Models `iov_iter_restore()` (lib/iov_iter.c): return to a state saved with `iovIterSaveState`.
 * @param i - the iterator
 * @param state - the saved state
 * @remarks Like the kernel, supported for UBUF, IOVEC, KVEC, BVEC and DISCARD iterators only.
 * @throws KernelBugError for other types (the kernel WARNs and does nothing)
 */
export function iovIterRestore(i: IovIter, state: IovIterState): void {
  const t = i.iterType;
  if (t !== ITER_UBUF && t !== ITER_IOVEC && t !== ITER_KVEC && t !== ITER_BVEC && t !== ITER_DISCARD) {
    throw new KernelBugError('iov_iter_restore', `iterator type ${t} cannot be restored`);
  }
  i.iovOffset = state.iovOffset;
  i.count = state.count;
  if (t === ITER_UBUF || t === ITER_DISCARD) return;
  i.segIdx -= state.nrSegs - i.nrSegs;
  i.nrSegs = state.nrSegs;
}

/**
 * Models `iov_iter_alignment()` (lib/iov_iter.c): the OR of every remaining segment's start address and
 * length, so `(iovIterAlignment(i) & mask) !== 0` means some segment is misaligned for `mask`.
 * @param i - the iterator
 * @returns the OR, of the low 32 bits of each address (enough for any alignment mask)
 */
export function iovIterAlignment(i: IovIter): number {
  switch (i.iterType) {
    case ITER_UBUF:
      return i.count !== 0 ? ((i.ubuf + i.iovOffset) | i.count) >>> 0 : 0;
    case ITER_IOVEC:
    case ITER_KVEC: {
      const segs: readonly Iovec[] = i.iterType === ITER_IOVEC ? i.iov : i.kvec;
      let res = 0;
      let size = i.count;
      let skip = i.iovOffset;
      for (let k = i.segIdx; size > 0 && k < segs.length; k++, skip = 0) {
        const s = segs[k] as Iovec;
        let len = s.iovLen - skip;
        if (len > 0) {
          res |= s.iovBase + skip;
          if (len > size) len = size;
          res |= len;
          size -= len;
        }
      }
      return res >>> 0;
    }
    case ITER_BVEC: {
      let res = 0;
      let size = i.count;
      let skip = i.iovOffset;
      for (let k = i.segIdx; size > 0 && k < i.bvec.length; k++, skip = 0) {
        const bv = i.bvec[k] as BioVec;
        let len = bv.bvLen - skip;
        if (len > 0) {
          res |= bv.bvOffset + skip;
          if (len > size) len = size;
          res |= len;
          size -= len;
        }
      }
      return res >>> 0;
    }
    case ITER_FOLIOQ:
      return (i.iovOffset | i.count) >>> 0;
    default:
      return 0;
  }
}

/**
 * Models `iov_iter_gap_alignment()` (lib/iov_iter.c): the OR of every inner segment boundary (previous
 * end and next start), checked against a queue's `virt_boundary_mask`.
 * @param i - an IOVEC or UBUF iterator
 * @returns the OR (0 for UBUF); `0xffffffff` for other types (the kernel WARNs and returns `~0U`)
 */
export function iovIterGapAlignment(i: IovIter): number {
  if (i.iterType === ITER_UBUF) return 0;
  if (i.iterType !== ITER_IOVEC) return 0xffffffff;
  let res = 0;
  let v = 0;
  let size = i.count;
  for (let k = 0; k < i.nrSegs; k++) {
    const iov = i.iov[i.segIdx + k] as Iovec;
    if (iov.iovLen !== 0) {
      if (v !== 0) res |= iov.iovBase | v;
      v = iov.iovBase + iov.iovLen;
      if (size <= iov.iovLen) break;
      size -= iov.iovLen;
    }
  }
  return res >>> 0;
}

/**
 * Models `iov_iter_npages()` (lib/iov_iter.c): pages spanned by the remaining data, per segment.
 * @param i - the iterator
 * @param maxpages - cap
 * @returns `min(pages, maxpages)`; 0 for DISCARD or an empty iterator
 */
export function iovIterNpages(i: IovIter, maxpages: number): number {
  if (i.count === 0) return 0;
  switch (i.iterType) {
    case ITER_UBUF: {
      const offs = (i.ubuf + i.iovOffset) % PAGE_SIZE;
      return Math.min(Math.ceil((offs + i.count) / PAGE_SIZE), maxpages);
    }
    case ITER_IOVEC:
    case ITER_KVEC:
    case ITER_BVEC: {
      let size = i.count;
      let skip = i.iovOffset;
      let npages = 0;
      for (let k = i.segIdx; size > 0 && k < i.segIdx + i.nrSegs; k++, skip = 0) {
        let start: number;
        let segLen: number;
        if (i.iterType === ITER_BVEC) {
          const bv = i.bvec[k] as BioVec;
          start = bv.bvOffset + skip;
          segLen = bv.bvLen;
        } else {
          const s = (i.iterType === ITER_IOVEC ? i.iov[k] : i.kvec[k]) as Iovec;
          start = s.iovBase + skip;
          segLen = s.iovLen;
        }
        const len = Math.min(size, segLen - skip);
        if (len > 0) {
          size -= len;
          npages += Math.ceil(((start % PAGE_SIZE) + len) / PAGE_SIZE);
          if (npages > maxpages) return maxpages;
        }
      }
      return npages;
    }
    case ITER_FOLIOQ: {
      const offset = i.iovOffset % PAGE_SIZE;
      return Math.min(Math.ceil((offset + i.count) / PAGE_SIZE), maxpages);
    }
    default:
      return 0;
  }
}

// ---- copying -------------------------------------------------------------------------------------

/**
 * One step of a copy: moves `len` bytes between the caller's buffer (at `bufOff`) and the segment at
 * `addr` (a user address when `user`, else a physical one).
 * @returns bytes NOT processed (0 = all of them), like `raw_copy_to_user()`
 */
type Step = (i: IovIter, addr: number, user: boolean, len: number, bufOff: number) => number;

/**
 * The kernel's `iterate_and_advance()`: walks up to `bytes` of the remaining segments, stops at the first
 * short step, advances by what was processed.
 */
function iterateAndAdvance(i: IovIter, bytes: number, step: Step): number {
  if (bytes > i.count) bytes = i.count;
  if (bytes === 0) return 0;
  let progress = 0;
  switch (i.iterType) {
    case ITER_UBUF: {
      const rem = step(i, i.ubuf + i.iovOffset, true, bytes, 0);
      progress = bytes - rem;
      break;
    }
    case ITER_IOVEC:
    case ITER_KVEC:
    case ITER_BVEC: {
      let skip = i.iovOffset;
      const user = i.iterType === ITER_IOVEC;
      for (let k = i.segIdx; progress < bytes && k < i.segIdx + i.nrSegs; k++, skip = 0) {
        let base: number;
        let segLen: number;
        if (i.iterType === ITER_BVEC) {
          const bv = i.bvec[k] as BioVec;
          base = bv.bvPage * PAGE_SIZE + bv.bvOffset;
          segLen = bv.bvLen;
        } else {
          const s = (user ? i.iov[k] : i.kvec[k]) as Iovec;
          base = s.iovBase;
          segLen = s.iovLen;
        }
        const part = Math.min(bytes - progress, segLen - skip);
        if (part <= 0) continue;
        const rem = step(i, base + skip, user, part, progress);
        progress += part - rem;
        if (rem !== 0) break;
      }
      break;
    }
    case ITER_FOLIOQ: {
      let q = i.folioq as FolioQueue;
      let slot = i.folioqSlot;
      let skip = i.iovOffset;
      while (progress < bytes) {
        if (slot >= q.folios.length) {
          if (q.next === undefined) break;
          q = q.next;
          slot = 0;
        }
        const fsize = folioqFolioSize(q, slot);
        const part = Math.min(bytes - progress, fsize - skip);
        if (part > 0) {
          const base = (q.folios[slot] as number) * PAGE_SIZE;
          const rem = step(i, base + skip, false, part, progress);
          progress += part - rem;
          if (rem !== 0) break;
        }
        slot++;
        skip = 0;
      }
      break;
    }
    case ITER_DISCARD:
      progress = bytes;
      break;
    default:
      throw new KernelBugError('iterate_and_advance', `iterator type ${i.iterType} is not modelled`);
  }
  iovIterAdvance(i, progress);
  return progress;
}

function userMm(i: IovIter): MmStruct {
  if (i.mm === undefined) throw new KernelBugError('iov_iter', 'user-backed iterator without an address space');
  return i.mm;
}

/**
 * Models `copy_to_iter()` (lib/iov_iter.c): copy `bytes` from `src` into the iterator and advance it.
 * @param mem - memory of the machine
 * @param src - source buffer
 * @param srcOff - offset in `src`
 * @param bytes - bytes to copy
 * @param i - a destination iterator
 * @returns bytes copied: short when a user page faults; 0 for a source iterator (the kernel WARNs)
 */
export function copyToIter(mem: IovMem, src: Uint8Array, srcOff: number, bytes: number, i: IovIter): number {
  if (i.dataSource) return 0;
  return iterateAndAdvance(i, bytes, (it, addr, user, len, off) => {
    if (user) return userMm(it).copyToUser(addr, src, srcOff + off, len);
    mem.physMem.write(addr, src, srcOff + off, len);
    return 0;
  });
}

/**
 * Models `copy_from_iter()` (lib/iov_iter.c): copy `bytes` out of the iterator into `dst` and advance it.
 * @param mem - memory of the machine
 * @param dst - destination buffer
 * @param dstOff - offset in `dst`
 * @param bytes - bytes to copy
 * @param i - a source iterator
 * @returns bytes copied: short when a user page faults; 0 for a destination iterator (the kernel WARNs)
 */
export function copyFromIter(mem: IovMem, dst: Uint8Array, dstOff: number, bytes: number, i: IovIter): number {
  if (!i.dataSource) return 0;
  return iterateAndAdvance(i, bytes, (it, addr, user, len, off) => {
    if (user) return userMm(it).copyFromUser(dst, dstOff + off, addr, len);
    mem.physMem.read(addr, dst, dstOff + off, len);
    return 0;
  });
}

/** Per-machine page-sized bounce buffers (keyed by the machine's memory, so machines share nothing). */
const scratchPages = new WeakMap<IovMem, Uint8Array>();
const zeroPages = new WeakMap<IovMem, Uint8Array>();
function pageBuf(map: WeakMap<IovMem, Uint8Array>, mem: IovMem): Uint8Array {
  let z = map.get(mem);
  if (z === undefined) {
    z = new Uint8Array(PAGE_SIZE);
    map.set(mem, z);
  }
  return z;
}
function scratch(mem: IovMem): Uint8Array {
  return pageBuf(scratchPages, mem);
}

/**
 * Models `iov_iter_zero()` (lib/iov_iter.c): write `bytes` zeroes into the iterator and advance it.
 * @param mem - memory of the machine
 * @param bytes - bytes to zero
 * @param i - the iterator
 * @returns bytes zeroed (short on a user fault)
 */
export function iovIterZero(mem: IovMem, bytes: number, i: IovIter): number {
  const z = pageBuf(zeroPages, mem);
  return iterateAndAdvance(i, bytes, (it, addr, user, len) => {
    let done = 0;
    while (done < len) {
      const n = Math.min(PAGE_SIZE, len - done);
      if (user) {
        const rem = userMm(it).copyToUser(addr + done, z, 0, n);
        if (rem !== 0) return len - done - (n - rem);
      } else {
        mem.physMem.write(addr + done, z, 0, n);
      }
      done += n;
    }
    return 0;
  });
}

function pageCopySane(offset: number, n: number, order: number): boolean {
  return n <= PAGE_SIZE << order && offset + n <= PAGE_SIZE << order && offset >= 0;
}

/**
 * Models `copy_page_to_iter()` (lib/iov_iter.c): copy part of a (possibly compound) page into the iterator.
 * @param mem - memory of the machine
 * @param page - the page (pfn); `offset` may reach into following pages of its folio
 * @param offset - offset from `page`
 * @param bytes - bytes to copy
 * @param i - a destination iterator
 * @returns bytes copied; 0 when the range leaves the folio (the kernel's `page_copy_sane()`) or `i` is a source
 */
export function copyPageToIter(mem: IovMem, page: number, offset: number, bytes: number, i: IovIter): number {
  const head = mem.physMem.folioHead(page);
  const order = mem.physMem.folioOrder(head);
  if (!pageCopySane((page - head) * PAGE_SIZE + offset, bytes, order)) return 0;
  if (i.dataSource) return 0;
  const buf = scratch(mem);
  const base = page * PAGE_SIZE + offset;
  let res = 0;
  while (res < bytes) {
    const n = Math.min(PAGE_SIZE - ((base + res) % PAGE_SIZE), bytes - res);
    mem.physMem.read(base + res, buf, 0, n);
    const c = copyToIter(mem, buf, 0, n, i);
    res += c;
    if (c < n) break;
  }
  return res;
}

/**
 * Models `copy_page_from_iter()` (lib/iov_iter.c): copy from the iterator into part of a page.
 * @param mem - memory of the machine
 * @param page - the page (pfn)
 * @param offset - offset from `page`
 * @param bytes - bytes to copy
 * @param i - a source iterator
 * @returns bytes copied; 0 when the range leaves the folio or `i` is a destination
 */
export function copyPageFromIter(mem: IovMem, page: number, offset: number, bytes: number, i: IovIter): number {
  const head = mem.physMem.folioHead(page);
  const order = mem.physMem.folioOrder(head);
  if (!pageCopySane((page - head) * PAGE_SIZE + offset, bytes, order)) return 0;
  if (!i.dataSource) return 0;
  const buf = scratch(mem);
  const base = page * PAGE_SIZE + offset;
  let res = 0;
  while (res < bytes) {
    const n = Math.min(PAGE_SIZE - ((base + res) % PAGE_SIZE), bytes - res);
    const c = copyFromIter(mem, buf, 0, n, i);
    mem.physMem.write(base + res, buf, 0, c);
    res += c;
    if (c < n) break;
  }
  return res;
}

/** `offset_in_page()`. @internal */
export function offsetInPage(addr: number): number {
  return addr % PAGE_SIZE;
}

/** `PFN_DOWN()` of a direct-map address. @internal */
export function virtToPfn(addr: number): number {
  return Math.floor(addr / PAGE_SIZE);
}
