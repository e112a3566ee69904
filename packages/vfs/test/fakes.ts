/**
 * Test doubles of mm and block for the vfs's own tests: a flat user memory, a minimal iov_iter and a
 * counting pin table. Not exported by the package.
 */
import { EFAULT, VirtualScheduler } from '@stackemu/core';
import type { FileSystemType } from '@stackemu/vfs';
import { VfsImpl, blkdevFops } from '@stackemu/vfs';

const PAGE = 4096;

/** A flat user address space: bytes in a Map of pages. */
export class FakeMm {
  readonly pages = new Map<number, Uint8Array>();
  exited = false;
  mmaps: { addr: number; len: number; file: unknown; pgoff: number | undefined }[] = [];
  private next = 0x10000000;

  page(pfnLike: number): Uint8Array {
    let p = this.pages.get(pfnLike);
    if (p === undefined) {
      p = new Uint8Array(PAGE);
      this.pages.set(pfnLike, p);
    }
    return p;
  }

  mmap(addr: number, len: number, _prot: number, _flags: number, file?: unknown, pgoff?: number): number {
    const a = addr !== 0 ? addr : this.next;
    this.next = a + Math.ceil(len / PAGE) * PAGE + PAGE;
    this.mmaps.push({ addr: a, len, file, pgoff });
    return a;
  }

  munmap(): number {
    return 0;
  }

  copyToUser(uaddr: number, src: Uint8Array, srcOff: number, len: number): number {
    if (uaddr < PAGE) return len;
    for (let i = 0; i < len; i++) this.page(Math.floor((uaddr + i) / PAGE))[(uaddr + i) % PAGE] = src[srcOff + i] ?? 0;
    return 0;
  }

  copyFromUser(dst: Uint8Array, dstOff: number, uaddr: number, len: number): number {
    if (uaddr < PAGE) return len;
    for (let i = 0; i < len; i++) dst[dstOff + i] = this.page(Math.floor((uaddr + i) / PAGE))[(uaddr + i) % PAGE] ?? 0;
    return 0;
  }

  exit(): void {
    this.exited = true;
  }
}

/** A minimal iov_iter: user segments (UBUF/IOVEC) or bvecs. */
export class FakeIter {
  iterType: number;
  dataSource: boolean;
  count: number;
  segs: { addr: number; len: number }[];
  userBacked: boolean;

  constructor(
    readonly mm: FakeMm | undefined,
    dir: number,
    segs: { addr: number; len: number }[],
    type: number,
  ) {
    this.iterType = type;
    this.dataSource = dir === 1;
    this.segs = segs.map((s) => ({ ...s }));
    this.count = segs.reduce((a, s) => a + s.len, 0);
    this.userBacked = mm !== undefined;
  }

  /** Address of the first byte left (for alignment checks). */
  get firstAddr(): number {
    return this.segs.find((s) => s.len > 0)?.addr ?? 0;
  }

  advance(n: number): void {
    this.count -= n;
    while (n > 0) {
      const s = this.segs[0];
      if (s === undefined) return;
      const k = Math.min(n, s.len);
      s.addr += k;
      s.len -= k;
      n -= k;
      if (s.len === 0) this.segs.shift();
    }
  }
}

/** Copies `src` into the iterator (copy_to_iter). */
export function copyToIter(src: Uint8Array, i: FakeIter): number {
  let done = 0;
  while (done < src.length && i.count > 0) {
    const s = i.segs[0];
    if (s === undefined) break;
    const n = Math.min(s.len, src.length - done, i.count);
    if (i.mm === undefined) throw new Error('fake: bvec copy');
    if (i.mm.copyToUser(s.addr, src, done, n) !== 0) return done;
    i.advance(n);
    done += n;
  }
  return done;
}

/** Copies from the iterator into `dst` (copy_from_iter). */
export function copyFromIter(dst: Uint8Array, i: FakeIter): number {
  let done = 0;
  while (done < dst.length && i.count > 0) {
    const s = i.segs[0];
    if (s === undefined) break;
    const n = Math.min(s.len, dst.length - done, i.count);
    if (i.mm === undefined) throw new Error('fake: bvec copy');
    if (i.mm.copyFromUser(dst, done, s.addr, n) !== 0) return done;
    i.advance(n);
    done += n;
  }
  return done;
}

/** Pins recorded by the fake GUP. */
export class FakePins {
  acquired = 0;
  released = 0;
  longterm = 0;
  held = new Map<number, number>();
}

/** A fake block device. */
export interface FakeBdev {
  readonly name: string;
  size: number;
  lbs: number;
  data: Uint8Array;
}

/** A fake page cache mapping. */
export interface FakeMapping {
  readonly host: unknown;
  readonly aops: {
    readFolio(m: FakeMapping, pfn: number, index: number): Promise<number>;
    writepages(m: FakeMapping, wbc: unknown): Promise<number>;
  };
  readonly pages: Map<number, number>;
}

/** The fake page cache's state. */
export class FakeCache {
  readonly data = new Map<number, Uint8Array>();
  readonly uptodate = new Set<number>();
  readonly dirty = new Set<number>();
  writebacks = 0;
}

/** Builds a VfsImpl over the fakes, with `types` contributed. */
export async function makeVfs(types: readonly FileSystemType[] = [], bdevs: FakeBdev[] = [], fakeCache = new FakeCache()): Promise<{
  vfs: VfsImpl;
  sched: VirtualScheduler;
  pins: FakePins;
  mms: FakeMm[];
}> {
  const sched = new VirtualScheduler();
  const pins = new FakePins();
  const mms: FakeMm[] = [];
  let pfnSeq = 1000;
  const cache = fakeCache;
  const pfnOf = new Map<number, number>();
  const up = {
    importUbuf: (dir: number, mm: FakeMm, buf: number, len: number) =>
      buf < 0 ? -EFAULT : new FakeIter(mm, dir, [{ addr: buf, len }], 0),
    importIovec: (dir: number, mm: FakeMm, iov: readonly { iovBase: number; iovLen: number }[], nr: number) => {
      if (nr > 1024) return -22;
      return new FakeIter(mm, dir, iov.slice(0, nr).map((v) => ({ addr: v.iovBase, len: v.iovLen })), nr === 1 ? 0 : 1);
    },
    iovIterBvec: (dir: number, bvec: readonly { bvPage: number; bvLen: number; bvOffset: number }[], nr: number, count: number) => {
      // Bvec pages map back to user addresses in this fake (pfn → page index).
      const back = new Map([...pfnOf.entries()].map(([a, b]) => [b, a]));
      const mm = mms[mms.length - 1];
      const segs = bvec.slice(0, nr).map((b) => ({ addr: (back.get(b.bvPage) ?? 0) * PAGE + b.bvOffset, len: b.bvLen }));
      const it = new FakeIter(mm, dir, segs, 2);
      it.userBacked = false;
      it.count = count;
      return it;
    },
    iovIterAdvance: (i: FakeIter, n: number) => i.advance(n),
    createMm: () => {
      const m = new FakeMm();
      mms.push(m);
      return m;
    },
    createAddressSpace: (aops: unknown, host: unknown) => ({ host, aops, pages: new Map<number, number>() }),
    readMappingFolio: async (mapping: FakeMapping, index: number) => {
      const pfn = up.grabCacheFolio(mapping, index);
      if (!cache.uptodate.has(pfn)) {
        const r = await mapping.aops.readFolio(mapping, pfn, index);
        if (r < 0) return r;
        cache.uptodate.add(pfn);
      }
      return pfn;
    },
    grabCacheFolio: (mapping: FakeMapping, index: number) => {
      let pfn = mapping.pages.get(index);
      if (pfn === undefined) {
        pfn = pfnSeq++;
        mapping.pages.set(index, pfn);
        cache.data.set(pfn, new Uint8Array(PAGE));
      }
      return pfn;
    },
    folioTestUptodate: (pfn: number) => cache.uptodate.has(pfn),
    folioMarkUptodate: (pfn: number) => void cache.uptodate.add(pfn),
    folioZeroAndMarkUptodate: (pfn: number) => {
      cache.data.get(pfn)?.fill(0);
      cache.uptodate.add(pfn);
    },
    folioMarkDirty: (_m: FakeMapping, pfn: number) => void cache.dirty.add(pfn),
    copyPageToIter: (pfn: number, off: number, n: number, i: FakeIter) => copyToIter((cache.data.get(pfn) as Uint8Array).subarray(off, off + n), i),
    copyPageFromIter: (pfn: number, off: number, n: number, i: FakeIter) => copyFromIter((cache.data.get(pfn) as Uint8Array).subarray(off, off + n), i),
    filemapWriteAndWaitRange: async (mapping: FakeMapping) => {
      cache.writebacks++;
      return mapping.aops.writepages(mapping, undefined);
    },
    invalidateInodePages2Range: (mapping: FakeMapping, start: number, end: number) => {
      for (const [idx, pfn] of [...mapping.pages]) {
        if (idx >= start && idx <= end) {
          mapping.pages.delete(idx);
          cache.uptodate.delete(pfn);
          cache.dirty.delete(pfn);
        }
      }
      return 0;
    },
    pinUserPagesFast: (_mm: FakeMm, start: number, nrPages: number, flags: number, pages: number[]) => {
      if (start < PAGE) return -EFAULT;
      for (let i = 0; i < nrPages; i++) {
        const idx = start / PAGE + i;
        let pfn = pfnOf.get(idx);
        if (pfn === undefined) {
          pfn = pfnSeq++;
          pfnOf.set(idx, pfn);
        }
        pages.push(pfn);
        pins.held.set(pfn, (pins.held.get(pfn) ?? 0) + 1);
      }
      pins.acquired += nrPages;
      if (flags & (1 << 8)) pins.longterm += nrPages;
      return nrPages;
    },
    unpinUserPages: (pages: readonly number[], n: number) => {
      for (let i = 0; i < n; i++) {
        const pfn = pages[i] as number;
        const c = (pins.held.get(pfn) ?? 0) - 1;
        if (c < 0) throw new Error('fake: unpin of unpinned page');
        if (c === 0) pins.held.delete(pfn);
        else pins.held.set(pfn, c);
      }
      pins.released += n;
    },
    filemapWriteAndWait: (mapping: FakeMapping) => (mapping.aops === undefined ? Promise.resolve(0) : mapping.aops.writepages(mapping, undefined)),
    truncateInodePages: () => undefined,
    blkdevDirectIO: (iocb: { kiPos: number; kiFlags: number; kiComplete: unknown }, iter: FakeIter, bdev: FakeBdev) => {
      if ((iocb.kiPos | iter.count) % bdev.lbs !== 0 || iter.firstAddr % 512 !== 0) return -22;
      const n = iter.count;
      if (iter.dataSource) copyFromIter(bdev.data.subarray(iocb.kiPos, iocb.kiPos + n), iter);
      else copyToIter(bdev.data.subarray(iocb.kiPos, iocb.kiPos + n), iter);
      iocb.kiPos += n;
      return n;
    },
    bdevNrBytes: (b: FakeBdev) => b.size,
    bdevLogicalBlockSize: (b: FakeBdev) => b.lbs,
    bdevDmaAlignment: () => 511,
    blkdevIssueFlush: () => Promise.resolve(0),
    listBdevs: () => bdevs,
    lookupBdev: (n: string) => bdevs.find((b) => b.name === n),
  };
  const u = up as never;
  const vfs = new VfsImpl(sched, u, () => types, blkdevFops(u));
  await vfs.init();
  return { vfs, sched, pins, mms };
}
